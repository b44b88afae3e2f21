//===- Passes.h - attnc passes on linalg, vector and memref -----*- C++ -*-===//
//
// Declarations of the passes in Passes.td (createXPass, the option structs)
// and the pattern sets they are made of, so that pipelines and other passes
// can reuse the patterns without running the passes.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TRANSFORMS_PASSES_H
#define ATTNC_TRANSFORMS_PASSES_H

#include "dialects/attn/IR/AttnDialect.h"
#include "dialects/attn/IR/ParallelLoop.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::attnc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

/// The mark of a loop to run on all cores (see the attn dialect's).
using mlir::attn::kParallelLoopAttr;

/// The innermost scf.for around `op` marked to run on all cores, if any
/// (within its function).
inline scf::ForOp enclosingParallelLoop(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent && !isa<func::FuncOp>(parent);
       parent = parent->getParentOp())
    if (auto loop = dyn_cast<scf::ForOp>(parent))
      if (loop->hasAttr(kParallelLoopAttr))
        return loop;
  return {};
}

/// A vector.contract that sums products (kind add) and is not under a
/// vector.mask: the only form the contraction rewrites of
/// attn-tile-and-vectorize and attn-lower-vector-ops take.
inline bool isUnmaskedSum(vector::ContractionOp op) {
  return op.getKind() == vector::CombiningKind::ADD && !op->getParentOfType<vector::MaskOp>();
}

/// Tile sizes attn-tile-and-vectorize uses for `op` (0 = not tiled). Public
/// so that tests and benchmarks can reason about the chosen schedule.
SmallVector<int64_t> chooseTileSizes(linalg::LinalgOp op, int64_t maxWholeDim,
                                     int64_t maxTile, int64_t tokenBlock = 1);

/// Cleanups applied right after vectorization: transfer permutation maps to
/// minor identities, multi-reductions of products to vector.contract (with
/// broadcasts and transposes folded in), tensor subsets folded into
/// transfers. attn-tile-and-vectorize casts leading unit dims away after
/// these have reached a fixpoint.
void populateVectorCleanupPatterns(RewritePatternSet &patterns);

/// Lowering of vector.contract (outer-product strategy), multi_reduction,
/// transpose, shape_cast, broadcast, masks and transfers towards the forms
/// convert-vector-to-llvm takes, plus polynomial approximations of math ops;
/// attn.dot_i8 as `vpdpbusd` with `int8DotProduct`, else widening ops.
void populateLowerVectorOpsPatterns(RewritePatternSet &patterns, bool int8DotProduct = false);

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace mlir::attnc

#endif // ATTNC_TRANSFORMS_PASSES_H
