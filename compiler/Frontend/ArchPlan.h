//===- ArchPlan.h - The tensors and layer structure of a model --*- C++ -*-===//
//
// The one architecture plan: every tensor a model of any supported family
// has, with its canonical name, role, shape as a function of the ModelSpec,
// and the condition under which it exists. The importers map their own names
// onto these, the random generator fills them, the weight layout places them,
// the summary and checksum walk them, and the IR builder asks which of them
// exist, so adding a variant (a bias, another norm) is one row here plus its
// lowering.
//
// Canonical names (row-major float tensors; a linear layer's matrix is
// (out, in), as torch's nn.Linear stores it):
//   tok_embeddings (V, D)   pos_embeddings (S, D)   norm (D)   norm_bias (D)
//   output (V, D)
//   layers.l.{attention_norm, attention_norm_bias, wq, bq, wk, bk, wv, bv,
//             wo, bo, ffn_norm, ffn_norm_bias, w1, b1, w2, b2, w3, b3}
// w1 is the matrix the activation is applied to (SwiGLU's gate), w3 SwiGLU's
// up projection, w2 the down projection.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_ARCHPLAN_H
#define ATTNC_FRONTEND_ARCHPLAN_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace attnc {

/// What a tensor is for: decides how it is stored (linear layers are packed)
/// and how random weights are drawn for it.
enum class TensorRole { Embedding, Positions, Linear, Norm, NormBias, Bias };

/// One kind of tensor of the plan: global, or one per layer.
struct TensorKind {
  const char *name; // canonical name, or the per-layer suffix ("wq")
  bool perLayer;
  TensorRole role;
  /// Whether a model of `spec` has it.
  bool (*present)(const ModelSpec &spec);
  /// Its shape for `spec`: 1 or 2 dims, each at most one of the spec's
  /// sizes (so never overflowing).
  llvm::SmallVector<int64_t, 2> (*shape)(const ModelSpec &spec);
};

/// Every kind of tensor, in canonical order: the global ones that come
/// before the layers, the per-layer ones, then the global ones after.
llvm::ArrayRef<TensorKind> tensorKinds();

struct TensorInfo {
  std::string name;
  llvm::SmallVector<int64_t, 2> shape;
  TensorRole role;

  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

/// "layers.3.wq".
std::string layerTensorName(int64_t layer, llvm::StringRef kind);

/// Every tensor of `spec` in canonical order: the global tensors before the
/// layers (tok_embeddings, pos_embeddings), then layer by layer, then the
/// global ones after (norm, norm_bias, output). A tied `output` is an alias
/// of tok_embeddings, not a tensor, and is not listed. Call only once the
/// spec's sizes have been checked (Description.cpp's checkShapes).
std::vector<TensorInfo> listTensors(const ModelSpec &spec);

/// The tensors of one layer, in canonical order.
std::vector<TensorInfo> layerTensors(const ModelSpec &spec, int64_t layer);

/// The number of parameters of `spec` (a tied classifier counted once), as a
/// double so that absurd sizes cannot overflow; exact below 2^53. Safe to
/// call on unchecked sizes.
double parameterCount(const ModelSpec &spec);

/// Whether `spec` has the tensor `name` (canonical, e.g. "layers.0.bq").
bool hasTensor(const ModelSpec &spec, llvm::StringRef name);

} // namespace attnc

#endif // ATTNC_FRONTEND_ARCHPLAN_H
