//===- TensorList.h - The tensors a model description implies ---*- C++ -*-===//
//
// The one list of a Llama model's logical tensors (names and shapes as
// Weights.h defines them), in the order llama2.c's checkpoint stores them.
// The checkpoint reader and writer walk it to find each tensor's bytes, the
// random generator to know what to generate, and the driver to count
// parameters, so that the names and shapes are written down once.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_TENSORLIST_H
#define ATTNC_FRONTEND_TENSORLIST_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/ADT/SmallVector.h"
#include <cstdint>
#include <string>
#include <vector>

namespace attnc {

/// What a tensor is for; decides how random weights are drawn for it.
enum class TensorRole { Embedding, Linear, Norm };

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

/// Every tensor of `spec` in llama2.c's file order: tok_embeddings, then each
/// kind of per-layer tensor for all layers (attention_norm of layers 0..L-1,
/// then wq of layers 0..L-1, ...), then norm, then `output` only when the
/// classifier is not tied (a tied `output` is an alias, not a tensor).
std::vector<TensorInfo> listTensors(const ModelSpec &spec);

/// The number of parameters of `spec` (a tied classifier counted once), as a
/// double so that absurd sizes cannot overflow; exact below 2^53.
double parameterCount(const ModelSpec &spec);

} // namespace attnc

#endif // ATTNC_FRONTEND_TENSORLIST_H
