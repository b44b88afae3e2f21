//===- Utils.cpp - Helpers shared by the attn-to-linalg patterns ----------===//
//
// Small builders used by both halves of convert-attn-to-linalg, and the
// static-bound analysis that keeps decode allocation-free: in `attn_decode`
// the number of keys is the dynamic cache length, but it never exceeds the
// static context of the cache it was read from, so temporaries with a key
// dimension are allocated at that bound and sliced.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/AttnToLinalg/Utils.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The source dimension a result dimension of a rank-reducing slice reads.
int64_t sourceDimOfSlice(const llvm::SmallBitVector &dropped, int64_t resultDim) {
  for (int64_t src = 0, res = 0, e = dropped.size(); src < e; ++src) {
    if (dropped.test(src))
      continue;
    if (res++ == resultDim)
      return src;
  }
  return -1;
}

/// One step up the chain of producers of dimension `dim` of `value`: the value
/// and dimension whose size bounds it, or a null value where the chain ends.
std::pair<Value, int64_t> boundingSource(Value value, int64_t dim) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return {};
  // The attn ops themselves (the conversion sees the original operands).
  if (auto scores = dyn_cast<ScoresOp>(def)) {
    if (dim == 1)
      return {scores.getQuery(), 0};
    if (dim == 2)
      return {scores.getKey(), 1};
    return {};
  }
  if (isa<MaskOp, SoftmaxOp>(def))
    return {def->getOperand(0), dim};
  // Their lowered forms, for when the patterns run on already lowered operands.
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
    return {dps.getTiedOpOperand(cast<OpResult>(value))->get(), dim};
  if (auto cast = dyn_cast<tensor::CastOp>(def))
    return {cast.getSource(), dim};
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def))
    return {slice.getSource(), sourceDimOfSlice(slice.getDroppedDims(), dim)};
  if (auto subview = dyn_cast<memref::SubViewOp>(def))
    return {subview.getSource(), sourceDimOfSlice(subview.getDroppedDims(), dim)};
  if (auto toTensor = dyn_cast<bufferization::ToTensorOp>(def))
    return {toTensor.getMemref(), dim};
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
    ReassociationIndices group = collapse.getReassociationIndices()[dim];
    if (group.size() == 1)
      return {collapse.getSrc(), group.front()};
    return {};
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    for (auto [srcDim, group] : llvm::enumerate(expand.getReassociationIndices()))
      if (group.size() == 1 && group.front() == dim)
        return {expand.getSrc(), static_cast<int64_t>(srcDim)};
    return {};
  }
  return {};
}

} // namespace

namespace mlir::attn::detail {

Value f32Constant(OpBuilder &b, Location loc, float value) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(value));
}

Value negInfConstant(OpBuilder &b, Location loc) {
  return b.create<arith::ConstantFloatOp>(
      loc, APFloat::getInf(APFloat::IEEEsingle(), /*Negative=*/true), b.getF32Type());
}

Value indexToF32(OpBuilder &b, Location loc, Value index) {
  Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
  return b.create<arith::SIToFPOp>(loc, b.getF32Type(), i64);
}

Value sizeToF32(OpBuilder &b, Location loc, OpFoldResult size) {
  if (std::optional<int64_t> constant = getConstantIntValue(size))
    return f32Constant(b, loc, static_cast<float>(*constant));
  return indexToF32(b, loc, cast<Value>(size));
}

std::optional<int64_t> getStaticDimBound(Value value, int64_t dim) {
  // Key dimensions travel through a short chain of producers; the limit only
  // guards against walking a long chain that cannot end in a cache read.
  for (int step = 0; step < 64 && value && dim >= 0; ++step) {
    auto shaped = dyn_cast<ShapedType>(value.getType());
    if (!shaped || !shaped.hasRank() || dim >= shaped.getRank())
      return std::nullopt;
    if (!shaped.isDynamicDim(dim))
      return shaped.getDimSize(dim);
    if (auto read = value.getDefiningOp<CacheReadOp>()) {
      // result (kv_heads, length, head_dim) reads cache (layers, kv_heads, S, head_dim).
      int64_t size = read.getCache().getType().getDimSize(dim + 1);
      if (ShapedType::isDynamic(size))
        return std::nullopt;
      return size;
    }
    std::tie(value, dim) = boundingSource(value, dim);
  }
  return std::nullopt;
}

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<std::optional<int64_t>> bounds, Type elementType) {
  SmallVector<OpFoldResult> allocated(sizes);
  bool bounded = false;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    if (getConstantIntValue(size))
      continue;
    // A size that stays dynamic makes the allocation dynamic anyway; slicing
    // would then only give the tensor dynamic strides, which makes a later
    // collapse_shape bufferize to a copy.
    if (i >= bounds.size() || !bounds[i])
      return b.create<tensor::EmptyOp>(loc, sizes, elementType);
    allocated[i] = b.getIndexAttr(*bounds[i]);
    bounded = true;
  }
  Value empty = b.create<tensor::EmptyOp>(loc, allocated, elementType);
  if (!bounded)
    return empty;
  SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(sizes.size(), b.getIndexAttr(1));
  return b.create<tensor::ExtractSliceOp>(loc, empty, zeros, sizes, ones);
}

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elementType) {
  return createEmpty(b, loc, sizes, {}, elementType);
}

Value fill(OpBuilder &b, Location loc, Value value, Value dest) {
  return b.create<linalg::FillOp>(loc, ValueRange{value}, ValueRange{dest}).getResult(0);
}

Value fill(OpBuilder &b, Location loc, float value, Value dest) {
  return fill(b, loc, f32Constant(b, loc, value), dest);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return b.create<tensor::CastOp>(loc, type, value);
}

SmallVector<utils::IteratorType> parallelIterators(unsigned count) {
  return SmallVector<utils::IteratorType>(count, utils::IteratorType::parallel);
}

Value sumOfProducts(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                    ArrayRef<AffineMap> maps) {
  SmallVector<utils::IteratorType> iterators = parallelIterators(maps[0].getNumDims() - 1);
  iterators.push_back(utils::IteratorType::reduction);
  return b
      .create<linalg::GenericOp>(
          loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            // A narrow (bf16 / f16) weight is widened in registers: the
            // product and the sum are f32.
            auto widen = [&](Value v) -> Value {
              if (v.getType().isF32())
                return v;
              return nested.create<arith::ExtFOp>(loc, nested.getF32Type(), v);
            };
            Value mul = nested.create<arith::MulFOp>(loc, widen(args[0]), widen(args[1]));
            nested.create<linalg::YieldOp>(
                loc, ValueRange{nested.create<arith::AddFOp>(loc, args[2], mul)});
          })
      .getResult(0);
}

} // namespace mlir::attn::detail
