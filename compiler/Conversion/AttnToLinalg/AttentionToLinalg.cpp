//===- AttentionToLinalg.cpp - decomposed attention to linalg -------------===//
//
// The attention half of convert-attn-to-linalg: scores, mask, softmax and
// weighted_sum (what attn-decompose-attention leaves). Grouped-query heads are
// handled by expanding the query (or probability) heads into (kv_heads, group)
// so that every indexing map stays a projected permutation, which
// linalg::vectorize needs (a `h floordiv G` map would not vectorize). The mask
// and the softmax steps write in place into the scores, so the scores are the
// only (heads, T, keys) tensor allocated, and that one at the static cache
// context when the key count is dynamic.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/AttnToLinalg/Utils.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

/// Splits dimension `dim` of `source` (of size heads) into (kv_heads, group).
Value splitHeads(OpBuilder &b, Location loc, Value source, int64_t dim, int64_t kvHeads,
                 int64_t group) {
  auto type = cast<RankedTensorType>(source.getType());
  // Give the heads dim its static size first: expand_shape cannot split a
  // dynamic dim into static ones.
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = kvHeads * group;
  source = castTo(b, loc, source, type.clone(shape));

  SmallVector<OpFoldResult> outputShape;
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    int64_t first = static_cast<int64_t>(outputShape.size());
    if (i == dim) {
      outputShape.append({b.getIndexAttr(kvHeads), b.getIndexAttr(group)});
      reassociation.push_back({first, first + 1});
    } else {
      outputShape.push_back(tensor::getMixedSize(b, loc, source, i));
      reassociation.push_back({first});
    }
  }
  SmallVector<int64_t> expandedShape;
  for (OpFoldResult size : outputShape)
    expandedShape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return b.create<tensor::ExpandShapeOp>(loc, type.clone(expandedShape), source, reassociation,
                                         outputShape);
}

/// scores: q (T, H, HD) expanded to (T, KVH, G, HD); one generic over
/// (kvh, g, i, j, d), d the reduction, `s[kvh, g, i, j] += q[i, kvh, g, d] *
/// k[kvh, j, d]`; then the scale, once, as an in-place elementwise step (after
/// the dot product, as llama2.c divides the finished score); then (H, T, N).
struct ScoresLowering : OpConversionPattern<ScoresOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScoresOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t heads = static_cast<int64_t>(op.getHeads());
    int64_t kvHeads = static_cast<int64_t>(op.getKvHeads());
    int64_t group = heads / kvHeads;
    Value q = splitHeads(rewriter, loc, adaptor.getQuery(), 1, kvHeads, group);
    Value k = adaptor.getKey();

    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(kvHeads), rewriter.getIndexAttr(group),
                                       tensor::getMixedSize(rewriter, loc, q, 0),
                                       tensor::getMixedSize(rewriter, loc, k, 1)};
    SmallVector<std::optional<int64_t>> bounds = {std::nullopt, std::nullopt, std::nullopt,
                                                  getStaticDimBound(op.getKey(), 1)};
    Value init =
        fill(rewriter, loc, 0.0f, createEmpty(rewriter, loc, sizes, bounds, rewriter.getF32Type()));

    AffineExpr kvh, g, i, j, d;
    bindDims(ctx, kvh, g, i, j, d);
    SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {i, kvh, g, d}, ctx),
                                   AffineMap::get(5, 0, {kvh, j, d}, ctx),
                                   AffineMap::get(5, 0, {kvh, g, i, j}, ctx)};
    Value dots = sumOfProducts(rewriter, loc, q, k, init, maps);

    Value scale = rewriter.create<arith::ConstantOp>(loc, op.getScaleAttr());
    Value scaled = rewriter
                       .create<linalg::GenericOp>(
                           // The dot products are read as an input: a generic that
                           // only rewrites its outs in place is dropped by MLIR 19's
                           // canonicalizer, which silently lost the scale.
                           loc, dots.getType(), ValueRange{dots}, ValueRange{dots},
                           SmallVector<AffineMap>(2, AffineMap::getMultiDimIdentityMap(4, ctx)),
                           parallelIterators(4),
                           [&](OpBuilder &b, Location loc, ValueRange args) {
                             b.create<linalg::YieldOp>(
                                 loc, ValueRange{b.create<arith::MulFOp>(loc, args[0], scale)});
                           })
                       .getResult(0);
    Value collapsed = rewriter.create<tensor::CollapseShapeOp>(
        loc, scaled, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    rewriter.replaceOp(op, castTo(rewriter, loc, collapsed, op.getType()));
    return success();
  }
};

