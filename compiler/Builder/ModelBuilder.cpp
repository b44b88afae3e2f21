//===- ModelBuilder.cpp - ModelSpec to attn IR ----------------------------===//
//
// Emits the layers of a model as attn ops, following the architecture plan
// (compiler/Frontend/ArchPlan.h): the spec says how positions enter, which
// norm goes where and which activation the MLP has; the weight layout says
// which tensors (biases) exist. Attention runs over a KV cache. The layers
// are one `scf.for` over the layer index whose body is emitted once: each
// per-layer weight is read at `offset + l * layer_stride` (the weight layout
// spaces every layer's copy evenly) and the KV cache at layer l, so that
// compile time and object size do not grow with depth, while every weight
// shape stays static for the vectorizer and the body reads like the
// description. The residual stream is the loop's one iter_arg, copied back
// into its own buffer at the end of the body.
// Every op is located at the description line it comes from (the key's
// FileLineColLoc, in a NameLoc naming the block or tensor: "layers.attention",
// "layers.*.wq", "output"); for a checkpoint compiled directly, at the
// checkpoint (line 0), named the same way. The locations survive lowering to
// LLVM debug locations (attnc compile -g).
// With tracing on, a third function, `attn_trace`, is `attn_prefill` plus
// attn.trace ops that copy the hidden states at each boundary of a layer and
// the attention weights into a buffer (layout in runtime's abi.h): attention
// is emitted already decomposed there, so its probabilities are a value.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/ModelBuilder.h"

#include "compiler/Frontend/ArchPlan.h"

#include "dialects/attn/IR/AttnOps.h"
#include "dialects/attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace attnc;

namespace {

attn::MaskKind toMaskKind(MaskKind kind) {
  switch (kind) {
  case MaskKind::Causal:
    return attn::MaskKind::causal;
  case MaskKind::None:
    return attn::MaskKind::none;
  case MaskKind::SlidingWindow:
    return attn::MaskKind::sliding_window;
  }
  llvm_unreachable("unknown mask kind");
}

/// Emits one entry point; `tokens` is the static token count or kDynamic.
class FunctionBuilder {
  /// While alive, the ops built are located at the description's `key` (or,
  /// when the description leaves it out, its section's key, else `layers`)
  /// and named `name`.
  class Located {
  public:
    Located(FunctionBuilder &f, StringRef key, const std::string &name)
        : f(f), savedLoc(f.loc), savedFile(f.fileLoc) {
      f.fileLoc = f.descriptionLoc(key);
      f.loc = NameLoc::get(f.b.getStringAttr(name), f.fileLoc);
    }
    ~Located() {
      f.loc = savedLoc;
      f.fileLoc = savedFile;
    }

  private:
    FunctionBuilder &f;
    Location savedLoc, savedFile;
  };

public:
  FunctionBuilder(OpBuilder &b, const ModelSpec &spec, const WeightLayout &layout,
                  bool int8Activations)
      : b(b), spec(spec), layout(layout), int8Activations(int8Activations),
        f32(b.getF32Type()) {}

  /// `withTrace`: the function also takes the trace buffer and records into it.
  void build(StringRef name, int64_t tokens, bool withTrace = false);

private:
  RankedTensorType tensor(ArrayRef<int64_t> shape) { return RankedTensorType::get(shape, f32); }
  Type elementType(ElementType type) {
    switch (type) {
    case ElementType::BF16:
      return b.getBF16Type();
    case ElementType::F16:
      return b.getF16Type();
    case ElementType::Q8_0:
    case ElementType::Q4_0: // the bytes; the consumer's `quant` says how to read them
      return b.getI8Type();
    case ElementType::F32:
      break;
    }
    return f32;
  }

  Location descriptionLoc(StringRef key) {
    SpecOrigin::Position at;
    for (StringRef k : {key, key.split('.').first, StringRef("layers")}) {
      auto it = spec.origin.keys.find(k.str());
      if (it != spec.origin.keys.end()) {
        at = it->second;
        break;
      }
    }
    if (spec.origin.file.empty())
      return b.getUnknownLoc();
    return FileLineColLoc::get(b.getStringAttr(spec.origin.file), at.line, at.column);
  }
  /// The function's location, at the description's `name:` line. Its file
  /// is made absolute: LLVM debug info (-g) takes the file and directory of
  /// every function's scope from it (the ops' own lines are in that file).
  Location functionLoc(StringRef name) {
    if (spec.origin.file.empty())
      return NameLoc::get(b.getStringAttr(name), b.getUnknownLoc());
    SmallString<256> path(spec.origin.file);
    llvm::sys::fs::make_absolute(path);
    auto it = spec.origin.keys.find("name");
    SpecOrigin::Position at = it == spec.origin.keys.end() ? SpecOrigin::Position() : it->second;
    return NameLoc::get(b.getStringAttr(name),
                        FileLineColLoc::get(b.getStringAttr(path), at.line, at.column));
  }
  /// Where the ops on tensor `name` go: the current line, named by the tensor.
  Location tensorLoc(StringRef name) { return NameLoc::get(b.getStringAttr(name), fileLoc); }

