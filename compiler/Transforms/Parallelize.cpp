//===- Parallelize.cpp - Marked scf.for loops to scf.parallel -------------===//
//
// attn-parallelize: the loops the schedules chose to run on all cores (the
// output-block loops of the linear layers, attn-tile-and-vectorize; the head
// loop of a prompt's attention, attn-tile-queries) become scf.parallel (two
// perfectly nested ones, a linear's output tiles and token halves, one 2-D
// scf.parallel), once the code is on memrefs and the loops carry no
// tensors. The choice of what runs in parallel stays with the schedules,
// next to the tile sizes; this pass only checks that a marked loop is safe
// and rewrites it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_PARALLELIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// The marked loop directly inside `loop`, when it is the only op of
/// `loop`'s body besides ops without memory effects that only compute its
/// operands or its body's values (subviews, index arithmetic), and its
/// bounds do not depend on `loop`: the two can run as one 2-D parallel loop
/// (a linear layer's output tiles x token halves, blockTokens).
scf::ForOp nestedMarkedLoop(scf::ForOp loop) {
  scf::ForOp inner;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto candidate = dyn_cast<scf::ForOp>(op);
        candidate && candidate->hasAttr(mlir::attnc::kParallelLoopAttr)) {
      if (inner)
        return nullptr;
      inner = candidate;
      continue;
    }
    if (!isMemoryEffectFree(&op) || op.getNumRegions() != 0)
      return nullptr;
  }
  if (!inner || inner.getNumRegionIterArgs() != 0)
    return nullptr;
  for (Value bound : {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
    if (!bound.getParentRegion()->isProperAncestor(&loop.getRegion()))
      return nullptr;
  return inner;
}

struct ParallelizePass : mlir::attnc::impl::ParallelizePassBase<ParallelizePass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> marked;
    // Outermost first: a marked loop directly inside another is merged into
    // it and no longer visited.
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (loop->hasAttr(mlir::attnc::kParallelLoopAttr))
        marked.push_back(loop);
    });
    llvm::SmallPtrSet<Operation *, 8> merged;
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : marked) {
      if (merged.contains(loop))
        continue;
      if (loop.getNumRegionIterArgs() != 0) {
        loop.emitOpError("marked ") << mlir::attnc::kParallelLoopAttr
                                    << " still carries values: its iterations are not independent";
        return signalPassFailure();
      }
      // Carries no values either (nestedMarkedLoop checks).
      scf::ForOp inner = nestedMarkedLoop(loop);
      // Buffers allocated in the body are private to an iteration: heap
      // allocations are, and convert-scf-to-openmp wraps the body in a
      // memref.alloca_scope. What must not happen, a buffer of the body
      // hoisted out and shared by the threads, attn-promote-allocs-to-stack
      // avoids for marked loops.
      rewriter.setInsertionPoint(loop);
      SmallVector<Value> lower = {loop.getLowerBound()}, upper = {loop.getUpperBound()},
                        steps = {loop.getStep()};
      if (inner) {
        lower.push_back(inner.getLowerBound());
        upper.push_back(inner.getUpperBound());
        steps.push_back(inner.getStep());
        merged.insert(inner);
      }
      auto parallel = rewriter.create<scf::ParallelOp>(loop.getLoc(), lower, upper, steps);
      Block *body = parallel.getBody();
      Operation *end = body->getTerminator();
      // The new body holds just its scf.reduce terminator: move the loop's
      // operations (but not its scf.yield) in front of it, with the inner
      // loop's operations in the place of the inner loop.
      if (inner) {
        rewriter.eraseOp(inner.getBody()->getTerminator());
        rewriter.inlineBlockBefore(inner.getBody(), inner, {parallel.getInductionVars()[1]});
        rewriter.eraseOp(inner);
      }
      rewriter.eraseOp(loop.getBody()->getTerminator());
      rewriter.inlineBlockBefore(loop.getBody(), end, {parallel.getInductionVars()[0]});
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
