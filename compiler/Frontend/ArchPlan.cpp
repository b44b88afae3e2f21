//===- ArchPlan.cpp - The tensors and layer structure of a model ----------===//
//
// The table of tensor kinds, and the lists derived from it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/ArchPlan.h"

namespace attnc {

namespace {

using Shape = llvm::SmallVector<int64_t, 2>;

bool always(const ModelSpec &) { return true; }
bool layerNorm(const ModelSpec &s) { return s.norm.kind == NormKind::Layer; }
bool learnedPositions(const ModelSpec &s) {
  return s.attention.position == PositionKind::Learned;
}
bool finalNorm(const ModelSpec &s) { return s.norm.final; }
bool finalNormBias(const ModelSpec &s) { return s.norm.final && layerNorm(s); }
bool untied(const ModelSpec &s) { return !s.tieEmbeddings; }
bool qkvBias(const ModelSpec &s) { return s.attention.qkvBias; }
bool outBias(const ModelSpec &s) { return s.attention.outBias; }
bool mlpBias(const ModelSpec &s) { return s.mlp.bias; }
bool gated(const ModelSpec &s) { return s.mlp.gated(); }
bool gatedBias(const ModelSpec &s) { return s.mlp.gated() && s.mlp.bias; }

int64_t qDim(const ModelSpec &s) { return s.attention.heads * s.headDim(); }

Shape vocabByDim(const ModelSpec &s) { return {s.vocabSize, s.dim}; }
Shape contextByDim(const ModelSpec &s) { return {s.contextLength, s.dim}; }
Shape dimVector(const ModelSpec &s) { return {s.dim}; }
Shape qVector(const ModelSpec &s) { return {qDim(s)}; }
Shape kvVector(const ModelSpec &s) { return {s.kvDim()}; }
Shape hiddenVector(const ModelSpec &s) { return {s.mlp.hidden}; }
Shape qByDim(const ModelSpec &s) { return {qDim(s), s.dim}; }
Shape kvByDim(const ModelSpec &s) { return {s.kvDim(), s.dim}; }
Shape dimByQ(const ModelSpec &s) { return {s.dim, qDim(s)}; }
Shape hiddenByDim(const ModelSpec &s) { return {s.mlp.hidden, s.dim}; }
Shape dimByHidden(const ModelSpec &s) { return {s.dim, s.mlp.hidden}; }

// The order matters: it is the canonical order of listTensors, which the
// checksum walks; for a Llama model it is tok_embeddings, per layer
// attention_norm wq wk wv wo ffn_norm w1 w2 w3, norm, output.
const TensorKind kKinds[] = {
    {"tok_embeddings", false, TensorRole::Embedding, always, vocabByDim},
    {"pos_embeddings", false, TensorRole::Positions, learnedPositions, contextByDim},
    {"attention_norm", true, TensorRole::Norm, always, dimVector},
    {"attention_norm_bias", true, TensorRole::NormBias, layerNorm, dimVector},
    {"wq", true, TensorRole::Linear, always, qByDim},
    {"bq", true, TensorRole::Bias, qkvBias, qVector},
    {"wk", true, TensorRole::Linear, always, kvByDim},
    {"bk", true, TensorRole::Bias, qkvBias, kvVector},
    {"wv", true, TensorRole::Linear, always, kvByDim},
    {"bv", true, TensorRole::Bias, qkvBias, kvVector},
    {"wo", true, TensorRole::Linear, always, dimByQ},
    {"bo", true, TensorRole::Bias, outBias, dimVector},
    {"ffn_norm", true, TensorRole::Norm, always, dimVector},
    {"ffn_norm_bias", true, TensorRole::NormBias, layerNorm, dimVector},
    {"w1", true, TensorRole::Linear, always, hiddenByDim},
    {"b1", true, TensorRole::Bias, mlpBias, hiddenVector},
    {"w2", true, TensorRole::Linear, always, dimByHidden},
    {"b2", true, TensorRole::Bias, mlpBias, dimVector},
    {"w3", true, TensorRole::Linear, gated, hiddenByDim},
    {"b3", true, TensorRole::Bias, gatedBias, hiddenVector},
    {"norm", false, TensorRole::Norm, finalNorm, dimVector},
    {"norm_bias", false, TensorRole::NormBias, finalNormBias, dimVector},
    {"output", false, TensorRole::Linear, untied, vocabByDim},
};

/// Whether global kind `k` comes before the layers.
bool beforeLayers(const TensorKind &k) {
  return k.role == TensorRole::Embedding || k.role == TensorRole::Positions;
}

void addGlobal(const ModelSpec &spec, bool before, std::vector<TensorInfo> &out) {
  for (const TensorKind &k : kKinds)
    if (!k.perLayer && beforeLayers(k) == before && k.present(spec))
      out.push_back({k.name, k.shape(spec), k.role});
}

void addLayer(const ModelSpec &spec, int64_t layer, std::vector<TensorInfo> &out) {
  for (const TensorKind &k : kKinds)
    if (k.perLayer && k.present(spec))
      out.push_back({layerTensorName(layer, k.name), k.shape(spec), k.role});
}

double elements(const Shape &shape) {
  double n = 1;
  for (int64_t d : shape)
    n *= double(d);
  return n;
}

} // namespace

llvm::ArrayRef<TensorKind> tensorKinds() { return kKinds; }

std::string layerTensorName(int64_t layer, llvm::StringRef kind) {
  return "layers." + std::to_string(layer) + "." + kind.str();
}

std::vector<TensorInfo> listTensors(const ModelSpec &spec) {
  std::vector<TensorInfo> tensors;
  // Up to ~20 * 65536 entries: no copying on the way.
  tensors.reserve(size_t(std::size(kKinds)) * size_t(spec.layers + 1));
  addGlobal(spec, /*before=*/true, tensors);
  for (int64_t l = 0; l < spec.layers; ++l)
    addLayer(spec, l, tensors);
  addGlobal(spec, /*before=*/false, tensors);
  return tensors;
}

std::vector<TensorInfo> layerTensors(const ModelSpec &spec, int64_t layer) {
  std::vector<TensorInfo> tensors;
  addLayer(spec, layer, tensors);
  return tensors;
}

double parameterCount(const ModelSpec &spec) {
  // Per-layer shapes are the same in every layer: count one and multiply.
  // Each dim is one of the spec's sizes, so the shapes themselves are exact;
  // the products are taken in double.
  double global = 0, perLayer = 0;
  for (const TensorKind &k : kKinds)
    if (k.present(spec))
      (k.perLayer ? perLayer : global) += elements(k.shape(spec));
  return global + double(spec.layers) * perLayer;
}

bool hasTensor(const ModelSpec &spec, llvm::StringRef name) {
  if (name.consume_front("layers.")) {
    auto [index, kind] = name.split('.');
    int64_t layer;
    if (index.getAsInteger(10, layer) || layer < 0 || layer >= spec.layers)
      return false;
    name = kind;
    for (const TensorKind &k : kKinds)
      if (k.perLayer && name == k.name)
        return k.present(spec);
    return false;
  }
  for (const TensorKind &k : kKinds)
    if (!k.perLayer && name == k.name)
      return k.present(spec);
  return false;
}

} // namespace attnc
