//===- Utils.h - Helpers shared by the attn-to-linalg patterns --*- C++ -*-===//
//
// Internal to compiler/Conversion/AttnToLinalg: the parts of the conversion
// (LayersToLinalg.cpp, VariantsToLinalg.cpp, AttentionToLinalg.cpp) and the small
// builders they share: constants, index-to-float casts, destination tensors
// that stay statically sized when a dynamic size has a static bound (the KV
// cache context), and casts back to the type an attn op declared.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_ATTNTOLINALG_UTILS_H
#define ATTNC_CONVERSION_ATTNTOLINALG_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::attn::detail {

/// Patterns for weight, embedding, rms_norm, linear, rope, swiglu, add,
/// cache_write and cache_read (LayersToLinalg.cpp).
void populateLayersToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns for layer_norm, gelu, relu, bias_add, learned_positions and
/// sinusoidal_positions (VariantsToLinalg.cpp).
void populateVariantsToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns for scores, mask, softmax and weighted_sum (AttentionToLinalg.cpp).
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);

/// An f32 constant.
Value f32Constant(OpBuilder &b, Location loc, float value);

/// The f32 constant -inf (0xFF800000): what masked scores become and what a
/// max reduction starts from.
Value negInfConstant(OpBuilder &b, Location loc);

/// An index converted to f32 the way C converts an int (signed).
Value indexToF32(OpBuilder &b, Location loc, Value index);

/// `size` as an f32 value (a constant when static).
Value sizeToF32(OpBuilder &b, Location loc, OpFoldResult size);

/// A static upper bound of dimension `dim` of the tensor `value`, if one can be
/// derived from how it was produced: a key dimension read from a KV cache is
/// at most the cache's static context, and that bound follows the keys through
/// scores, mask, softmax and their lowered forms.
std::optional<int64_t> getStaticDimBound(Value value, int64_t dim);

/// A `tensor.empty` of `sizes`. When every dynamic size has a static bound in
/// `bounds`, the tensor is allocated at the bounds and the used part taken
/// with `tensor.extract_slice`, so that bufferization gives a static
/// allocation (stack-promotable) instead of a heap allocation per call.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<std::optional<int64_t>> bounds, Type elementType);

/// Same, without bounds.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elementType);

/// `linalg.fill` of `dest` with the f32 `value`.
Value fill(OpBuilder &b, Location loc, float value, Value dest);
Value fill(OpBuilder &b, Location loc, Value value, Value dest);

/// `value`, through a `tensor.cast` if its type is not `type` (a lowering may
/// infer a dynamic size that the attn op's result type has static, or the
/// other way round).
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

/// `count` parallel iterators.
SmallVector<utils::IteratorType> parallelIterators(unsigned count);

/// `init + sum(lhs * rhs)`: a linalg.generic over `maps[0].getNumDims()` loops
/// whose last loop is the reduction and all others are parallel (scores,
/// weighted sum and the linear layer are all of this form). A bf16 or f16
/// operand (a narrow weight) is widened to f32 with arith.extf in the body.
Value sumOfProducts(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                    ArrayRef<AffineMap> maps);

} // namespace mlir::attn::detail

#endif // ATTNC_CONVERSION_ATTNTOLINALG_UTILS_H
