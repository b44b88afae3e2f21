//===- LayersToLinalg.cpp - attn layer ops to linalg on tensors -----------===//
//
// The non-attention half of convert-attn-to-linalg: weights become slices of
// the flat blob, embedding a gather, rms_norm / rope / swiglu follow llama2.c's
// `run.c` operation for operation (so results can be compared with it), the
// packed linear layer is one generic whose loop order (nb, t, j, k) the
// tile-and-vectorize heuristics rely on, and the KV cache is read and written
// in place through memref subviews of the cache arguments.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/AttnToLinalg/Utils.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

/// Identity indexing maps for `count` operands of rank `rank`.
SmallVector<AffineMap> identityMaps(MLIRContext *ctx, unsigned rank, unsigned count) {
  return SmallVector<AffineMap>(count, AffineMap::getMultiDimIdentityMap(rank, ctx));
}

/// weight: a typed view of the byte blob, `memref.view %blob[offset][]` on
/// the blob's buffer, read as a tensor (a view: no copy of the weights).
/// There is no tensor op that reinterprets bytes as another element type, so
/// the view is taken on memrefs: `to_memref read_only` of the blob (the same
/// buffer after bufferization) and a `restrict` to_tensor of the view (the
/// weights are only read, so no other tensor can alias a write to them).
/// With a layer index the byte offset is `offset + index * layer_stride`,
/// computed at run time.
struct WeightLowering : OpConversionPattern<WeightOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(WeightOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto bytesType = MemRefType::get({ShapedType::kDynamic}, rewriter.getI8Type());
    auto bytes = rewriter.create<bufferization::ToMemrefOp>(loc, bytesType, adaptor.getBlob());
    bytes.setReadOnly(true);
    auto constant = [&](int64_t v) { return rewriter.create<arith::ConstantIndexOp>(loc, v); };
    Value shift = constant(static_cast<int64_t>(op.getOffset()));
    if (Value index = adaptor.getLayerIndex()) {
      Value scaled = rewriter.create<arith::MulIOp>(
          loc, index, constant(static_cast<int64_t>(*op.getLayerStride())));
      shift = rewriter.create<arith::AddIOp>(loc, scaled, shift);
    }
    Value view = rewriter.create<memref::ViewOp>(
        loc, MemRefType::get(type.getShape(), type.getElementType()), bytes, shift, ValueRange{});
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(op, type, view, /*restrict=*/true);
    return success();
  }
};

/// A Q4_0 weight from its byte (widened to i32) and the shift (0 or 4, i32)
/// of its nibble: (code - 8) * scale with code = (byte >> shift) & 15,
/// computed as fma(float(code), scale, -8 * scale): one fused op per
/// weight instead of an integer subtraction and a product, and exact all
/// the same (code * scale and -8 * scale are exact in f32, a 4-bit integer
/// times an f16 scale, and so is their sum (code - 8) * scale, which the
/// fma rounds to itself).
Value nibbleValue(OpBuilder &b, Location loc, Value byte, Value shift, Value scale) {
  Type i32 = b.getI32Type();
  Value code = b.create<arith::AndIOp>(loc, b.create<arith::ShRUIOp>(loc, byte, shift),
                                       b.create<arith::ConstantIntOp>(loc, 15, i32));
  Value offset = b.create<arith::MulFOp>(loc, scale, f32Constant(b, loc, -8.0f));
  return b.create<math::FmaOp>(loc, b.create<arith::UIToFPOp>(loc, b.getF32Type(), code),
                               scale, offset);
}

