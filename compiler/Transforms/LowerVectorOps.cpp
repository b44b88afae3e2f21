//===- LowerVectorOps.cpp - Vector ops to what vector-to-llvm takes -------===//
//
// attn-lower-vector-ops: lowers the high-level vector ops that vectorization
// produces (vector.contract, multi_reduction, transpose, shape_cast, masks,
// n-D transfers) to 1-D vector arithmetic, with the strategies that give good
// x86 code: contractions as outer products (broadcast + FMA per reduction
// step, no horizontal shuffles) except pure dot products, which become one
// multiply and a tree reduction; multi-reductions with the parallel dim
// innermost. Math ops get polynomial approximations so that exp (softmax,
// SiLU) stays in vector registers instead of calling expf per lane.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_LOWERVECTOROPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// A contraction whose iteration space has a single non-unit dim, a
/// reduction (q . k for one key, a row's sum of squares), becomes an
/// elementwise product and a vector.reduction: a tree of shuffles and adds
/// instead of the chain of scalar FMAs the outer-product lowering would
/// produce for it.
struct ContractionToReduction : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getKind() != vector::CombiningKind::ADD ||
        op->getParentOfType<vector::MaskOp>())
      return failure();
    SmallVector<int64_t> bounds;
    op.getIterationBounds(bounds);
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    int64_t size = 1, nonUnit = 0;
    for (auto [bound, iterator] : llvm::zip(bounds, iterators)) {
      if (bound == 1)
        continue;
      if (iterator != vector::IteratorType::reduction)
        return failure();
      size = bound;
      ++nonUnit;
    }
    VectorType lhsType = op.getLhsType(), rhsType = op.getRhsType();
    Type elementType = lhsType.getElementType();
    if (nonUnit != 1 || !isa<FloatType>(elementType) ||
        rhsType.getElementType() != elementType ||
        lhsType.getNumElements() != size || rhsType.getNumElements() != size)
      return failure();
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (accType && accType.getNumElements() != 1)
      return failure();

    Location loc = op.getLoc();
    auto flatType = VectorType::get({size}, elementType);
    auto flatten = [&](Value v) -> Value {
      if (v.getType() == flatType)
        return v;
      return rewriter.create<vector::ShapeCastOp>(loc, flatType, v);
    };
    Value product =
        rewriter.create<arith::MulFOp>(loc, flatten(op.getLhs()), flatten(op.getRhs()));
    Value acc = op.getAcc();
    if (accType) {
      auto oneType = VectorType::get({1}, elementType);
      if (accType != oneType)
        acc = rewriter.create<vector::ShapeCastOp>(loc, oneType, acc);
      acc = rewriter.create<vector::ExtractOp>(loc, acc, ArrayRef<int64_t>{0});
    }
    Value sum = rewriter.create<vector::ReductionOp>(
        loc, vector::CombiningKind::ADD, product, acc);
    if (accType)
      sum = rewriter.create<vector::BroadcastOp>(loc, accType, sum);
    rewriter.replaceOp(op, sum);
    return success();
  }
};

struct LowerVectorOpsPass
    : mlir::attnc::impl::LowerVectorOpsPassBase<LowerVectorOpsPass> {
  using LowerVectorOpsPassBase::LowerVectorOpsPassBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    mlir::attnc::populateLowerVectorOpsPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attnc::populateLowerVectorOpsPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  vector::VectorTransformsOptions options;
  options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct)
      .setVectorMultiReductionLowering(
          vector::VectorMultiReductionLowering::InnerParallel)
      .setVectorTransposeLowering(vector::VectorTransposeLowering::EltWise);

  vector::populateVectorToVectorCanonicalizationPatterns(patterns);
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  patterns.add<ContractionToReduction>(ctx, /*benefit=*/2);
  vector::populateVectorContractLoweringPatterns(patterns, options);
  vector::populateVectorOuterProductLoweringPatterns(patterns);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, options.vectorMultiReductionLowering);
  vector::populateVectorTransposeLoweringPatterns(patterns, options);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
  vector::populateVectorBroadcastLoweringPatterns(patterns);
  vector::populateVectorMaskOpLoweringPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorTransferLoweringPatterns(patterns,
                                                 /*maxTransferRank=*/1);
  // Gathers (the packed embedding table, rope's pair swap) as scalar loads:
  // n-D gathers with a leading unit dim otherwise make this pattern set
  // loop without end (measured on stories260K prefill).
  vector::populateVectorGatherLoweringPatterns(patterns);
  populateMathPolynomialApproximationPatterns(patterns);
  // Folds of the extract/insert chains the unrolling above leaves behind.
  vector::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
  vector::InsertOp::getCanonicalizationPatterns(patterns, ctx);
  vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
  vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
}