/// mask: in place on the scores (H, T, N). Query i is at `position + i`, key j
/// at j; a key is kept when `j <= position + i` (and, for a sliding window,
/// `j > position + i - window`); the others become -inf.
struct MaskLowering : OpConversionPattern<MaskOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MaskOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value scores = adaptor.getScores();
    if (op.getMask() == MaskKind::none) {
      rewriter.replaceOp(op, scores);
      return success();
    }
    Location loc = op.getLoc();
    Value pos = adaptor.getPosition();
    Value negInf = negInfConstant(rewriter, loc);
    Value window;
    if (op.getMask() == MaskKind::sliding_window)
      window = rewriter.create<arith::ConstantIndexOp>(loc, static_cast<int64_t>(op.getWindow()));
    auto masked = rewriter.create<linalg::GenericOp>(
        // Scores as input and destination (see the scale step in ScoresLowering).
        loc, scores.getType(), ValueRange{scores}, ValueRange{scores},
        SmallVector<AffineMap>(2, AffineMap::getMultiDimIdentityMap(3, rewriter.getContext())),
        parallelIterators(3),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value query = b.create<linalg::IndexOp>(loc, 1);
          Value key = b.create<linalg::IndexOp>(loc, 2);
          Value queryPos = b.create<arith::AddIOp>(loc, pos, query);
          Value visible = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, key, queryPos);
          if (window) {
            Value oldest = b.create<arith::SubIOp>(loc, queryPos, window);
            Value inWindow = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, key, oldest);
            visible = b.create<arith::AndIOp>(loc, visible, inWindow);
          }
          b.create<linalg::YieldOp>(
              loc, ValueRange{b.create<arith::SelectOp>(loc, visible, args[0], negInf)});
        });
    rewriter.replaceOp(op, masked.getResult(0));
    return success();
  }
};