  /// The global tensor `name`, or with `layer` set the per-layer tensor of
  /// kind `name` ("wq", ...) of the layer `layer` (the loop index).
  Value weight(const std::string &name, Value layer = {}) {
    if (!layer) {
      const WeightSlot &slot = layout.get(name);
      return b.create<attn::WeightOp>(tensorLoc(name),
                                      RankedTensorType::get(slot.storedShape, elementType(slot.type)),
                                      blob, b.getStringAttr(slot.name),
                                      b.getI64IntegerAttr(slot.offset));
    }
    const WeightSlot &slot = layout.get(layerTensorName(0, name));
    int64_t stride = *layout.layerStride(name, spec.layers);
    return b.create<attn::WeightOp>(tensorLoc("layers.*." + name),
                                    RankedTensorType::get(slot.storedShape, elementType(slot.type)),
                                    blob, b.getStringAttr("layers.*." + name),
                                    b.getI64IntegerAttr(slot.offset), layer,
                                    b.getI64IntegerAttr(stride));
  }
  /// The Q8_0 or Q4_0 scales of the matrix `name` stored in `slot`, or null
  /// when it is not quantized.
  Value scales(const WeightSlot &slot, const std::string &name, Value layer = {}) {
    if (!isBlockQuantized(slot.type))
      return {};
    return weight(name + ".scales", layer);
  }
  /// How the bytes of a quantized `slot` hold its values (q8_0 for the
  /// rest, the ops' default).
  attn::QuantFormat quantFormat(const WeightSlot &slot) {
    return slot.type == ElementType::Q4_0 ? attn::QuantFormat::q4_0 : attn::QuantFormat::q8_0;
  }
  /// Whether the model has the weight `name` (of kind `name` in the layers
  /// when `perLayer`).
  bool hasWeight(const std::string &name, bool perLayer) {
    return layout.find(perLayer ? layerTensorName(0, name) : name) != nullptr;
  }
  /// x w^T for the packed matrix `name`, plus its bias `biasName` if the
  /// model has one; per-layer tensors of layer `layer` when it is set.
  Value linear(Value x, const std::string &name, const std::string &biasName = "",
               Value layer = {}) {
    const WeightSlot &slot = layout.get(layer ? layerTensorName(0, name) : name);
    int64_t out = slot.storedShape[0] * slot.storedShape[2];
    auto type = tensor({cast<RankedTensorType>(x.getType()).getDimSize(0), out});
    std::string prefix = layer ? "layers.*." : "";
    // The input is quantized (to q8_0 blocks) only for a q8_0 weight.
    attn::QuantFormatAttr inputQuant;
    if (int8Activations && slot.type == ElementType::Q8_0)
      inputQuant = attn::QuantFormatAttr::get(b.getContext(), attn::QuantFormat::q8_0);
    Value y = b.create<attn::LinearOp>(tensorLoc(prefix + name), type, x, weight(name, layer),
                                       scales(slot, name, layer), quantFormat(slot), inputQuant);
    if (!biasName.empty() && hasWeight(biasName, static_cast<bool>(layer)))
      y = b.create<attn::BiasAddOp>(tensorLoc(prefix + biasName), type, y,
                                    weight(biasName, layer));
    return y;
  }
  /// The norm `name` (its bias is `name`_bias for a layer norm), of layer
  /// `layer` when it is set.
  Value norm(Value x, const std::string &name, Value layer = {}) {
    Located here(*this, "norm", (layer ? "layers.*." : "") + name);
    auto eps = b.getF32FloatAttr(static_cast<float>(spec.norm.eps));
    if (spec.norm.kind == NormKind::Layer)
      return b.create<attn::LayerNormOp>(loc, x.getType(), x, weight(name, layer),
                                         weight(name + "_bias", layer), eps);
    return b.create<attn::RmsNormOp>(loc, x.getType(), x, weight(name, layer), eps);
  }
  Value rope(Value x) {
    auto theta = b.getF32FloatAttr(static_cast<float>(spec.attention.ropeTheta));
    auto pairs = spec.attention.ropePairs == RopePairs::Halves ? attn::RopePairs::halves
                                                               : attn::RopePairs::adjacent;
    return b.create<attn::RopeOp>(loc, x.getType(), x, position, theta,
                                  attn::RopePairsAttr::get(b.getContext(), pairs));
  }
  /// (T, heads * hd) -> (T, heads, hd) and back.
  Value splitHeads(Value x, int64_t heads) {
    auto type = cast<RankedTensorType>(x.getType());
    return b.create<tensor::ExpandShapeOp>(
        loc, tensor({type.getDimSize(0), heads, spec.headDim()}), x,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  }
  Value mergeHeads(Value x) {
    return b.create<tensor::CollapseShapeOp>(loc, x,
                                             ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  }

  /// The attention block of layer `l` (the loop index) on the normed input
  /// `h`, through wo (and bo).
  Value attention(Value h, Value l);
  /// The MLP block on the normed input `h`, through w2 (and b2).
  Value mlp(Value h, Value l);
  Value layer(Value x, Value l);
  /// With tracing on, records `value` at `point` of layer `l` (or, without
  /// `l`, of the part before the layers) as abi.h lays the buffer out.
  void trace(StringRef point, Value value, Value l = {});
  /// The loop over the layers, from and to the residual stream `x`.
  Value layers(Value x);

  OpBuilder &b;
  const ModelSpec &spec;
  const WeightLayout &layout;
  bool int8Activations; // see buildModelModule
  Type f32;
  // Where the ops being built go (see Located).
  Location loc = b.getUnknownLoc();
  Location fileLoc = b.getUnknownLoc();
  // Arguments of the function being built.
  Value blob, position, keyCache, valueCache, length;
  // The trace buffer (null when not tracing) and the token count T.
  Value traceBuffer, count;
};

void FunctionBuilder::trace(StringRef point, Value value, Value l) {
  if (!traceBuffer)
    return;
  // abi.h: embedding (T, dim), then per layer: attention.probs
  // (heads, T, N), attention (T, heads, head_dim), mlp (T, dim), residual
  // (T, dim); N = length, the keys visible to this call.
  auto index = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  auto mul = [&](Value a, Value c) -> Value { return b.create<arith::MulIOp>(loc, a, c); };
  auto add = [&](Value a, Value c) -> Value { return b.create<arith::AddIOp>(loc, a, c); };
  const AttentionSpec &att = spec.attention;
  Value hidden = mul(count, index(spec.dim));
  Value offset = index(0);
  if (l) {
    Value probs = mul(mul(index(att.heads), count), length);
    Value attended = mul(count, index(att.heads * spec.headDim()));
    Value perLayer = add(add(probs, attended), mul(hidden, index(2)));
    offset = add(hidden, mul(l, perLayer));
    if (point != "attention.probs")
      offset = add(offset, probs);
    if (point == "mlp" || point == "residual")
      offset = add(offset, attended);
    if (point == "residual")
      offset = add(offset, hidden);
  }
  b.create<attn::TraceOp>(loc, value, traceBuffer, offset, b.getStringAttr(point));
}

Value FunctionBuilder::attention(Value h, Value l) {
  Located here(*this, "attention", "layers.attention");
  const AttentionSpec &att = spec.attention;
  Value q = splitHeads(linear(h, "wq", "bq", l), att.heads);
  Value k = splitHeads(linear(h, "wk", "bk", l), att.kvHeads);
  Value v = splitHeads(linear(h, "wv", "bv", l), att.kvHeads);
  if (att.position == PositionKind::Rope) {
    q = rope(q);
    k = rope(k);
  }
  b.create<attn::CacheWriteOp>(loc, k, keyCache, position, l, IntegerAttr());
  b.create<attn::CacheWriteOp>(loc, v, valueCache, position, l, IntegerAttr());

  auto cachedType = tensor({att.kvHeads, ShapedType::kDynamic, spec.headDim()});
  Value keys = b.create<attn::CacheReadOp>(loc, cachedType, keyCache, length, l, IntegerAttr());
  Value values =
      b.create<attn::CacheReadOp>(loc, cachedType, valueCache, length, l, IntegerAttr());
  float scale = 1.0f / std::sqrt(static_cast<float>(spec.headDim()));
  auto op = b.create<attn::AttentionOp>(
      loc, q.getType(), q, keys, values, position, b.getI64IntegerAttr(att.heads),
      b.getI64IntegerAttr(att.kvHeads), b.getF32FloatAttr(scale),
      attn::MaskKindAttr::get(b.getContext(), toMaskKind(att.mask)),
      b.getI64IntegerAttr(att.mask == MaskKind::SlidingWindow ? att.window : 0));
  Value attended = op;
  if (traceBuffer) {
    attn::DecomposedAttention steps = attn::decomposeAttention(b, op);
    op.erase();
    trace("attention.probs", steps.probs, l);
    trace("attention", steps.result, l);
    attended = steps.result;
  }
  return linear(mergeHeads(attended), "wo", "bo", l);
}

Value FunctionBuilder::mlp(Value h, Value l) {
  Located here(*this, "mlp", "layers.mlp");
  Value up = linear(h, "w1", "b1", l);
  switch (spec.mlp.activation) {
  case Activation::SwiGLU:
    up = b.create<attn::SwigluOp>(loc, up.getType(), up, linear(h, "w3", "b3", l));
    break;
  case Activation::Gelu:
  case Activation::GeluTanh: {
    auto approximation = spec.mlp.activation == Activation::Gelu ? attn::GeluApproximation::none
                                                                 : attn::GeluApproximation::tanh;
    up = b.create<attn::GeluOp>(loc, up.getType(), up,
                                attn::GeluApproximationAttr::get(b.getContext(), approximation));
    break;
  }
  case Activation::Relu:
    up = b.create<attn::ReluOp>(loc, up.getType(), up);
    break;
  }
  return linear(up, "w2", "b2", l);
}

Value FunctionBuilder::layer(Value x, Value l) {
  auto add = [&](Value a, Value c) { return b.create<attn::AddOp>(loc, a.getType(), a, c); };
  auto traced = [&](Value mlpOut) {
    trace("mlp", mlpOut, l);
    return mlpOut;
  };
  if (spec.norm.placement == NormPlacement::Pre) {
    x = add(x, attention(norm(x, "attention_norm", l), l));
    return add(x, traced(mlp(norm(x, "ffn_norm", l), l)));
  }
  x = norm(add(x, attention(x, l)), "attention_norm", l);
  return norm(add(x, traced(mlp(x, l))), "ffn_norm", l);
}

Value FunctionBuilder::layers(Value x) {
  Located here(*this, "layers", "layers");
  Value lower = b.create<arith::ConstantIndexOp>(loc, 0);
  Value upper = b.create<arith::ConstantIndexOp>(loc, spec.layers);
  Value step = b.create<arith::ConstantIndexOp>(loc, 1);
  auto loop = b.create<scf::ForOp>(
      loc, lower, upper, step, ValueRange{x},
      [&](OpBuilder &nested, Location, Value l, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nested.getInsertionBlock());
        Value next = layer(carried[0], l);
        trace("residual", next, l);
        // The next layer's input is copied to where this layer's came from:
        // yielded in the iter_arg's own buffer, the loop needs no new buffer
        // per iteration (one-shot bufferization would otherwise allocate
        // one in every iteration to yield, which attn_decode must not do).
        // A copy (T x D floats), not materialize_in_destination: empty-
        // tensor elimination would compute the last residual add into the
        // iter_arg through the latter, which MLIR 19's one-shot analysis
        // then rejects as a read-after-write conflict.
        Value stored =
            b.create<linalg::CopyOp>(loc, next, carried[0]).getResult(0);
        b.create<scf::YieldOp>(loc, stored);
      });
  return loop.getResult(0);
}

void FunctionBuilder::build(StringRef name, int64_t tokens, bool withTrace) {
  Located function(*this, "name", name.str());
  auto cacheType = MemRefType::get(
      {spec.layers, spec.attention.kvHeads, spec.contextLength, spec.headDim()}, f32);
  SmallVector<Type> args = {RankedTensorType::get({tokens}, b.getI32Type()),
                            b.getIndexType(),
                            RankedTensorType::get({ShapedType::kDynamic}, b.getI8Type()),
                            cacheType,
                            cacheType,
                            MemRefType::get({tokens, spec.vocabSize}, f32)};
  if (withTrace)
    args.push_back(MemRefType::get({ShapedType::kDynamic}, f32));
  auto func = b.create<func::FuncOp>(functionLoc(name), name, b.getFunctionType(args, {}));
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());

  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tokenIds = entry->getArgument(0);
  position = entry->getArgument(1);
  blob = entry->getArgument(2);
  keyCache = entry->getArgument(3);
  valueCache = entry->getArgument(4);
  Value logitsOut = entry->getArgument(5);
  traceBuffer = withTrace ? entry->getArgument(6) : Value();

