//===- ModelBuilder.cpp - ModelSpec to attn IR ----------------------------===//
//
// Emits the layers of a Llama-family model (pre-norm, RoPE, grouped-query
// attention over a KV cache, SwiGLU MLP) as attn ops. Layers are unrolled:
// each reads its own weights at static offsets, which keeps every weight shape
// static for the vectorizer and makes the IR read like the description.
//
//===----------------------------------------------------------------------===//
#include "compiler/Builder/ModelBuilder.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <cmath>

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
public:
  FunctionBuilder(OpBuilder &b, const ModelSpec &spec, const WeightLayout &layout)
      : b(b), spec(spec), layout(layout), f32(b.getF32Type()) {}

  void build(StringRef name, int64_t tokens);

private:
  RankedTensorType tensor(ArrayRef<int64_t> shape) { return RankedTensorType::get(shape, f32); }

  Value weight(const std::string &name) {
    const WeightSlot &slot = layout.get(name);
    return b.create<attn::WeightOp>(loc, tensor(slot.storedShape), blob,
                                    b.getStringAttr(slot.name),
                                    b.getI64IntegerAttr(slot.offset));
  }
  Value linear(Value x, const std::string &name) {
    const WeightSlot &slot = layout.get(name);
    int64_t out = slot.storedShape[0] * slot.storedShape[2];
    auto type = tensor({cast<RankedTensorType>(x.getType()).getDimSize(0), out});
    return b.create<attn::LinearOp>(loc, type, x, weight(name));
  }
  Value rmsNorm(Value x, const std::string &name) {
    return b.create<attn::RmsNormOp>(loc, x.getType(), x, weight(name),
                                     b.getF32FloatAttr(static_cast<float>(spec.norm.eps)));
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

  Value layer(Value x, int64_t l);

  OpBuilder &b;
  const ModelSpec &spec;
  const WeightLayout &layout;
  Type f32;
  Location loc = b.getUnknownLoc();
  // Arguments of the function being built.
  Value blob, position, keyCache, valueCache, length;
};

Value FunctionBuilder::layer(Value x, int64_t l) {
  std::string p = "layers." + std::to_string(l) + ".";
  const AttentionSpec &att = spec.attention;
  auto theta = b.getF32FloatAttr(static_cast<float>(att.ropeTheta));

  // Attention block.
  Value xn = rmsNorm(x, p + "attention_norm");
  Value q = splitHeads(linear(xn, p + "wq"), att.heads);
  Value k = splitHeads(linear(xn, p + "wk"), att.kvHeads);
  Value v = splitHeads(linear(xn, p + "wv"), att.kvHeads);
  q = b.create<attn::RopeOp>(loc, q.getType(), q, position, theta);
  k = b.create<attn::RopeOp>(loc, k.getType(), k, position, theta);
  b.create<attn::CacheWriteOp>(loc, k, keyCache, position, b.getI64IntegerAttr(l));
  b.create<attn::CacheWriteOp>(loc, v, valueCache, position, b.getI64IntegerAttr(l));

  auto cachedType = tensor({att.kvHeads, ShapedType::kDynamic, spec.headDim()});
  Value keys = b.create<attn::CacheReadOp>(loc, cachedType, keyCache, length,
                                           b.getI64IntegerAttr(l));
  Value values = b.create<attn::CacheReadOp>(loc, cachedType, valueCache, length,
                                             b.getI64IntegerAttr(l));
  float scale = 1.0f / std::sqrt(static_cast<float>(spec.headDim()));
  Value attended = b.create<attn::AttentionOp>(
      loc, q.getType(), q, keys, values, position, b.getI64IntegerAttr(att.heads),
      b.getI64IntegerAttr(att.kvHeads), b.getF32FloatAttr(scale),
      attn::MaskKindAttr::get(b.getContext(), toMaskKind(att.mask)),
      b.getI64IntegerAttr(att.mask == MaskKind::SlidingWindow ? att.window : 0));
  x = b.create<attn::AddOp>(loc, x.getType(), x, linear(mergeHeads(attended), p + "wo"));

  // MLP block.
  xn = rmsNorm(x, p + "ffn_norm");
  Value gate = linear(xn, p + "w1");
  Value hidden = b.create<attn::SwigluOp>(loc, gate.getType(), gate, linear(xn, p + "w3"));
  return b.create<attn::AddOp>(loc, x.getType(), x, linear(hidden, p + "w2"));
}

void FunctionBuilder::build(StringRef name, int64_t tokens) {
  auto cacheType = MemRefType::get(
      {spec.layers, spec.attention.kvHeads, spec.contextLength, spec.headDim()}, f32);
  SmallVector<Type> args = {RankedTensorType::get({tokens}, b.getI32Type()),
                            b.getIndexType(),
                            tensor({ShapedType::kDynamic}),
                            cacheType,
                            cacheType,
                            MemRefType::get({tokens, spec.vocabSize}, f32)};
  auto func = b.create<func::FuncOp>(loc, name, b.getFunctionType(args, {}));
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

  // Keys visible to this call: everything cached before it plus its own tokens.
  Value count = b.create<tensor::DimOp>(loc, tokenIds, 0);
  length = b.create<arith::AddIOp>(loc, position, count);

  Value embeddings = weight("tok_embeddings");
  auto embeddedType = tensor({tokens, spec.dim});
  Value x = b.create<attn::EmbeddingOp>(loc, embeddedType, embeddings, tokenIds);
  for (int64_t l = 0; l < spec.layers; ++l)
    x = layer(x, l);
  x = rmsNorm(x, "norm");
  Value logits = linear(x, "output");

  auto store = b.create<bufferization::MaterializeInDestinationOp>(loc, logits, logitsOut);
  store.setRestrict(true);
  store.setWritable(true);
  b.create<func::ReturnOp>(loc);
}

} // namespace

OwningOpRef<ModuleOp> attnc::buildModelModule(MLIRContext &context, const ModelSpec &spec,
                                              const WeightLayout &layout) {
  context.loadDialect<attn::AttnDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                      func::FuncDialect, LLVM::LLVMDialect, memref::MemRefDialect,
                      tensor::TensorDialect>();
  OpBuilder b(&context);
  auto module = ModuleOp::create(b.getUnknownLoc(), StringRef(spec.name));
  b.setInsertionPointToEnd(module.getBody());
  FunctionBuilder builder(b, spec, layout);
  builder.build("attn_prefill", ShapedType::kDynamic);
  builder.build("attn_decode", 1);
  return module;
}
