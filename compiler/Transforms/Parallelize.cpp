//===- Parallelize.cpp - Marked scf.for loops to scf.parallel -------------===//
//
// attn-parallelize: the loops the schedules chose to run on all cores (the
// output-block loops of the linear layers, attn-tile-and-vectorize; the head
// loop of a prompt's attention, attn-tile-queries) become scf.parallel,
// once the code is on memrefs and the loops carry no tensors. The choice of
// what runs in parallel stays with the schedules, next to the tile sizes; this
// pass only checks that a marked loop is safe and rewrites it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_PARALLELIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

struct ParallelizePass : mlir::attnc::impl::ParallelizePassBase<ParallelizePass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> marked;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr(mlir::attnc::kParallelLoopAttr))
        marked.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : marked) {
      if (loop.getNumRegionIterArgs() != 0) {
        loop.emitOpError("marked ") << mlir::attnc::kParallelLoopAttr
                                    << " still carries values: its iterations are not independent";
        return signalPassFailure();
      }
      // Buffers allocated in the body are private to an iteration: heap
      // allocations are, and convert-scf-to-openmp wraps the body in a
      // memref.alloca_scope. What must not happen, a buffer of the body
      // hoisted out and shared by the threads, attn-promote-allocs-to-stack
      // avoids for marked loops.
      rewriter.setInsertionPoint(loop);
      auto parallel = rewriter.create<scf::ParallelOp>(
          loop.getLoc(), ValueRange{loop.getLowerBound()}, ValueRange{loop.getUpperBound()},
          ValueRange{loop.getStep()});
      Block *body = parallel.getBody();
      // The new body holds just its scf.reduce terminator: move the loop's
      // operations (but not its scf.yield) in front of it.
      rewriter.eraseOp(loop.getBody()->getTerminator());
      rewriter.inlineBlockBefore(loop.getBody(), body->getTerminator(),
                                 {parallel.getInductionVars()[0]});
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