  // Keys visible to this call: everything cached before it plus its own tokens.
  count = b.create<tensor::DimOp>(loc, tokenIds, 0);
  length = b.create<arith::AddIOp>(loc, position, count);

  std::optional<Located> part;
  part.emplace(*this, "vocab_size", "tok_embeddings");
  Value embeddings = weight("tok_embeddings");
  auto embeddedType = tensor({tokens, spec.dim});
  const WeightSlot &table = layout.get("tok_embeddings");
  Value x = b.create<attn::EmbeddingOp>(loc, embeddedType, embeddings, tokenIds,
                                       scales(table, "tok_embeddings"), quantFormat(table));
  part.reset();
  part.emplace(*this, "attention.position", "positions");
  switch (spec.attention.position) {
  case PositionKind::Learned:
    x = b.create<attn::LearnedPositionsOp>(loc, x.getType(), x, weight("pos_embeddings"),
                                           position);
    break;
  case PositionKind::Sinusoidal:
    x = b.create<attn::SinusoidalPositionsOp>(loc, x.getType(), x, position,
                                              b.getF32FloatAttr(10000.0f));
    break;
  case PositionKind::Rope: // in each layer
  case PositionKind::None:
    break;
  }
  trace("embedding", x);
  part.reset();
  x = layers(x);
  part.emplace(*this, spec.origin.keys.count("tie_embeddings") ? "tie_embeddings" : "vocab_size",
               "output");
  if (ShapedType::isDynamic(tokens)) {
    // The classifier runs on the last R positions only, R the rows of the
    // logits buffer: 1 when generating (only the last position's logits are
    // sampled), every position when the runtime writes them all out.
    Value rows = b.create<memref::DimOp>(loc, logitsOut, 0);
    Value start = b.create<arith::SubIOp>(loc, count, rows);
    x = b.create<tensor::ExtractSliceOp>(
        loc, embeddedType, x, ArrayRef<OpFoldResult>{start, b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{rows, b.getIndexAttr(spec.dim)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  }
  if (spec.norm.final) {
    part.reset();
    x = norm(x, "norm");
    part.emplace(*this,
                 spec.origin.keys.count("tie_embeddings") ? "tie_embeddings" : "vocab_size",
                 "output");
  }
  Value logits = linear(x, "output");

  auto store = b.create<bufferization::MaterializeInDestinationOp>(loc, logits, logitsOut);
  store.setRestrict(true);
  store.setWritable(true);
  b.create<func::ReturnOp>(loc);
}

} // namespace

OwningOpRef<ModuleOp> attnc::buildModelModule(MLIRContext &context, const ModelSpec &spec,
                                              const WeightLayout &layout, bool trace,
                                              bool int8Activations) {
  context.loadDialect<attn::AttnDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                      func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                      memref::MemRefDialect, scf::SCFDialect, tensor::TensorDialect>();
  OpBuilder b(&context);
  // Absolute, as the functions' (the compile unit of -g's debug info).
  SmallString<256> path(spec.origin.file);
  llvm::sys::fs::make_absolute(path);
  Location where = spec.origin.file.empty()
                       ? Location(b.getUnknownLoc())
                       : Location(FileLineColLoc::get(b.getStringAttr(path), 0, 0));
  auto module = ModuleOp::create(where, StringRef(spec.name));
  // What the weight layout stored otherwise than asked (a q8_0 or q4_0
  // matrix kept in f32) is said at the description's `name`, as a warning.
  auto named = spec.origin.keys.find("name");
  Location noteLoc = spec.origin.file.empty() || named == spec.origin.keys.end()
                         ? where
                         : Location(FileLineColLoc::get(b.getStringAttr(path),
                                                        named->second.line,
                                                        named->second.column));
  for (const std::string &note : layout.notes)
    emitWarning(noteLoc) << note;
  b.setInsertionPointToEnd(module.getBody());
  FunctionBuilder builder(b, spec, layout, int8Activations);
  builder.build("attn_prefill", ShapedType::kDynamic);
  builder.build("attn_decode", 1);
  if (trace)
    builder.build("attn_trace", ShapedType::kDynamic, /*trace=*/true);
  return module;
}
