//===- AttnOps.cpp - attn dialect verifiers -------------------------------===//
//
// Verifiers reject IR that cannot be a correct transformer: shapes that do not
// line up, kv_heads that do not divide heads, a softmax axis out of range, a
// mask kind without (or with a stray) window, sizes and offsets that overflow
// int64, non-finite attributes. Dynamic sizes match anything; each message
// says what was expected and what was found. Every product or sum of sizes
// here is either guarded by the SizesFitInt64 trait (verified first) or
// computed with checked arithmetic, so no input can make a verifier overflow.
//
//===----------------------------------------------------------------------===//
#include "dialects/attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// True when two sizes can be equal (either is dynamic or they agree).
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

std::string sizeString(int64_t size) {
  return ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size);
}

/// Checks that dimension `dim` of `what` (of `type`) can equal `expected`.
LogicalResult checkDim(Operation *op, StringRef what, ShapedType type, unsigned dim,
                       int64_t expected, StringRef meaning) {
  int64_t actual = type.getDimSize(dim);
  if (compatible(actual, expected))
    return success();
  return op->emitOpError() << "expects " << what << " dimension " << dim << " (" << meaning
                           << ") to be " << sizeString(expected) << ", got " << actual;
}

/// heads / kv_heads against the head dimensions of query and keys.
LogicalResult verifyHeads(Operation *op, int64_t heads, int64_t kvHeads, int64_t queryHeads,
                          int64_t keyHeads) {
  if (heads <= 0 || kvHeads <= 0)
    return op->emitOpError() << "expects positive heads and kv_heads, got " << heads << " and "
                             << kvHeads;
  if (heads % kvHeads != 0)
    return op->emitOpError() << "expects kv_heads (" << kvHeads << ") to divide heads (" << heads
                             << ")";
  if (!compatible(queryHeads, heads))
    return op->emitOpError() << "has heads = " << heads << " but its query has " << queryHeads
                             << " heads";
  if (!compatible(keyHeads, kvHeads))
    return op->emitOpError() << "has kv_heads = " << kvHeads << " but its keys/values have "
                             << keyHeads << " heads";
  return success();
}

LogicalResult verifyMaskWindow(Operation *op, MaskKind kind, int64_t window) {
  if (kind == MaskKind::sliding_window && window <= 0)
    return op->emitOpError() << "expects a positive window with a sliding_window mask, got "
                             << window;
  if (kind != MaskKind::sliding_window && window != 0)
    return op->emitOpError() << "has window = " << window << " but mask "
                             << stringifyMaskKind(kind) << " takes no window";
  return success();
}

/// Scale, epsilon and theta: a NaN or an infinity would turn every output
/// into NaN, and zero or a negative value has no meaning.
LogicalResult verifyPositiveFinite(Operation *op, APFloat value, StringRef what) {
  if (!value.isFiniteNonZero() || value.isNegative())
    return op->emitOpError() << "expects a positive finite " << what;
  return success();
}