/// embedding: `out[t, d] = table[tokens[t], d]`, or `table[v / B, d, v % B]`
/// for a packed table, as a generic over (t, d) that gathers with
/// `tensor.extract`; a Q8_0 entry times its block's scale, a Q4_0 entry is
/// its nibble (see attn.embedding) less 8, times its block's scale.
struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = adaptor.getTable(), tokens = adaptor.getTokens(),
          scales = adaptor.getScales();
    bool q4 = scales && op.getQuant() == QuantFormat::q4_0;
    auto tableType = cast<RankedTensorType>(table.getType());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, tokens, 0),
                                       tensor::getMixedSize(rewriter, loc, table, 1)};
    // A Q4_0 row holds two values a byte (a weight's shape is static).
    if (q4)
      sizes[1] = rewriter.getIndexAttr(2 * tableType.getDimSize(1));
    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    Value block;
    if (tableType.getRank() == 3)
      block = getValueOrCreateConstantIndexOp(rewriter, loc,
                                              tensor::getMixedSize(rewriter, loc, table, 2));

    AffineExpr t, d;
    bindDims(ctx, t, d);
    SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {t}, ctx),
                                   AffineMap::get(2, 0, {t, d}, ctx)};
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{tokens}, ValueRange{init}, maps, parallelIterators(2),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          // Token ids are non-negative: read them as unsigned.
          Value token = b.create<arith::IndexCastUIOp>(loc, b.getIndexType(), args[0]);
          Value col = b.create<linalg::IndexOp>(loc, 1);
          SmallVector<Value> indices = {token, col};
          if (block)
            indices = {b.create<arith::DivUIOp>(loc, token, block), col,
                       b.create<arith::RemUIOp>(loc, token, block)};
          // The entry (a Q4_0 table's byte is read below), then the scale
          // of col's 32-value block, for a quantized table.
          Value row;
          if (!q4)
            row = b.create<tensor::ExtractOp>(loc, table, indices);
          Value scale;
          if (scales) {
            SmallVector<Value> at = indices;
            at[1] = b.create<arith::DivUIOp>(loc, col, b.create<arith::ConstantIndexOp>(loc, 32));
            scale = b.create<tensor::ExtractOp>(loc, scales, at);
          }
          if (q4) {
            // Q4_0: value col of the row is nibble (col % 32) / 16 of byte
            // 16 (col / 32) + col % 16.
            auto index = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
            Value inBlock = b.create<arith::RemUIOp>(loc, col, index(32));
            Value byteCol = b.create<arith::AddIOp>(
                loc, b.create<arith::MulIOp>(loc, b.create<arith::DivUIOp>(loc, col, index(32)),
                                             index(16)),
                b.create<arith::RemUIOp>(loc, inBlock, index(16)));
            SmallVector<Value> at = indices;
            at[1] = byteCol;
            Value byte = b.create<arith::ExtUIOp>(loc, b.getI32Type(),
                                                  b.create<tensor::ExtractOp>(loc, table, at));
            Value shift = b.create<arith::IndexCastUIOp>(
                loc, b.getI32Type(),
                b.create<arith::MulIOp>(loc, b.create<arith::DivUIOp>(loc, inBlock, index(16)),
                                        index(4)));
            row = nibbleValue(b, loc, byte, shift, scale);
          } else if (scales) { // Q8_0
            row = b.create<arith::MulFOp>(
                loc, b.create<arith::SIToFPOp>(loc, b.getF32Type(), row), scale);
          } else if (!row.getType().isF32()) { // a bf16 / f16 table
            row = b.create<arith::ExtFOp>(loc, b.getF32Type(), row);
          }
          b.create<linalg::YieldOp>(loc, row);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), op.getType()));
    return success();
  }
};

/// rms_norm as llama2.c's rmsnorm: `ss = sum(x^2)` (a reduction generic over
/// (t, d)), then `o = w * ((1 / sqrt(ss / D + eps)) * x)` elementwise. The
/// per-row `1 / sqrt(...)` sits in the elementwise body rather than in a third
/// generic: it is loop-invariant in d, so it is hoisted once the generic is
/// tiled, and the two-generic form is what tile-and-vectorize expects.
struct RmsNormLowering : OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), weight = adaptor.getWeight();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Type f32 = rewriter.getF32Type();
    Value width = sizeToF32(rewriter, loc, sizes[1]);
    Value eps = rewriter.create<arith::ConstantOp>(loc, op.getEpsilonAttr());
    Value one = f32Constant(rewriter, loc, 1.0f);

    AffineExpr t, d;
    bindDims(ctx, t, d);
    AffineMap rowMap = AffineMap::get(2, 0, {t}, ctx);
    AffineMap colMap = AffineMap::get(2, 0, {d}, ctx);
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(2, ctx);

    Value sumInit = fill(rewriter, loc, 0.0f, createEmpty(rewriter, loc, {sizes[0]}, f32));
    Value sumSquares =
        rewriter
            .create<linalg::GenericOp>(
                loc, sumInit.getType(), ValueRange{x}, ValueRange{sumInit},
                ArrayRef<AffineMap>{idMap, rowMap},
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                              utils::IteratorType::reduction},
                [&](OpBuilder &b, Location loc, ValueRange args) {
                  Value square = b.create<arith::MulFOp>(loc, args[0], args[0]);
                  b.create<linalg::YieldOp>(
                      loc, ValueRange{b.create<arith::AddFOp>(loc, args[1], square)});
                })
            .getResult(0);

    Value init = createEmpty(rewriter, loc, sizes, f32);
    auto normalized = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x, sumSquares, weight}, ValueRange{init},
        ArrayRef<AffineMap>{idMap, rowMap, colMap, idMap}, parallelIterators(2),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value mean = b.create<arith::DivFOp>(loc, args[1], width);
          Value ss = b.create<arith::AddFOp>(loc, mean, eps);
          Value inv = b.create<arith::DivFOp>(loc, one, b.create<math::SqrtOp>(loc, ss));
          Value scaled = b.create<arith::MulFOp>(loc, inv, args[0]);
          b.create<linalg::YieldOp>(loc, ValueRange{b.create<arith::MulFOp>(loc, args[2], scaled)});
        });
    rewriter.replaceOp(op, normalized.getResult(0));
    return success();
  }
};