/// softmax along `axis`: max (from -inf), `exp(x - m)` with a fully masked
/// slice's m = -inf replaced by 0 (so it gives exp(-inf) = 0, not NaN), sum,
/// `e / sum` (0 where the sum is 0). exp and the division write in place into
/// the input, the sum reuses the max's buffer: the reduced tensor is the only
/// temporary.
struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    unsigned rank = type.getRank();
    unsigned axis = static_cast<unsigned>(op.getAxis());

    SmallVector<OpFoldResult> reducedSizes;
    SmallVector<std::optional<int64_t>> bounds;
    SmallVector<AffineExpr> reducedExprs;
    for (unsigned dim = 0; dim < rank; ++dim) {
      if (dim == axis)
        continue;
      reducedSizes.push_back(tensor::getMixedSize(rewriter, loc, input, dim));
      bounds.push_back(getStaticDimBound(op.getInput(), dim));
      reducedExprs.push_back(getAffineDimExpr(dim, ctx));
    }
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap reducedMap = AffineMap::get(rank, 0, reducedExprs, ctx);
    SmallVector<utils::IteratorType> reduceIterators = parallelIterators(rank);
    reduceIterators[axis] = utils::IteratorType::reduction;

    // Reduces `source` along the axis into `init` with `combine`.
    auto reduce = [&](Value source, Value init,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
      return rewriter
          .create<linalg::GenericOp>(loc, init.getType(), ValueRange{source}, ValueRange{init},
                                     ArrayRef<AffineMap>{idMap, reducedMap}, reduceIterators,
                                     [&](OpBuilder &b, Location loc, ValueRange args) {
                                       b.create<linalg::YieldOp>(
                                           loc, ValueRange{combine(b, loc, args[0], args[1])});
                                     })
          .getResult(0);
    };
    // Updates `target` in place from the reduced `reduced` with `update`.
    auto update = [&](Value reduced, Value target,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
      return rewriter
          .create<linalg::GenericOp>(
              loc, target.getType(), ValueRange{reduced}, ValueRange{target},
              ArrayRef<AffineMap>{reducedMap, idMap}, parallelIterators(rank),
              [&](OpBuilder &b, Location loc, ValueRange args) {
                b.create<linalg::YieldOp>(loc, ValueRange{body(b, loc, args[0], args[1])});
              })
          .getResult(0);
    };

    Value negInf = negInfConstant(rewriter, loc);
    Value zero = f32Constant(rewriter, loc, 0.0f);
    Value reducedEmpty = createEmpty(rewriter, loc, reducedSizes, bounds, rewriter.getF32Type());
    Value max = reduce(input, fill(rewriter, loc, negInf, reducedEmpty),
                       [](OpBuilder &b, Location loc, Value x, Value acc) -> Value {
                         return b.create<arith::MaximumFOp>(loc, x, acc);
                       });
    Value exps = update(max, input, [&](OpBuilder &b, Location loc, Value m, Value x) -> Value {
      Value allMasked = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, m, negInf);
      Value safeMax = b.create<arith::SelectOp>(loc, allMasked, zero, m);
      return b.create<math::ExpOp>(loc, b.create<arith::SubFOp>(loc, x, safeMax));
    });
    Value sum = reduce(exps, fill(rewriter, loc, zero, max),
                       [](OpBuilder &b, Location loc, Value e, Value acc) -> Value {
                         return b.create<arith::AddFOp>(loc, e, acc);
                       });
    Value probs = update(sum, exps, [&](OpBuilder &b, Location loc, Value s, Value e) -> Value {
      Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, s, zero);
      return b.create<arith::SelectOp>(loc, empty, zero, b.create<arith::DivFOp>(loc, e, s));
    });
    rewriter.replaceOp(op, probs);
    return success();
  }
};

/// weighted_sum: probs (H, T, N) expanded to (KVH, G, T, N); one generic over
/// (i, kvh, g, d, n), n the reduction, `o[i, kvh, g, d] += p[kvh, g, i, n] *
/// v[kvh, n, d]` on a zero-filled (T, KVH, G, HD); then (T, H, HD).
struct WeightedSumLowering : OpConversionPattern<WeightedSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(WeightedSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t kvHeads = static_cast<int64_t>(op.getKvHeads());
    int64_t group = static_cast<int64_t>(op.getHeads()) / kvHeads;
    Value p = splitHeads(rewriter, loc, adaptor.getProbs(), 0, kvHeads, group);
    Value v = adaptor.getValue();

    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, p, 2),
                                       rewriter.getIndexAttr(kvHeads), rewriter.getIndexAttr(group),
                                       tensor::getMixedSize(rewriter, loc, v, 2)};
    Value init =
        fill(rewriter, loc, 0.0f, createEmpty(rewriter, loc, sizes, rewriter.getF32Type()));

    AffineExpr i, kvh, g, d, n;
    bindDims(ctx, i, kvh, g, d, n);
    SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {kvh, g, i, n}, ctx),
                                   AffineMap::get(5, 0, {kvh, n, d}, ctx),
                                   AffineMap::get(5, 0, {i, kvh, g, d}, ctx)};
    Value sum = sumOfProducts(rewriter, loc, p, v, init, maps);
    Value collapsed = rewriter.create<tensor::CollapseShapeOp>(
        loc, sum, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
    rewriter.replaceOp(op, castTo(rewriter, loc, collapsed, op.getType()));
    return success();
  }
};

} // namespace

void mlir::attn::detail::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScoresLowering, MaskLowering, SoftmaxLowering, WeightedSumLowering>(
      patterns.getContext());
}