/// The product of the static dimensions of `type` (dynamic ones are sized at
/// run time and checked there), or nullopt when it overflows int64.
std::optional<int64_t> staticElementCount(ShapedType type) {
  int64_t count = 1;
  for (int64_t size : type.getShape()) {
    if (ShapedType::isDynamic(size))
      continue;
    std::optional<int64_t> next = llvm::checkedMul(count, size);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

LogicalResult verifyTypeFitsInt64(Operation *op, Type type, StringRef kind, unsigned index) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return success();
  std::optional<int64_t> count = staticElementCount(shaped);
  if (!count)
    return op->emitOpError() << kind << " #" << index << " of type " << type
                             << " has an element count that overflows int64";
  Type element = shaped.getElementType();
  if (element.isIntOrFloat() &&
      !llvm::checkedMul(*count, int64_t(llvm::divideCeil(element.getIntOrFloatBitWidth(), 8))))
    return op->emitOpError() << kind << " #" << index << " of type " << type
                             << " has a size in bytes that overflows int64";
  return success();
}

/// The values `weight` (a weight or table whose dimension `rowDim` runs
/// along a row of `rowValues` values: in-features, the embedding width) and
/// the scales of a quantized matrix, or a float one. Scales are required
/// exactly when the weight is i8; `quant` q4_0 only with them. A quantized
/// row is whole blocks of 32; a q4_0 weight's row dimension holds one byte
/// per two values (the caller checks a float or q8_0 one, one per value);
/// the scales have the weight's shape with that dimension one per 32
/// values.
LogicalResult verifyQuantized(Operation *op, ShapedType weight, Value scales, QuantFormat quant,
                              unsigned rowDim, int64_t rowValues, StringRef rowMeaning) {
  bool quantized = weight.getElementType().isInteger(8);
  bool q4 = quant == QuantFormat::q4_0;
  if (!quantized) {
    if (scales)
      return op->emitOpError() << "takes scales only with an i8 (q8_0 or q4_0) weight, got "
                               << weight.getElementType();
    if (q4)
      return op->emitOpError() << "takes quant = q4_0 only with an i8 weight, got "
                               << weight.getElementType();
    return success();
  }
  if (!scales)
    return op->emitOpError() << "expects scales with an i8 (" << stringifyQuantFormat(quant)
                             << ") weight";
  auto scalesType = cast<ShapedType>(scales.getType());
  if (scalesType.getRank() != weight.getRank())
    return op->emitOpError() << "expects scales of rank " << weight.getRank() << ", got "
                             << scalesType;
  // The values per row: the operand's (in-features, the result's width)
  // when it is known, else the weight's.
  int64_t row = rowValues;
  if (ShapedType::isDynamic(row) && !weight.isDynamicDim(rowDim))
    row = weight.getDimSize(rowDim) * (q4 ? 2 : 1);
  if (!ShapedType::isDynamic(row) && row % 32 != 0)
    return op->emitOpError() << "expects " << stringifyQuantFormat(quant)
                             << " rows of whole 32-value blocks, got " << row
                             << " values (weight dimension " << rowDim << ")";
  // A q8_0 weight's row dimension was checked as a float one's.
  if (q4 && failed(checkDim(op, "weight", weight, rowDim,
                            ShapedType::isDynamic(row) ? row : row / 2,
                            (rowMeaning + ", two 4-bit codes a byte").str())))
    return failure();
  for (unsigned d = 0; d < weight.getRank(); ++d) {
    int64_t expected = d == rowDim ? row : weight.getDimSize(d);
    if (d == rowDim && !ShapedType::isDynamic(expected))
      expected /= 32;
    if (failed(checkDim(op, "scales", scalesType, d, expected,
                        d == rowDim ? "one scale per 32 values" : "the weight's")))
      return failure();
  }
  return success();
}

} // namespace

LogicalResult mlir::attn::verifySizesFitInt64(Operation *op) {
  for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(verifyTypeFitsInt64(op, type, "operand", i)))
      return failure();
  for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(verifyTypeFitsInt64(op, type, "result", i)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Weights and activations
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  auto type = getResult().getType();
  if (!type.hasStaticShape())
    return emitOpError() << "expects a static result shape, got " << type;
  // I64Attr getters are unsigned: read the offset back as the signed value it was.
  int64_t offset = static_cast<int64_t>(getOffset());
  if (offset < 0)
    return emitOpError() << "expects a non-negative offset, got " << offset;
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  if (offset % elementBytes != 0)
    return emitOpError() << "expects a byte offset that is a multiple of the " << elementBytes
                         << "-byte element size of " << type.getElementType() << ", got "
                         << offset;
  int64_t blobSize = getBlob().getType().getDimSize(0);
  // The byte size cannot overflow: SizesFitInt64 was verified first.
  int64_t bytes = type.getNumElements() * elementBytes;
  std::optional<int64_t> end = llvm::checkedAdd(offset, bytes);
  if (!end)
    return emitOpError() << "reads " << bytes << " bytes at offset " << offset
                         << ", past the largest int64 index";
  if (!ShapedType::isDynamic(blobSize) && *end > blobSize)
    return emitOpError() << "reads bytes [" << offset << ", " << *end << ") of a blob of "
                         << blobSize;
  // The format ties the two together; a generic-form op could still have one.
  if (static_cast<bool>(getLayerIndex()) != getLayerStride().has_value())
    return emitOpError() << "expects a layer index and a layer_stride together";
  if (getLayerStride() && static_cast<int64_t>(*getLayerStride()) <= 0)
    return emitOpError() << "expects a positive layer_stride, got "
                         << static_cast<int64_t>(*getLayerStride());
  if (getLayerStride() && static_cast<int64_t>(*getLayerStride()) % elementBytes != 0)
    return emitOpError() << "expects a layer_stride that is a multiple of the " << elementBytes
                         << "-byte element size of " << type.getElementType() << ", got "
                         << static_cast<int64_t>(*getLayerStride());
  return success();
}

