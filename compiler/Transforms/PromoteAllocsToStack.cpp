//===- PromoteAllocsToStack.cpp - Temporary buffers off the heap ----------===//
//
// attn-promote-allocs-to-stack: attn_decode must not touch the heap (it runs
// once per generated token, and the runtime promises callers no allocation)
// and its stack use must not depend on the model's context length (the
// scores over all keys are context_length floats per head: 16 MiB at 131072
// positions and 32 heads, twice the default 8 MiB stack). So after
// bufferization each memref.alloc of a stack-only function becomes either an
// alloca in the entry block, when it is small (at most `max-alloca-bytes`)
// and the function's allocas still fit in `stack-budget-bytes`, or else a
// private, mutable, 64-byte-aligned memref.global read with
// memref.get_global: static storage (lazily mapped .bss), no stack, no heap.
// Static storage is shared by every call, which is sound because the entry
// points are never re-entered concurrently (the runtime calls them from one
// thread) and a temporary never outlives its call.
//
// An alloca executed inside a loop would grow the stack every iteration, so
// the allocas go to the entry block (one buffer reused by every iteration;
// one-shot bufferization never yields a loop-local buffer out of its loop,
// so no two iterations' buffers are live at once, and a buffer that does
// escape is an error). A dynamic-size buffer in a stack-only function is an
// error: its size comes from the input, so neither the stack nor static
// storage can bound it. Other functions only get the upstream
// promote-buffers-to-stack behaviour for small static buffers outside loops,
// within the same budget; the rest is left to the deallocation pipeline.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/CheckedArithmetic.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_PROMOTEALLOCSTOSTACKPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// Alignment of promoted buffers and globals: one zmm register, so vector
/// loads and stores of 16 floats never split a cache line.
constexpr int64_t kBufferAlignment = 64;

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

/// Size in bytes of a static buffer, or nullopt when it overflows int64.
std::optional<int64_t> staticBytes(MemRefType type, const DataLayout &layout) {
  std::optional<int64_t> bytes =
      static_cast<int64_t>(layout.getTypeSize(type.getElementType()));
  for (int64_t size : type.getShape())
    if (bytes)
      bytes = llvm::checkedMul(*bytes, size);
  return bytes;
}

/// Replaces `alloc` by `replacement` and erases its deallocs.
void replaceAlloc(memref::AllocOp alloc, Value replacement) {
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
    if (isa<memref::DeallocOp>(user))
      user->erase();
  alloc.replaceAllUsesWith(replacement);
  alloc.erase();
}

/// An alloca with the same sizes as `alloc`, at the start of the entry block
/// for a static buffer (out of every loop), else where `alloc` was.
void replaceByAlloca(memref::AllocOp alloc, func::FuncOp func) {
  OpBuilder builder(alloc);
  if (alloc.getType().hasStaticShape())
    builder.setInsertionPointToStart(&func.getBody().front());
  int64_t alignment =
      std::max<int64_t>(alloc.getAlignment().value_or(0), kBufferAlignment);
  auto alloca = builder.create<memref::AllocaOp>(
      alloc.getLoc(), alloc.getType(), alloc.getDynamicSizes(), alloc.getSymbolOperands(),
      builder.getI64IntegerAttr(alignment));
  replaceAlloc(alloc, alloca.getResult());
}