/// The linear of a block-quantized weight: x's K split into `xBlock`-shaped
/// pieces of one 32-value block each, the weight's rows `q` (NB, K', B) into
/// (NB, K / 32, qGroup, B), and
///   y[t, nb, j] += x[t, kb, ..., kk] * weightOf(q[nb, kb, kk, j], s[nb, kb, j])
/// dims (nb, t, kb, ..., kk, j), where kk, the last dim of `xBlock`, walks
/// the `qGroup` stored entries of a block. Every indexing map is a projected
/// permutation (which the vectorizer needs), and the lane dim j is last, so
/// that the vectorized weight block is (..., kk, j) as stored and its
/// dequantization needs no transpose; only x is broadcast along j, which the
/// contraction absorbs. `weightOf` builds one weight in the body from its
/// stored entry and its block's scale.
Value blockQuantizedProduct(
    OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> xBlock, Value q, int64_t qGroup,
    Value scales, Value init,
    function_ref<Value(OpBuilder &, Location, Value entry, Value scale)> weightOf) {
  MLIRContext *ctx = b.getContext();
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t blocks = qType.getDimSize(1) / qGroup;
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> xShape = {xType.getDimSize(0), blocks};
  llvm::append_range(xShape, xBlock);
  ReassociationIndices kGroup;
  SmallVector<OpFoldResult> xSizes = {tensor::getMixedSize(b, loc, x, 0)};
  for (auto [i, size] : llvm::enumerate(ArrayRef(xShape).drop_front())) {
    kGroup.push_back(int64_t(i) + 1);
    xSizes.push_back(b.getIndexAttr(size));
  }
  Value xGroups = b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get(xShape, b.getF32Type()), x,
      ArrayRef<ReassociationIndices>{{0}, kGroup}, xSizes);
  Value qGroups = b.create<tensor::ExpandShapeOp>(
      loc,
      RankedTensorType::get({qType.getDimSize(0), blocks, qGroup, qType.getDimSize(2)},
                            qType.getElementType()),
      q, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
  // dims (nb, t, kb, xBlock..., j)
  unsigned rank = 4 + xBlock.size();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr nb = d(0), t = d(1), kb = d(2), kk = d(rank - 2), j = d(rank - 1);
  SmallVector<AffineExpr> xExprs = {t};
  for (unsigned i = 2; i < rank - 1; ++i)
    xExprs.push_back(d(i));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, xExprs, ctx), AffineMap::get(rank, 0, {nb, kb, kk, j}, ctx),
      AffineMap::get(rank, 0, {nb, kb, j}, ctx), AffineMap::get(rank, 0, {t, nb, j}, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(2);
  iterators.append(rank - 3, utils::IteratorType::reduction);
  iterators.push_back(utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, init.getType(), ValueRange{xGroups, qGroups, scales}, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            Value weight = weightOf(nested, loc, args[1], args[2]);
            Value mul = nested.create<arith::MulFOp>(loc, args[0], weight);
            nested.create<linalg::YieldOp>(
                loc, ValueRange{nested.create<arith::AddFOp>(loc, args[3], mul)});
          })
      .getResult(0);
}

