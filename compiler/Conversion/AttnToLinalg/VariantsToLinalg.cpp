//===- VariantsToLinalg.cpp - The other families' layer ops to linalg -----===//
//
// The part of convert-attn-to-linalg for the layers that GPT-2 and the
// original Transformer use instead of (or besides) the Llama ones: layer_norm,
// gelu (erf or tanh), relu, bias_add, learned and sinusoidal positions. Each
// is written as the formula of the PyTorch/NumPy reference, operation for
// operation in f32, so that the compiled model and the reference round alike:
// layer_norm subtracts the mean before squaring (two passes, as torch does,
// never E[x^2] - E[x]^2, which cancels catastrophically), and the sinusoidal
// frequency is computed like attn.rope's. The generics are elementwise or
// row reductions of the shapes rms_norm already lowers to, which
// attn-tile-and-vectorize tiles and vectorizes without special cases.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/AttnToLinalg/Utils.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

/// An elementwise generic over `x` (any rank) whose body is
/// `body(builder, loc, element, lane indices)`.
Value unaryElementwise(OpBuilder &rewriter, Location loc, Value x,
                       function_ref<Value(OpBuilder &, Location, Value)> body) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  Value init =
      createEmpty(rewriter, loc, tensor::getMixedSizes(rewriter, loc, x), rewriter.getF32Type());
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
  return rewriter
      .create<linalg::GenericOp>(loc, init.getType(), ValueRange{x}, ValueRange{init},
                                 ArrayRef<AffineMap>{id, id}, parallelIterators(rank),
                                 [&](OpBuilder &b, Location loc, ValueRange args) {
                                   b.create<linalg::YieldOp>(
                                       loc, ValueRange{body(b, loc, args[0])});
                                 })
      .getResult(0);
}

/// `init[t] + sum_d f(x[t, d], extra[t])` over a zero-filled (T): a row
/// reduction generic over (t, d) (`extra` may be null).
Value rowSum(OpBuilder &rewriter, Location loc, Value x, Value extra, OpFoldResult rows,
             function_ref<Value(OpBuilder &, Location, Value, Value)> term) {
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr t, d;
  bindDims(ctx, t, d);
  AffineMap rowMap = AffineMap::get(2, 0, {t}, ctx);
  AffineMap idMap = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value init = fill(rewriter, loc, 0.0f, createEmpty(rewriter, loc, {rows}, rewriter.getF32Type()));
  SmallVector<Value> inputs = {x};
  SmallVector<AffineMap> maps = {idMap};
  if (extra) {
    inputs.push_back(extra);
    maps.push_back(rowMap);
  }
  maps.push_back(rowMap);
  return rewriter
      .create<linalg::GenericOp>(
          loc, init.getType(), inputs, ValueRange{init}, maps,
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::reduction},
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value value = term(b, loc, args[0], extra ? args[1] : Value());
            b.create<linalg::YieldOp>(
                loc, ValueRange{b.create<arith::AddFOp>(loc, args.back(), value)});
          })
      .getResult(0);
}