LogicalResult EmbeddingOp::verify() {
  auto table = getTable().getType();
  auto result = getResult().getType();
  if (table.getRank() != 2 && table.getRank() != 3)
    return emitOpError() << "expects a (vocab, dim) or packed (vocab / B, dim, B) table, got "
                         << table;
  // Row v of a packed table is table[v / B, :, v % B]: B = 0 divides by zero.
  if (table.getRank() == 3 && table.getDimSize(2) == 0)
    return emitOpError() << "expects a positive packing block B (table dimension 2), got 0";
  // The width: a q4_0 table holds two values a byte.
  int64_t width = table.getDimSize(1);
  if (getQuant() == QuantFormat::q4_0 && !ShapedType::isDynamic(width))
    width *= 2;
  if (failed(checkDim(*this, "result", result, 1, width, "the embedding width")) ||
      failed(verifyQuantized(*this, table, getScales(), getQuant(), 1, result.getDimSize(1),
                             "the embedding width")))
    return failure();
  return checkDim(*this, "result", result, 0, getTokens().getType().getDimSize(0),
                  "one row per token");
}

LogicalResult RmsNormOp::verify() {
  if (failed(verifyPositiveFinite(*this, getEpsilon(), "epsilon")))
    return failure();
  return checkDim(*this, "weight", getWeight().getType(), 0,
                  getInput().getType().getDimSize(1), "the row width");
}

LogicalResult LinearOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  auto result = getResult().getType();
  if ((getQuant() != QuantFormat::q4_0 &&
       failed(checkDim(*this, "weight", weight, 1, input.getDimSize(1), "in-features"))) ||
      failed(verifyQuantized(*this, weight, getScales(), getQuant(), 1, input.getDimSize(1),
                             "in-features")) ||
      failed(checkDim(*this, "result", result, 0, input.getDimSize(0), "tokens")))
    return failure();
  if (std::optional<QuantFormat> inputQuant = getInputQuant()) {
    if (*inputQuant != QuantFormat::q8_0)
      return emitOpError() << "quantizes its input as " << stringifyQuantFormat(*inputQuant)
                           << "; only q8_0 is supported";
    if (!getScales() || getQuant() != QuantFormat::q8_0)
      return emitOpError() << "quantizes its input (input_quant) but its weight is not q8_0";
  }
  // Checked: with in-features 0 the weight is empty whatever blocks x block
  // rows is, so SizesFitInt64 does not bound this product.
  std::optional<int64_t> out = ShapedType::isDynamic(weight.getDimSize(0)) ||
                                       ShapedType::isDynamic(weight.getDimSize(2))
                                   ? ShapedType::kDynamic
                                   : llvm::checkedMul(weight.getDimSize(0), weight.getDimSize(2));
  if (!out)
    return emitOpError() << "has out-features (" << weight.getDimSize(0) << " blocks x "
                         << weight.getDimSize(2) << " block rows) that overflow int64";
  return checkDim(*this, "result", result, 1, *out, "out-features = blocks x block rows");
}