/// The Q8_0 linear: K split into (K / 32, 32),
///   y[t, nb, j] += x[t, kb, kk] * (float(q[nb, kb, kk, j]) * s[nb, kb, j])
/// dims (nb, t, kb, kk, j). The weight is dequantized in registers, exactly
/// (an f16 scale times an int8 has at most 19 significant bits), so the
/// sums are those of an f32 linear on the dequantized weights.
Value quantizedProduct(OpBuilder &b, Location loc, Value x, Value q, Value scales,
                       Value init) {
  return blockQuantizedProduct(
      b, loc, x, /*xBlock=*/{32}, q, /*qGroup=*/32, scales, init,
      [](OpBuilder &b, Location loc, Value entry, Value scale) -> Value {
        Value value = b.create<arith::SIToFPOp>(loc, b.getF32Type(), entry);
        return b.create<arith::MulFOp>(loc, value, scale);
      });
}

/// The Q4_0 linear on the bytes `q` (NB, K / 2, B): with K split into
/// (K / 32, 2, 16) for x and the bytes into (NB, K / 32, 16, B),
///   y[t, nb, j] += x[t, kb, h, kk] * w(q[nb, kb, kk, j], h, s[nb, kb, j])
/// dims (nb, t, kb, h, kk, j), where h picks the nibble (0: the low one,
/// k = 32 kb + kk; 1: the high one, k = 32 kb + 16 + kk) by the shift 4 h
/// (linalg.index) and w = float(((q >> 4 h) & 15) - 8) * s. The vectorized
/// block is (h, kk, j): the 16 x 16 bytes as stored, each row loaded once
/// and read for both h. The weight is exact in f32, so the sums are those
/// of an f32 linear on the dequantized weights.
Value q4Product(OpBuilder &b, Location loc, Value x, Value q, Value scales, Value init) {
  constexpr int64_t half = 16; // a 32-value block is two halves of 16
  return blockQuantizedProduct(
      b, loc, x, /*xBlock=*/{2, half}, q, /*qGroup=*/half, scales, init,
      [](OpBuilder &b, Location loc, Value entry, Value scale) -> Value {
        Type i32 = b.getI32Type();
        Value byte = b.create<arith::ExtUIOp>(loc, i32, entry);
        Value h = b.create<linalg::IndexOp>(loc, 3);
        Value shift = b.create<arith::MulIOp>(loc, b.create<arith::IndexCastUIOp>(loc, i32, h),
                                              b.create<arith::ConstantIntOp>(loc, 4, i32));
        return nibbleValue(b, loc, byte, shift, scale);
      });
}

