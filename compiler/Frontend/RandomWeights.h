//===- RandomWeights.h - Deterministic random model weights -----*- C++ -*-===//
//
// Weights for any description without a checkpoint, for tests and for
// benchmarking shapes (stories15M/42M/110M) whose trained weights are not at
// hand. They are a pure function of the seed, each tensor's name and each
// element's index, computed with integer arithmetic and correctly rounded
// IEEE operations that leave a compiler no choice (no FMA to fuse, no
// library function but sqrt), so the same seed gives bit-identical weights on
// every platform, and adding a tensor does not change the others.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_RANDOMWEIGHTS_H
#define ATTNC_FRONTEND_RANDOMWEIGHTS_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include <cstdint>

namespace attnc {

/// Fills `out` with every tensor of `spec` (a tied `output` aliases
/// `tok_embeddings`). Element i of tensor `name` is the i-th output of
/// splitmix64 seeded with splitmix64's mix of (seed ^ mix(fnv1a64(name))),
/// its top 24 bits u / 2^24 mapped to x = 2u - 1 in [-1, 1), then scaled:
///   linear layers (out, in)   x / sqrt(in)   (the usual fan-in init, so
///                                             activations keep their size)
///   tok_embeddings            x * 0.5
///   pos_embeddings            x * 0.1
///   norm weights              1 + x * 0.1
///   biases (also norms')      x * 0.05
void generateRandomWeights(const ModelSpec &spec, uint64_t seed, ModelWeights &out);

} // namespace attnc

#endif // ATTNC_FRONTEND_RANDOMWEIGHTS_H
