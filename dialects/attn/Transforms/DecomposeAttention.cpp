//===- DecomposeAttention.cpp - attn.attention into its four steps --------===//
//
// Rewrites `attn.attention` into `attn.scores` -> `attn.mask` ->
// `attn.softmax` -> `attn.weighted_sum`, so each step of attention can be
// lowered, inspected and tested on its own. Scores are laid out (heads,
// queries, keys): the softmax runs over axis 2, the keys. The scale is carried
// by `attn.scores` alone, so it is applied exactly once.
//
//===----------------------------------------------------------------------===//
#include "dialects/attn/IR/AttnOps.h"
#include "dialects/attn/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_DECOMPOSEATTENTIONPASS
#include "dialects/attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The key axis of a (heads, queries, keys) score tensor.
constexpr int64_t kKeyAxis = 2;

struct DecomposeAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, decomposeAttention(rewriter, op).result);
    return success();
  }
};

} // namespace

DecomposedAttention mlir::attn::decomposeAttention(OpBuilder &b, AttentionOp op) {
  Location loc = op.getLoc();
  auto query = op.getQuery().getType();
  auto key = op.getKey().getType();
  auto scoresType = RankedTensorType::get(
      {static_cast<int64_t>(op.getHeads()), query.getDimSize(0), key.getDimSize(1)},
      query.getElementType());

  Value scores = b.create<ScoresOp>(loc, scoresType, op.getQuery(), op.getKey(),
                                    op.getHeadsAttr(), op.getKvHeadsAttr(), op.getScaleAttr());
  if (op.getMask() != MaskKind::none)
    scores = b.create<MaskOp>(loc, scoresType, scores, op.getPosition(), op.getMaskAttr(),
                              op.getWindowAttr());
  Value probs = b.create<SoftmaxOp>(loc, scoresType, scores, b.getI64IntegerAttr(kKeyAxis));
  Value result = b.create<WeightedSumOp>(loc, op.getType(), probs, op.getValue(),
                                         op.getHeadsAttr(), op.getKvHeadsAttr());
  return {probs, result};
}

namespace {

struct DecomposeAttentionPass
    : attn::impl::DecomposeAttentionPassBase<DecomposeAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeAttention>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
