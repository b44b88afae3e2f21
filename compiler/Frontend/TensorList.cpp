//===- TensorList.cpp - The tensors a model description implies ----------===//
//
// Spells out Weights.h's naming scheme and llama2.c's storage order (run.c's
// memory_map_weights) for a ModelSpec.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/TensorList.h"

namespace attnc {

std::vector<TensorInfo> listTensors(const ModelSpec &spec) {
  const int64_t d = spec.dim, h = spec.mlp.hidden, v = spec.vocabSize;
  const int64_t qDim = spec.attention.heads * spec.headDim(), kvDim = spec.kvDim();
  std::vector<TensorInfo> tensors;
  // Up to 9 * 65536 entries: no copying on the way.
  tensors.reserve(size_t(9 * spec.layers + 3));
  tensors.push_back({"tok_embeddings", {v, d}, TensorRole::Embedding});
  // llama2.c stacks each kind of tensor over the layers.
  struct PerLayer {
    const char *name;
    int64_t rows, cols; // cols == 0: a vector
    TensorRole role;
  };
  const PerLayer perLayer[] = {
      {"attention_norm", d, 0, TensorRole::Norm}, {"wq", qDim, d, TensorRole::Linear},
      {"wk", kvDim, d, TensorRole::Linear},       {"wv", kvDim, d, TensorRole::Linear},
      {"wo", d, qDim, TensorRole::Linear},        {"ffn_norm", d, 0, TensorRole::Norm},
      {"w1", h, d, TensorRole::Linear},           {"w2", d, h, TensorRole::Linear},
      {"w3", h, d, TensorRole::Linear},
  };
  for (const PerLayer &kind : perLayer) {
    for (int64_t l = 0; l < spec.layers; ++l) {
      TensorInfo info{"layers." + std::to_string(l) + "." + kind.name, {kind.rows}, kind.role};
      if (kind.cols)
        info.shape.push_back(kind.cols);
      tensors.push_back(std::move(info));
    }
  }
  tensors.push_back({"norm", {d}, TensorRole::Norm});
  if (!spec.tieEmbeddings)
    tensors.push_back({"output", {v, d}, TensorRole::Linear});
  return tensors;
}

double parameterCount(const ModelSpec &spec) {
  // Computed from the sizes rather than from listTensors, whose int64 shapes
  // are only safe once the sizes have been found reasonable.
  const double d = spec.dim, h = spec.mlp.hidden, v = spec.vocabSize;
  const double qDim = double(spec.attention.heads) * double(spec.headDim());
  const double kvDim = double(spec.attention.kvHeads) * double(spec.headDim());
  double perLayer = 2 * d + qDim * d + 2 * kvDim * d + d * qDim + 3 * h * d;
  return v * d * (spec.tieEmbeddings ? 1 : 2) + double(spec.layers) * perLayer + d;
}

} // namespace attnc