/// The input of an integer linear quantized as Q8_0 blocks (attn.linear's
/// `input_quant`, as ggml's quantize_row_q8_0 but with an f32 scale and
/// ties rounded to even): x (T, K) split into (T, K / 32, 32) and
///   d[t, kb] = max_kk |x[t, kb, kk]| / 127,
///   c[t, kb, kk] = int8(clamp(roundeven(x[t, kb, kk] / d), -127, 127))
/// (c = 0 where d = 0). Three generics: the block maxima (a reduction), the
/// scales and the codes. A division, not ggml's x * (1 / d): 1 / d is
/// infinite for a subnormal d, and 0 * inf would make the zeros of such a
/// block NaN. The clamp only guards the conversion: |x| <= max gives
/// |x / d| <= 127 up to rounding; it also maps NaN to a defined code
/// (minnum / maxnum), while the NaN scale carries the NaN into the sums.
struct QuantizedInput {
  Value codes;  // (T, K / 32, 32) i8
  Value scales; // (T, K / 32) f32
};
QuantizedInput quantizeInput(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type(), i8 = b.getI8Type();
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t blocks = xType.getDimSize(1) / 32;
  OpFoldResult tokens = tensor::getMixedSize(b, loc, x, 0);
  Value groups = b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({xType.getDimSize(0), blocks, 32}, f32), x,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}},
      ArrayRef<OpFoldResult>{tokens, b.getIndexAttr(blocks), b.getIndexAttr(32)});
  SmallVector<OpFoldResult> blockSizes = {tokens, b.getIndexAttr(blocks)};
  AffineExpr t, kb, kk;
  bindDims(ctx, t, kb, kk);
  AffineMap element = AffineMap::get(3, 0, {t, kb, kk}, ctx);
  AffineMap block = AffineMap::get(3, 0, {t, kb}, ctx);

  SmallVector<utils::IteratorType> reduceLast = parallelIterators(2);
  reduceLast.push_back(utils::IteratorType::reduction);
  Value maxima =
      b.create<linalg::GenericOp>(
           loc, RankedTensorType::get({xType.getDimSize(0), blocks}, f32), ValueRange{groups},
           ValueRange{fill(b, loc, 0.0f, createEmpty(b, loc, blockSizes, f32))},
           ArrayRef<AffineMap>{element, block}, reduceLast,
           [](OpBuilder &b, Location loc, ValueRange args) {
             Value magnitude = b.create<math::AbsFOp>(loc, args[0]);
             b.create<linalg::YieldOp>(
                 loc, ValueRange{b.create<arith::MaximumFOp>(loc, args[1], magnitude)});
           })
          .getResult(0);
  Value scales = b.create<linalg::GenericOp>(
                      loc, maxima.getType(), ValueRange{maxima},
                      ValueRange{createEmpty(b, loc, blockSizes, f32)},
                      identityMaps(ctx, 2, 2), parallelIterators(2),
                      [](OpBuilder &b, Location loc, ValueRange args) {
                        Value d = b.create<arith::DivFOp>(loc, args[0],
                                                          f32Constant(b, loc, 127.0f));
                        b.create<linalg::YieldOp>(loc, ValueRange{d});
                      })
                     .getResult(0);
  Value codes =
      b.create<linalg::GenericOp>(
           loc, RankedTensorType::get({xType.getDimSize(0), blocks, 32}, i8),
           ValueRange{groups, scales},
           ValueRange{createEmpty(b, loc, {tokens, b.getIndexAttr(blocks), b.getIndexAttr(32)},
                                  i8)},
           ArrayRef<AffineMap>{element, block, element}, parallelIterators(3),
           [](OpBuilder &b, Location loc, ValueRange args) {
             Value zero = f32Constant(b, loc, 0.0f);
             Value isZero =
                 b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, args[1], zero);
             Value ratio = b.create<arith::SelectOp>(
                 loc, isZero, zero, b.create<arith::DivFOp>(loc, args[0], args[1]));
             Value rounded = b.create<math::RoundEvenOp>(loc, ratio);
             Value clamped = b.create<arith::MinNumFOp>(
                 loc,
                 b.create<arith::MaxNumFOp>(loc, rounded, f32Constant(b, loc, -127.0f)),
                 f32Constant(b, loc, 127.0f));
             b.create<linalg::YieldOp>(
                 loc, ValueRange{b.create<arith::FPToSIOp>(loc, b.getI8Type(), clamped)});
           })
          .getResult(0);
  return {codes, scales};
}