LogicalResult DotI8Op::verify() {
  int64_t lanes = getAcc().getType().getDimSize(0), bytes = getLhs().getType().getDimSize(0);
  if (bytes != 4 * lanes)
    return emitOpError() << "has " << bytes << " bytes for " << lanes
                         << " lanes; expected 4 bytes a lane";
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyPositiveFinite(*this, getEpsilon(), "epsilon")))
    return failure();
  // The bias has the weight's type (AllTypesMatch).
  return checkDim(*this, "weight", getWeight().getType(), 0,
                  getInput().getType().getDimSize(1), "the row width");
}

LogicalResult BiasAddOp::verify() {
  return checkDim(*this, "bias", getBias().getType(), 0, getInput().getType().getDimSize(1),
                  "the row width");
}

LogicalResult LearnedPositionsOp::verify() {
  auto input = getInput().getType(), table = getTable().getType();
  if (failed(checkDim(*this, "table", table, 1, input.getDimSize(1), "the row width")))
    return failure();
  int64_t tokens = input.getDimSize(0), rows = table.getDimSize(0);
  if (!ShapedType::isDynamic(tokens) && !ShapedType::isDynamic(rows) && tokens > rows)
    return emitOpError() << "adds positions to " << tokens << " tokens from a table of "
                         << rows << " positions";
  return success();
}

LogicalResult SinusoidalPositionsOp::verify() {
  int64_t width = getInput().getType().getDimSize(1);
  if (!ShapedType::isDynamic(width) && width % 2 != 0)
    return emitOpError() << "expects an even row width (sin and cos lanes), got " << width;
  // base^(-2i / D) must fall with i: a base of 1 or less gives every lane the
  // same (or a growing) frequency.
  APFloat base = getBase();
  if (!base.isFinite() || base.compare(APFloat(base.getSemantics(), 1)) != APFloat::cmpGreaterThan)
    return emitOpError() << "expects a finite base greater than 1, got "
                         << base.convertToDouble();
  return success();
}