struct PromoteAllocsToStackPass
    : mlir::attnc::impl::PromoteAllocsToStackPassBase<PromoteAllocsToStackPass> {
  using PromoteAllocsToStackPassBase::PromoteAllocsToStackPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (func::FuncOp func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      bool stackOnly = llvm::is_contained(functions, func.getSymName().str());
      if (failed(privatize(func, stackOnly)))
        return signalPassFailure();
      if (stackOnly ? failed(placeStackOnly(func, symbols)) : failed(promoteSmall(func)))
        return signalPassFailure();
    }
  }

  /// Buffers inside a loop marked to run on all cores must stay private to
  /// its iteration (hoisted to the entry block, one buffer would be shared by
  /// the threads): a small static one becomes an alloca at the start of the
  /// marked loop's body (convert-scf-to-openmp puts that body in a
  /// memref.alloca_scope, so the stack is given back every iteration); the
  /// others stay heap allocations of their iteration, which a stack-only
  /// function may not have.
  LogicalResult privatize(func::FuncOp func, bool stackOnly) {
    SmallVector<std::pair<memref::AllocOp, scf::ForOp>> allocs;
    func.walk([&](memref::AllocOp alloc) {
      if (scf::ForOp loop = mlir::attnc::enclosingParallelLoop(alloc))
        allocs.emplace_back(alloc, loop);
    });
    DataLayout layout = DataLayout::closest(func);
    for (auto [alloc, loop] : allocs) {
      MemRefType type = alloc.getType();
      std::optional<int64_t> bytes =
          type.hasStaticShape() ? staticBytes(type, layout) : std::nullopt;
      if (bytes && *bytes <= maxAllocaBytes && !escapesRegion(alloc)) {
        OpBuilder builder = OpBuilder::atBlockBegin(loop.getBody());
        int64_t alignment =
            std::max<int64_t>(alloc.getAlignment().value_or(0), kBufferAlignment);
        auto alloca = builder.create<memref::AllocaOp>(alloc.getLoc(), type,
                                                       builder.getI64IntegerAttr(alignment));
        replaceAlloc(alloc, alloca.getResult());
      } else if (stackOnly) {
        return alloc.emitError("buffer of type ")
               << type << " in a parallel loop of '" << func.getSymName()
               << "' can be neither a private alloca nor shared static storage";
      }
    }
    return success();
  }

  /// Every temporary of a function that must not allocate: small ones on the
  /// stack within the budget, the rest in static storage.
  LogicalResult placeStackOnly(func::FuncOp func, SymbolTable &symbols) {
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    DataLayout layout = DataLayout::closest(func);

    // Static buffers with their sizes, in program order.
    SmallVector<std::pair<memref::AllocOp, int64_t>> buffers;
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      bool inLoop = isInsideLoop(alloc);
      if (!type.hasStaticShape()) {
        if (inLoop)
          return alloc.emitError("dynamic-size buffer inside a loop in '")
                 << func.getSymName()
                 << "', which must not allocate on the heap or grow the stack";
        return alloc.emitError("dynamic-size buffer in '")
               << func.getSymName() << "', whose stack use must not depend on its input";
      }
      if (inLoop && escapesRegion(alloc))
        return alloc.emitError("loop-local buffer escapes its loop in '")
               << func.getSymName() << "'; it cannot be hoisted out of the loop";
      std::optional<int64_t> bytes = staticBytes(type, layout);
      if (!bytes)
        return alloc.emitError("buffer of type ") << type << " is larger than int64 bytes";
      buffers.emplace_back(alloc, *bytes);
    }

    // Smallest first onto the stack: they are the accumulators and rows that
    // LLVM keeps in registers once they are allocas; what does not fit the
    // budget goes to static storage.
    llvm::stable_sort(buffers, [](const auto &a, const auto &b) { return a.second < b.second; });
    int64_t stackBytes = 0;
    unsigned globals = 0;
    for (auto [alloc, bytes] : buffers) {
      if (bytes <= maxAllocaBytes && stackBytes + bytes <= stackBudgetBytes) {
        stackBytes += bytes;
        replaceByAlloca(alloc, func);
        continue;
      }
      OpBuilder builder(&getContext());
      int64_t alignment =
          std::max<int64_t>(alloc.getAlignment().value_or(0), kBufferAlignment);
      auto global = builder.create<memref::GlobalOp>(
          alloc.getLoc(), (func.getSymName() + "_scratch" + Twine(globals++)).str(),
          builder.getStringAttr("private"), alloc.getType(),
          /*initial_value=*/builder.getUnitAttr(), /*constant=*/false,
          builder.getI64IntegerAttr(alignment));
      symbols.insert(global, func->getIterator()); // renamed on a collision
      builder.setInsertionPointToStart(&func.getBody().front());
      auto get = builder.create<memref::GetGlobalOp>(alloc.getLoc(), alloc.getType(),
                                                     global.getSymName());
      replaceAlloc(alloc, get.getResult());
    }
    return success();
  }

  /// Other functions: small static buffers outside loops become allocas,
  /// smallest first within the same stack budget (so that a model with many
  /// layers does not pile up small allocas); the rest stay heap allocations.
  LogicalResult promoteSmall(func::FuncOp func) {
    SmallVector<std::pair<memref::AllocOp, int64_t>> buffers;
    DataLayout layout = DataLayout::closest(func);
    func.walk([&](memref::AllocOp alloc) {
      if (!alloc.getType().hasStaticShape() || isInsideLoop(alloc))
        return;
      std::optional<int64_t> bytes = staticBytes(alloc.getType(), layout);
      if (bytes && *bytes <= maxBytes)
        buffers.emplace_back(alloc, *bytes);
    });
    llvm::stable_sort(buffers, [](const auto &a, const auto &b) { return a.second < b.second; });
    int64_t stackBytes = 0;
    for (auto [alloc, bytes] : buffers) {
      if (stackBytes + bytes > stackBudgetBytes)
        break;
      stackBytes += bytes;
      replaceByAlloca(alloc, func);
    }
    return success();
  }
};

} // namespace