/// The integer linear of a Q8_0 weight on a quantized input (see
/// quantizeInput), dims (nb, t, kb, kk, j):
///   y[t, nb, j] += float(int(c[t, kb, kk]) * int(q[nb, kb, kk, j]))
///                  * (d[t, kb] * s[nb, kb, j])
/// The products are integers and a block's 32 of them sum exactly in any
/// order (|sum| <= 32 * 127 * 128 < 2^24, exact in f32 too), so a kernel
/// may sum a block in integers and scale the sum once (attn-tile-and-
/// vectorize's VNNI tiles); the generic form itself is what the reference
/// path runs.
Value integerProduct(OpBuilder &b, Location loc, QuantizedInput input, Value q, Value scales,
                     Value init) {
  MLIRContext *ctx = b.getContext();
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t blocks = qType.getDimSize(1) / 32;
  Value qGroups = b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({qType.getDimSize(0), blocks, 32, qType.getDimSize(2)},
                                 qType.getElementType()),
      q, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
  AffineExpr nb, t, kb, kk, j;
  bindDims(ctx, nb, t, kb, kk, j);
  SmallVector<AffineMap> maps = {
      AffineMap::get(5, 0, {t, kb, kk}, ctx), AffineMap::get(5, 0, {t, kb}, ctx),
      AffineMap::get(5, 0, {nb, kb, kk, j}, ctx), AffineMap::get(5, 0, {nb, kb, j}, ctx),
      AffineMap::get(5, 0, {t, nb, j}, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(2);
  iterators.append(2, utils::IteratorType::reduction);
  iterators.push_back(utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, init.getType(), ValueRange{input.codes, input.scales, qGroups, scales},
          ValueRange{init}, maps, iterators,
          [](OpBuilder &b, Location loc, ValueRange args) {
            Type i32 = b.getI32Type();
            Value product =
                b.create<arith::MulIOp>(loc, b.create<arith::ExtSIOp>(loc, i32, args[0]),
                                        b.create<arith::ExtSIOp>(loc, i32, args[2]));
            Value value = b.create<arith::SIToFPOp>(loc, b.getF32Type(), product);
            Value scale = b.create<arith::MulFOp>(loc, args[1], args[3]);
            b.create<linalg::YieldOp>(
                loc, ValueRange{b.create<arith::AddFOp>(
                         loc, args[4], b.create<arith::MulFOp>(loc, value, scale))});
          })
      .getResult(0);
}

/// linear: `y[t, nb, j] += x[t, k] * W[nb, k, j]` on a zero-filled (T, NB, B),
/// loops ordered (nb, t, j, k) so that one block of B output rows streams
/// contiguously through the innermost parallel dim; then (T, NB * B). A
/// Q8_0 weight: see quantizedProduct (integerProduct with `input_quant`);
/// Q4_0: q4Product.
struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                       tensor::getMixedSize(rewriter, loc, w, 0),
                                       tensor::getMixedSize(rewriter, loc, w, 2)};
    Value init =
        fill(rewriter, loc, 0.0f, createEmpty(rewriter, loc, sizes, rewriter.getF32Type()));

    Value product;
    if (Value scales = adaptor.getScales()) {
      if (op.getInputQuant())
        product = integerProduct(rewriter, loc, quantizeInput(rewriter, loc, x), w, scales, init);
      else if (op.getQuant() == QuantFormat::q4_0)
        product = q4Product(rewriter, loc, x, w, scales, init);
      else
        product = quantizedProduct(rewriter, loc, x, w, scales, init);
    } else {
      AffineExpr nb, t, j, k;
      bindDims(ctx, nb, t, j, k);
      SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {t, k}, ctx),
                                     AffineMap::get(4, 0, {nb, k, j}, ctx),
                                     AffineMap::get(4, 0, {t, nb, j}, ctx)};
      product = sumOfProducts(rewriter, loc, x, w, init, maps);
    }
    Value flat = rewriter.create<tensor::CollapseShapeOp>(
        loc, product, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    rewriter.replaceOp(op, castTo(rewriter, loc, flat, op.getType()));
    return success();
  }
};

/// rope as llama2.c: for pair i of a head, whose first lane is at 2i
/// (adjacent) or i (halves) and whose second lane is at 2i + 1 or i + hd / 2,
/// `freq = 1 / powf(theta, 2i / (float)hd)`, `val = (float)(pos + t) * freq`,
/// `(v0, v1) -> (v0 cos - v1 sin, v0 sin + v1 cos)`. One generic over
/// (t, h, d): each element reads its partner with `tensor.extract` and
/// computes its own half of the pair.
struct RopeLowering : OpConversionPattern<RopeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), pos = adaptor.getPosition();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    Value headDim = sizeToF32(rewriter, loc, sizes[2]);
    Value theta = rewriter.create<arith::ConstantOp>(loc, op.getThetaAttr());
    Value one = f32Constant(rewriter, loc, 1.0f);
    Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value c2 = rewriter.create<arith::ConstantIndexOp>(loc, 2);
    bool halves = op.getPairs() == RopePairs::halves;
    Value half;
    if (halves)
      half = rewriter.createOrFold<arith::DivUIOp>(
          loc, getValueOrCreateConstantIndexOp(rewriter, loc, sizes[2]), c2);

    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    auto rotated = rewriter.create<linalg::GenericOp>(
        loc, init.getType(), ValueRange{x}, ValueRange{init},
        identityMaps(rewriter.getContext(), 3, 2), parallelIterators(3),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value t = b.create<linalg::IndexOp>(loc, 0);
          Value h = b.create<linalg::IndexOp>(loc, 1);
          Value d = b.create<linalg::IndexOp>(loc, 2);
          // isFirst: d is the first lane of its pair; twoI: 2i for pair i.
          Value isFirst, partnerIndex, twoI;
          if (halves) {
            isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, d, half);
            partnerIndex =
                b.create<arith::SelectOp>(loc, isFirst, b.create<arith::AddIOp>(loc, d, half),
                                          b.create<arith::SubIOp>(loc, d, half));
            Value i = b.create<arith::SelectOp>(loc, isFirst, d, partnerIndex);
            twoI = b.create<arith::MulIOp>(loc, i, c2);
          } else {
            Value odd = b.create<arith::RemUIOp>(loc, d, c2);
            twoI = b.create<arith::SubIOp>(loc, d, odd);
            isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, odd, c0);
            partnerIndex =
                b.create<arith::SelectOp>(loc, isFirst, b.create<arith::AddIOp>(loc, d, c1),
                                          b.create<arith::SubIOp>(loc, d, c1));
          }
          Value partner = b.create<tensor::ExtractOp>(loc, x, ValueRange{t, h, partnerIndex});

          Value exponent = b.create<arith::DivFOp>(loc, indexToF32(b, loc, twoI), headDim);
          Value freq =
              b.create<arith::DivFOp>(loc, one, b.create<math::PowFOp>(loc, theta, exponent));
          Value position = indexToF32(b, loc, b.create<arith::AddIOp>(loc, pos, t));
          Value val = b.create<arith::MulFOp>(loc, position, freq);
          Value fcr = b.create<math::CosOp>(loc, val);
          Value fci = b.create<math::SinOp>(loc, val);

          // The first lane holds v0 (partner v1); the second holds v1 (partner v0).
          Value selfCos = b.create<arith::MulFOp>(loc, args[0], fcr);
          Value partnerSin = b.create<arith::MulFOp>(loc, partner, fci);
          Value firstOut = b.create<arith::SubFOp>(loc, selfCos, partnerSin);
          Value secondOut = b.create<arith::AddFOp>(loc, partnerSin, selfCos);
          b.create<linalg::YieldOp>(
              loc, ValueRange{b.create<arith::SelectOp>(loc, isFirst, firstOut, secondOut)});
        });
    rewriter.replaceOp(op, rotated.getResult(0));
    return success();
  }
};