LogicalResult RopeOp::verify() {
  int64_t headDim = getInput().getType().getDimSize(2);
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError() << "expects an even head_dim to rotate pairs, got " << headDim;
  return verifyPositiveFinite(*this, getTheta(), "theta");
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

namespace {
/// The layer (static `layer` or dynamic `layerIndex`, exactly one) and the
/// (kv_heads, head_dim) of a cache access.
LogicalResult verifyCacheAccess(Operation *op, MemRefType cache, Value layerIndex,
                                std::optional<uint64_t> layerAttr, ShapedType value,
                                unsigned headsDim, unsigned widthDim) {
  if (static_cast<bool>(layerIndex) == layerAttr.has_value())
    return op->emitOpError() << "expects exactly one of a static layer and a layer index, got "
                             << (layerIndex ? "both" : "neither");
  int64_t layers = cache.getDimSize(0);
  if (layerAttr) {
    // I64Attr getters are unsigned: read the layer back as the signed value it was.
    int64_t layer = static_cast<int64_t>(*layerAttr);
    if (layer < 0 || (!ShapedType::isDynamic(layers) && layer >= layers))
      return op->emitOpError() << "layer " << layer << " is outside the cache's " << layers
                               << " layers";
  }
  if (failed(checkDim(op, "value", value, headsDim, cache.getDimSize(1), "kv heads")) ||
      failed(checkDim(op, "value", value, widthDim, cache.getDimSize(3), "head_dim")))
    return failure();
  return success();
}
} // namespace

LogicalResult CacheWriteOp::verify() {
  auto value = getValue().getType();
  if (failed(verifyCacheAccess(*this, getCache().getType(), getLayerIndex(), getLayer(), value,
                               1, 2)))
    return failure();
  int64_t tokens = value.getDimSize(0), context = getCache().getType().getDimSize(2);
  if (!ShapedType::isDynamic(tokens) && !ShapedType::isDynamic(context) && tokens > context)
    return emitOpError() << "writes " << tokens << " positions into a cache of " << context;
  return success();
}

LogicalResult CacheReadOp::verify() {
  auto result = getResult().getType();
  if (failed(verifyCacheAccess(*this, getCache().getType(), getLayerIndex(), getLayer(), result,
                               0, 2)))
    return failure();
  int64_t length = result.getDimSize(1), context = getCache().getType().getDimSize(2);
  if (!ShapedType::isDynamic(length) && !ShapedType::isDynamic(context) && length > context)
    return emitOpError() << "reads " << length << " positions from a cache of " << context;
  return success();
}

/// `[%l]` (the dynamic layer index) or `[2]` (a static layer) of the cache ops.
static ParseResult parseCacheLayer(OpAsmParser &parser,
                                   std::optional<OpAsmParser::UnresolvedOperand> &layerIndex,
                                   IntegerAttr &layer) {
  OpAsmParser::UnresolvedOperand operand;
  OptionalParseResult parsed = parser.parseOptionalOperand(operand);
  if (parsed.has_value()) {
    if (failed(*parsed))
      return failure();
    layerIndex = operand;
    return success();
  }
  int64_t value;
  if (parser.parseInteger(value))
    return failure();
  layer = parser.getBuilder().getI64IntegerAttr(value);
  return success();
}

static void printCacheLayer(OpAsmPrinter &printer, Operation *, Value layerIndex,
                            IntegerAttr layer) {
  if (layerIndex)
    printer << layerIndex;
  else if (layer)
    printer << layer.getInt();
}

//===----------------------------------------------------------------------===//
// Attention and its decomposition
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto query = getQuery().getType(), key = getKey().getType(), value = getValue().getType();
  if (failed(verifyHeads(*this, getHeads(), getKvHeads(), query.getDimSize(1),
                         key.getDimSize(0))) ||
      failed(verifyPositiveFinite(*this, getScale(), "scale")) ||
      failed(verifyMaskWindow(*this, getMask(), getWindow())))
    return failure();
  for (unsigned d = 0; d < 3; ++d)
    if (failed(checkDim(*this, "value", value, d, key.getDimSize(d), "same as the keys")))
      return failure();
  if (failed(checkDim(*this, "key", key, 2, query.getDimSize(2), "head_dim")))
    return failure();
  for (unsigned d = 0; d < 3; ++d)
    if (failed(checkDim(*this, "result", getResult().getType(), d, query.getDimSize(d),
                        "same as the query")))
      return failure();
  return success();
}

LogicalResult ScoresOp::verify() {
  auto query = getQuery().getType(), key = getKey().getType(), result = getResult().getType();
  if (failed(verifyHeads(*this, getHeads(), getKvHeads(), query.getDimSize(1),
                         key.getDimSize(0))) ||
      failed(verifyPositiveFinite(*this, getScale(), "scale")) ||
      failed(checkDim(*this, "key", key, 2, query.getDimSize(2), "head_dim")) ||
      failed(checkDim(*this, "result", result, 0, getHeads(), "heads")) ||
      failed(checkDim(*this, "result", result, 1, query.getDimSize(0), "queries")) ||
      failed(checkDim(*this, "result", result, 2, key.getDimSize(1), "keys")))
    return failure();
  return success();
}

LogicalResult MaskOp::verify() { return verifyMaskWindow(*this, getMask(), getWindow()); }

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for a rank-" << rank
                         << " input";
  return success();
}

LogicalResult WeightedSumOp::verify() {
  auto probs = getProbs().getType(), value = getValue().getType(), result = getResult().getType();
  if (failed(verifyHeads(*this, getHeads(), getKvHeads(), probs.getDimSize(0),
                         value.getDimSize(0))) ||
      failed(checkDim(*this, "value", value, 1, probs.getDimSize(2), "keys")) ||
      failed(checkDim(*this, "result", result, 0, probs.getDimSize(1), "queries")) ||
      failed(checkDim(*this, "result", result, 1, getHeads(), "heads")) ||
      failed(checkDim(*this, "result", result, 2, value.getDimSize(2), "head_dim")))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/attn/IR/AttnOps.cpp.inc"
