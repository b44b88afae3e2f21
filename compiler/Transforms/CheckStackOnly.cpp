//===- CheckStackOnly.cpp - No heap, no stack growth in named functions ---===//
//
// attn-check-stack-only: the last line of defence for the promise that
// attn_decode allocates nothing and uses a bounded stack whatever the
// context length. It runs on the LLVM dialect, after every lowering that
// might introduce an allocation (bufferization copies, clones from the
// deallocation pipeline, memref.alloc lowering), and fails the compilation
// if a named function, its C-interface wrapper, or any function of the
// module they call calls a heap allocator, executes an alloca inside a CFG
// cycle or of a non-constant size, or if their allocas add up to more than
// the stack budget.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_CHECKSTACKONLYPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

bool isHeapAllocator(StringRef name) {
  return llvm::is_contained({"malloc", "calloc", "realloc", "aligned_alloc",
                             "posix_memalign", "_mlir_memref_to_llvm_alloc",
                             "_mlir_memref_to_llvm_aligned_alloc"},
                            name);
}

/// True when `block` can reach itself through its successors.
bool isInCycle(Block *block) {
  SmallVector<Block *> worklist(block->getSuccessors().begin(),
                                block->getSuccessors().end());
  llvm::SmallPtrSet<Block *, 32> seen;
  while (!worklist.empty()) {
    Block *b = worklist.pop_back_val();
    if (b == block)
      return true;
    if (!seen.insert(b).second)
      continue;
    worklist.append(b->getSuccessors().begin(), b->getSuccessors().end());
  }
  return false;
}

struct CheckStackOnlyPass
    : mlir::attnc::impl::CheckStackOnlyPassBase<CheckStackOnlyPass> {
  using CheckStackOnlyPassBase::CheckStackOnlyPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);

    // The named functions, their wrappers, and every module function they
    // reach through direct calls.
    llvm::SetVector<LLVM::LLVMFuncOp> worklist;
    for (const std::string &name : functions)
      for (std::string sym : {name, "_mlir_ciface_" + name})
        if (auto f = symbols.lookup<LLVM::LLVMFuncOp>(sym))
          worklist.insert(f);

    bool failedCheck = false;
    // Allocas of every function reached, summed: an upper bound of what one
    // call executes, since none of them runs in a loop.
    int64_t stackBytes = 0;
    Operation *largestAlloca = nullptr;
    int64_t largestBytes = 0;
    DataLayout layout(module);
    for (size_t i = 0; i < worklist.size(); ++i) {
      LLVM::LLVMFuncOp func = worklist[i];
      func.walk([&](Operation *op) {
        if (auto call = dyn_cast<LLVM::CallOp>(op)) {
          std::optional<StringRef> callee = call.getCallee();
          if (!callee)
            return;
          if (isHeapAllocator(*callee)) {
            call.emitError("'") << func.getSymName() << "' must not allocate on "
                                << "the heap, but calls " << *callee;
            failedCheck = true;
          } else if (auto f = symbols.lookup<LLVM::LLVMFuncOp>(*callee)) {
            if (!f.isExternal())
              worklist.insert(f);
          }
        } else if (auto alloca = dyn_cast<LLVM::AllocaOp>(op)) {
          if (isInCycle(alloca->getBlock())) {
            alloca.emitError("'") << func.getSymName()
                                  << "' must not grow the stack in a loop, but "
                                     "has an alloca inside one";
            failedCheck = true;
            return;
          }
          llvm::APInt count;
          if (!matchPattern(alloca.getArraySize(), m_ConstantInt(&count))) {
            alloca.emitError("'") << func.getSymName()
                                  << "' must not put a buffer of run-time size on the stack";
            failedCheck = true;
            return;
          }
          std::optional<int64_t> bytes = llvm::checkedMul(
              count.getSExtValue(), static_cast<int64_t>(layout.getTypeSize(alloca.getElemType())));
          std::optional<int64_t> total = bytes ? llvm::checkedAdd(stackBytes, *bytes) : bytes;
          stackBytes = total ? *total : std::numeric_limits<int64_t>::max();
          if (!bytes || *bytes > largestBytes) {
            largestBytes = bytes ? *bytes : std::numeric_limits<int64_t>::max();
            largestAlloca = alloca;
          }
        }
      });
    }
    if (!failedCheck && stackBytes > maxStackBytes) {
      largestAlloca->emitError("allocas of ")
          << llvm::join(functions, ", ") << " take " << stackBytes
          << " bytes of stack, more than the budget of " << int64_t(maxStackBytes)
          << " (the largest, this one, takes " << largestBytes << ")";
      failedCheck = true;
    }
    if (failedCheck)
      signalPassFailure();
  }
};

} // namespace