/// Lowers a binary elementwise op on (T, D) tensors to a generic whose body is
/// built by `body(builder, loc, lhs, rhs)`.
template <typename OpTy>
LogicalResult lowerElementwise(OpTy op, Value lhs, Value rhs, ConversionPatternRewriter &rewriter,
                               function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  Location loc = op.getLoc();
  Value init =
      createEmpty(rewriter, loc, tensor::getMixedSizes(rewriter, loc, lhs), rewriter.getF32Type());
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init},
      identityMaps(rewriter.getContext(), 2, 3), parallelIterators(2),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        b.create<linalg::YieldOp>(loc, ValueRange{body(b, loc, args[0], args[1])});
      });
  rewriter.replaceOp(op, generic.getResult(0));
  return success();
}

/// swiglu as llama2.c: `g * (1 / (1 + exp(-g))) * up`.
struct SwigluLowering : OpConversionPattern<SwigluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SwigluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value one = f32Constant(rewriter, op.getLoc(), 1.0f);
    return lowerElementwise(
        op, adaptor.getGate(), adaptor.getUp(), rewriter,
        [&](OpBuilder &b, Location loc, Value gate, Value up) -> Value {
          Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, gate));
          Value sigmoid = b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
          Value silu = b.create<arith::MulFOp>(loc, gate, sigmoid);
          return b.create<arith::MulFOp>(loc, silu, up);
        });
  }
};

struct AddLowering : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(AddOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    return lowerElementwise(op, adaptor.getLhs(), adaptor.getRhs(), rewriter,
                            [](OpBuilder &b, Location loc, Value lhs, Value rhs) -> Value {
                              return b.create<arith::AddFOp>(loc, lhs, rhs);
                            });
  }
};

/// The layer a cache op accesses: its dynamic index or its static layer.
OpFoldResult cacheLayer(OpBuilder &b, Value layerIndex, std::optional<uint64_t> layer) {
  if (layerIndex)
    return layerIndex;
  return b.getIndexAttr(static_cast<int64_t>(*layer));
}

/// The rank-reduced subview `cache[layer, 0, start, 0] [1, KVH, count, HD]`:
/// (kv_heads, count, head_dim) positions of one layer, in place in the cache.
Value cacheWindow(OpBuilder &b, Location loc, Value cache, OpFoldResult layer,
                  OpFoldResult start, OpFoldResult count) {
  auto cacheType = cast<MemRefType>(cache.getType());
  SmallVector<OpFoldResult> offsets = {layer, b.getIndexAttr(0), start,
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), memref::getMixedSize(b, loc, cache, 1),
                                     count, memref::getMixedSize(b, loc, cache, 3)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  SmallVector<int64_t> shape;
  for (OpFoldResult size : ArrayRef(sizes).drop_front())
    shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  auto type = cast<MemRefType>(
      memref::SubViewOp::inferRankReducedResultType(shape, cacheType, offsets, sizes, strides));
  return b.create<memref::SubViewOp>(loc, type, cache, offsets, sizes, strides);
}