/// layer_norm as torch.nn.LayerNorm: `mean = sum(x) / D`,
/// `var = sum((x - mean)^2) / D` (biased), then
/// `o = (x - mean) * (1 / sqrt(var + eps)) * w + b` elementwise. The per-row
/// quantities are recomputed from the row sums in each body (loop-invariant
/// in d, hoisted after tiling), as rms_norm does.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), weight = adaptor.getWeight(), bias = adaptor.getBias();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Value width = sizeToF32(rewriter, loc, sizes[1]);
    Value eps = rewriter.create<arith::ConstantOp>(loc, op.getEpsilonAttr());
    Value one = f32Constant(rewriter, loc, 1.0f);

    Value sum = rowSum(rewriter, loc, x, Value(), sizes[0],
                       [](OpBuilder &, Location, Value xv, Value) { return xv; });
    Value centeredSquares =
        rowSum(rewriter, loc, x, sum, sizes[0],
               [&](OpBuilder &b, Location loc, Value xv, Value rowSum) -> Value {
                 Value mean = b.create<arith::DivFOp>(loc, rowSum, width);
                 Value centered = b.create<arith::SubFOp>(loc, xv, mean);
                 return b.create<arith::MulFOp>(loc, centered, centered);
               });

    AffineExpr t, d;
    bindDims(ctx, t, d);
    AffineMap rowMap = AffineMap::get(2, 0, {t}, ctx);
    AffineMap colMap = AffineMap::get(2, 0, {d}, ctx);
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(2, ctx);
    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    auto normalized = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x, sum, centeredSquares, weight, bias},
        ValueRange{init}, ArrayRef<AffineMap>{idMap, rowMap, rowMap, colMap, colMap, idMap},
        parallelIterators(2), [&](OpBuilder &b, Location loc, ValueRange args) {
          Value mean = b.create<arith::DivFOp>(loc, args[1], width);
          Value var = b.create<arith::DivFOp>(loc, args[2], width);
          Value inv = b.create<arith::DivFOp>(
              loc, one, b.create<math::SqrtOp>(loc, b.create<arith::AddFOp>(loc, var, eps)));
          Value centered = b.create<arith::SubFOp>(loc, args[0], mean);
          Value scaled = b.create<arith::MulFOp>(loc, centered, inv);
          Value weighted = b.create<arith::MulFOp>(loc, scaled, args[3]);
          b.create<linalg::YieldOp>(
              loc, ValueRange{b.create<arith::AddFOp>(loc, weighted, args[4])});
        });
    rewriter.replaceOp(op, normalized.getResult(0));
    return success();
  }
};

/// gelu, none: `0.5 x (1 + erf(x * (1 / sqrt 2)))`; tanh:
/// `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`. math.erf and
/// math.tanh become polynomial approximations in attn-lower-vector-ops.
struct GeluLowering : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value half = f32Constant(rewriter, loc, 0.5f);
    Value one = f32Constant(rewriter, loc, 1.0f);
    bool useTanh = op.getApproximation() == GeluApproximation::tanh;
    // sqrt(2 / pi) and 1 / sqrt(2), rounded once to float (M_PI is not C++17).
    const double pi = std::acos(-1.0);
    Value scale = f32Constant(rewriter, loc,
                              useTanh ? static_cast<float>(std::sqrt(2.0 / pi))
                                      : static_cast<float>(1.0 / std::sqrt(2.0)));
    Value cubic = useTanh ? f32Constant(rewriter, loc, 0.044715f) : Value();
    Value result = unaryElementwise(
        rewriter, loc, adaptor.getInput(), [&](OpBuilder &b, Location loc, Value x) -> Value {
          Value cdf;
          if (useTanh) {
            Value cube = b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, x, x), x);
            Value inner =
                b.create<arith::AddFOp>(loc, x, b.create<arith::MulFOp>(loc, cubic, cube));
            cdf = b.create<math::TanhOp>(loc, b.create<arith::MulFOp>(loc, scale, inner));
          } else {
            cdf = b.create<math::ErfOp>(loc, b.create<arith::MulFOp>(loc, x, scale));
          }
          Value halfX = b.create<arith::MulFOp>(loc, half, x);
          return b.create<arith::MulFOp>(loc, halfX, b.create<arith::AddFOp>(loc, one, cdf));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// relu: `maximumf(x, 0)`, which propagates NaN as torch.relu does.
struct ReluLowering : OpConversionPattern<ReluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ReluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value zero = f32Constant(rewriter, loc, 0.0f);
    rewriter.replaceOp(op, unaryElementwise(rewriter, loc, adaptor.getInput(),
                                            [&](OpBuilder &b, Location loc, Value x) -> Value {
                                              return b.create<arith::MaximumFOp>(loc, x, zero);
                                            }));
    return success();
  }
};

