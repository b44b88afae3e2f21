//===- PromoteAllocsToStack.cpp - Temporary buffers as allocas ------------===//
//
// attn-promote-allocs-to-stack: attn_decode must not touch the heap (it runs
// once per generated token, and the runtime promises callers no allocation),
// so after bufferization each of its memref.alloc becomes a memref.alloca.
// An alloca executed inside a loop grows the stack every iteration, so
// static allocations move to the entry block (one buffer reused by every
// iteration; one-shot bufferization never yields a loop-local buffer out of
// its loop, so no two iterations' buffers are live at once) and a dynamic
// allocation inside a loop is reported as an error. Other functions only get
// the upstream promote-buffers-to-stack behaviour for small static buffers
// outside loops; the rest is left to the deallocation pipeline.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_PROMOTEALLOCSTOSTACKPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// Alignment of promoted buffers: one zmm register, so vector loads and
/// stores of 16 floats never split a cache line.
constexpr int64_t kStackAlignment = 64;

bool isInsideLoop(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent && !isa<func::FuncOp>(parent);
       parent = parent->getParentOp())
    if (isa<LoopLikeOpInterface>(parent))
      return true;
  return false;
}

/// True when the buffer (or a view of it) is yielded out of a region, i.e.
/// it may outlive the loop iteration that allocated it.
bool escapesRegion(Value buffer) {
  SmallVector<Value> worklist{buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user->hasTrait<OpTrait::IsTerminator>())
        return true;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == v)
          llvm::append_range(worklist, user->getResults());
    }
  }
  return false;
}

struct PromoteAllocsToStackPass
    : mlir::attnc::impl::PromoteAllocsToStackPassBase<PromoteAllocsToStackPass> {
  using PromoteAllocsToStackPassBase::PromoteAllocsToStackPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    bool stackOnly = llvm::is_contained(functions, func.getSymName().str());

    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });

    OpBuilder builder(&getContext());
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      bool inLoop = isInsideLoop(alloc);
      bool isStatic = type.hasStaticShape();
      if (stackOnly) {
        if (!isStatic && inLoop) {
          alloc.emitError("dynamic-size buffer inside a loop in '")
              << func.getSymName()
              << "', which must not allocate on the heap or grow the stack";
          return signalPassFailure();
        }
        if (inLoop && escapesRegion(alloc)) {
          alloc.emitError("loop-local buffer escapes its loop in '")
              << func.getSymName() << "'; it cannot be hoisted to the stack";
          return signalPassFailure();
        }
      } else {
        if (!isStatic || inLoop || !type.getElementType().isIntOrFloat())
          continue;
        int64_t bytes = type.getNumElements() *
                        llvm::divideCeil(type.getElementTypeBitWidth(), 8);
        if (bytes > maxBytes)
          continue;
      }

      // Static buffers go to the entry block, out of every loop; dynamic
      // ones stay where their sizes are defined (never in a loop, see above).
      if (isStatic)
        builder.setInsertionPointToStart(&func.getBody().front());
      else
        builder.setInsertionPoint(alloc);
      int64_t alignment =
          std::max<int64_t>(alloc.getAlignment().value_or(0), kStackAlignment);
      auto alloca = builder.create<memref::AllocaOp>(
          alloc.getLoc(), type, alloc.getDynamicSizes(), alloc.getSymbolOperands(),
          builder.getI64IntegerAttr(alignment));
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    }
  }
};

} // namespace