/// cache_write: the (T, KVH, HD) value is transposed into the cache's
/// (KVH, T, HD) order and materialized in the cache window at `position`.
struct CacheWriteLowering : OpConversionPattern<CacheWriteOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(CacheWriteOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getValue(), cache = adaptor.getCache();
    OpFoldResult tokens = tensor::getMixedSize(rewriter, loc, value, 0);
    // Sizes from the cache where static, so the tensor matches the window's type.
    SmallVector<OpFoldResult> sizes = {memref::getMixedSize(rewriter, loc, cache, 1), tokens,
                                       memref::getMixedSize(rewriter, loc, cache, 3)};
    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    // The value's type may leave dynamic what the cache has static.
    auto initType = cast<RankedTensorType>(init.getType());
    value = castTo(
        rewriter, loc, value,
        initType.clone({initType.getDimSize(1), initType.getDimSize(0), initType.getDimSize(2)}));
    Value transposed =
        rewriter.create<linalg::TransposeOp>(loc, value, init, ArrayRef<int64_t>{1, 0, 2})
            .getResult()[0];
    Value window = cacheWindow(rewriter, loc, cache,
                               cacheLayer(rewriter, adaptor.getLayerIndex(), op.getLayer()),
                               getAsOpFoldResult(adaptor.getPosition()), tokens);
    rewriter.create<bufferization::MaterializeInDestinationOp>(
        loc, TypeRange{}, transposed, window, /*restrict=*/true, /*writable=*/true);
    rewriter.eraseOp(op);
    return success();
  }
};

/// cache_read: the first `length` positions of one layer, viewed in place
/// (`to_tensor restrict` of the window; no copy). One-Shot Bufferize accepts
/// only restrict to_tensors. The window overlaps the one the same layer's
/// cache_write materializes into, which restrict formally excludes; it is safe
/// here because the tensor is not writable (nothing bufferizes in place into
/// it), the write precedes the read in program order, and both ops carry
/// memory effects that keep that order until bufferization (which does not
/// reorder).
struct CacheReadLowering : OpConversionPattern<CacheReadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(CacheReadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value window =
        cacheWindow(rewriter, loc, adaptor.getCache(),
                    cacheLayer(rewriter, adaptor.getLayerIndex(), op.getLayer()),
                    rewriter.getIndexAttr(0), getAsOpFoldResult(adaptor.getLength()));
    Value tensor = rewriter.create<bufferization::ToTensorOp>(loc, window, /*restrict=*/true);
    rewriter.replaceOp(op, castTo(rewriter, loc, tensor, op.getType()));
    return success();
  }
};

/// trace: the value flattened to one row, materialized in the buffer window
/// [offset, offset + size) (as cache_write does for its cache window).
struct TraceLowering : OpConversionPattern<TraceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TraceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getValue();
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < type.getRank(); ++d)
        all.push_back(d);
      value = rewriter.create<tensor::CollapseShapeOp>(loc, value,
                                                       ArrayRef<ReassociationIndices>{all});
    }
    OpFoldResult size = tensor::getMixedSize(rewriter, loc, value, 0);
    Value buffer = adaptor.getBuffer();
    auto bufferType = cast<MemRefType>(buffer.getType());
    SmallVector<OpFoldResult> offsets = {getAsOpFoldResult(adaptor.getOffset())};
    SmallVector<OpFoldResult> sizes = {size};
    SmallVector<OpFoldResult> strides = {rewriter.getIndexAttr(1)};
    auto windowType = cast<MemRefType>(memref::SubViewOp::inferResultType(
        bufferType, offsets, sizes, strides));
    Value window =
        rewriter.create<memref::SubViewOp>(loc, windowType, buffer, offsets, sizes, strides);
    value = castTo(rewriter, loc, value,
                   RankedTensorType::get(windowType.getShape(), type.getElementType()));
    rewriter.create<bufferization::MaterializeInDestinationOp>(
        loc, TypeRange{}, value, window, /*restrict=*/true, /*writable=*/true);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::attn::detail::populateLayersToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<WeightLowering, EmbeddingLowering, RmsNormLowering, LinearLowering, RopeLowering,
               SwigluLowering, AddLowering, CacheWriteLowering, CacheReadLowering,
               TraceLowering>(
      patterns.getContext());
}