/// bias_add: `o[t, d] = x[t, d] + b[d]`.
struct BiasAddLowering : OpConversionPattern<BiasAddOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BiasAddOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    Value init =
        createEmpty(rewriter, loc, tensor::getMixedSizes(rewriter, loc, x), rewriter.getF32Type());
    AffineExpr t, d;
    bindDims(ctx, t, d);
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(2, ctx);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x, adaptor.getBias()}, ValueRange{init},
        ArrayRef<AffineMap>{idMap, AffineMap::get(2, 0, {d}, ctx), idMap}, parallelIterators(2),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          b.create<linalg::YieldOp>(loc,
                                    ValueRange{b.create<arith::AddFOp>(loc, args[0], args[1])});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// learned_positions: the rows [position, position + T) of the table as a
/// `tensor.extract_slice` (a view, no gather), added elementwise.
struct LearnedPositionsLowering : OpConversionPattern<LearnedPositionsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LearnedPositionsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), table = adaptor.getTable();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Value rows = rewriter.create<tensor::ExtractSliceOp>(
        loc, table, ArrayRef<OpFoldResult>{adaptor.getPosition(), rewriter.getIndexAttr(0)},
        sizes, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)});
    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x, rows}, ValueRange{init},
        SmallVector<AffineMap>(3, AffineMap::getMultiDimIdentityMap(2, rewriter.getContext())),
        parallelIterators(2), [&](OpBuilder &b, Location loc, ValueRange args) {
          b.create<linalg::YieldOp>(loc,
                                    ValueRange{b.create<arith::AddFOp>(loc, args[0], args[1])});
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), op.getType()));
    return success();
  }
};

/// sinusoidal_positions: for lane d of token t, with 2i = d - d % 2,
/// `freq = 1 / powf(base, 2i / (float)D)` (as attn.rope computes its
/// frequency), `val = (float)(pos + t) * freq`, and `x + sin(val)` on even
/// lanes, `x + cos(val)` on odd ones.
struct SinusoidalPositionsLowering : OpConversionPattern<SinusoidalPositionsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SinusoidalPositionsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), pos = adaptor.getPosition();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Value width = sizeToF32(rewriter, loc, sizes[1]);
    Value base = rewriter.create<arith::ConstantOp>(loc, op.getBaseAttr());
    Value one = f32Constant(rewriter, loc, 1.0f);
    Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value c2 = rewriter.create<arith::ConstantIndexOp>(loc, 2);

    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    AffineMap id = AffineMap::getMultiDimIdentityMap(2, rewriter.getContext());
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x}, ValueRange{init}, ArrayRef<AffineMap>{id, id},
        parallelIterators(2), [&](OpBuilder &b, Location loc, ValueRange args) {
          Value t = b.create<linalg::IndexOp>(loc, 0);
          Value d = b.create<linalg::IndexOp>(loc, 1);
          Value odd = b.create<arith::RemUIOp>(loc, d, c2);
          Value even = b.create<arith::SubIOp>(loc, d, odd);
          Value isEven = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, odd, c0);
          Value exponent = b.create<arith::DivFOp>(loc, indexToF32(b, loc, even), width);
          Value freq =
              b.create<arith::DivFOp>(loc, one, b.create<math::PowFOp>(loc, base, exponent));
          Value position = indexToF32(b, loc, b.create<arith::AddIOp>(loc, pos, t));
          Value val = b.create<arith::MulFOp>(loc, position, freq);
          Value sin = b.create<math::SinOp>(loc, val);
          Value cos = b.create<math::CosOp>(loc, val);
          Value pe = b.create<arith::SelectOp>(loc, isEven, sin, cos);
          b.create<linalg::YieldOp>(loc, ValueRange{b.create<arith::AddFOp>(loc, args[0], pe)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::attn::detail::populateVariantsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerNormLowering, GeluLowering, ReluLowering, BiasAddLowering,
               LearnedPositionsLowering, SinusoidalPositionsLowering>(patterns.getContext());
}
