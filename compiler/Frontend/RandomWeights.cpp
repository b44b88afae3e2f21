//===- RandomWeights.cpp - Deterministic random model weights ------------===//
//
// splitmix64 (Steele, Lea, Flood 2014; the seeding generator of xoshiro) is
// used as a counter-based generator: output i of a stream is mix(key + (i+1)
// * gamma), so every element is computed independently, with no
// std::*_distribution (whose results differ between standard libraries).
// ~110M floats (stories110M) take well under a second, filled in parallel.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/RandomWeights.h"

#include "compiler/Frontend/ArchPlan.h"
#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cmath>

namespace attnc {

namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ull;

/// splitmix64's output function.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a64(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text)
    hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

/// Fills `data` (elements [first, first + n) of a tensor) with `scale` * x
/// (+ `center` if not zero), x uniform in [-1, 1) with 24 random bits, from
/// the stream `key`.
void fill(float *data, int64_t first, int64_t n, uint64_t key, double scale, double center) {
  for (int64_t i = first; i < first + n; ++i) {
    // x = (2k - 2^24) / 2^24 is exact in float and double: 25 significant bits.
    int64_t k = int64_t(mix(key + uint64_t(i + 1) * kGamma) >> 40);
    double x = double(2 * k - (int64_t(1) << 24)) * 0x1p-24;
    // Rounding the product to float before adding keeps a compiler from
    // fusing the two into an FMA on some targets and not on others.
    float scaled = float(x * scale);
    data[i - first] = center == 0 ? scaled : float(center + double(scaled));
  }
}

} // namespace

void generateRandomWeights(const ModelSpec &spec, uint64_t seed, ModelWeights &out) {
  std::vector<TensorInfo> tensors = listTensors(spec);
  int64_t total = 0;
  for (const TensorInfo &t : tensors)
    total += t.numElements();
  float *storage = out.adoptStorage(std::vector<float>(size_t(total)));
  // Every element is a function of its tensor's key and its index, so the
  // tensors are filled in chunks on all cores with the same result (110M
  // floats take ~0.5 s on one core).
  struct Chunk {
    size_t tensor;
    float *data;
    int64_t first, count;
  };
  constexpr int64_t kChunkFloats = int64_t(1) << 20;
  std::vector<Chunk> chunks;
  float *next = storage;
  for (size_t t = 0; t < tensors.size(); ++t) {
    int64_t n = tensors[t].numElements();
    for (int64_t first = 0; first < n; first += kChunkFloats)
      chunks.push_back({t, next + first, first, std::min(kChunkFloats, n - first)});
    out.add(tensors[t].name, tensors[t].shape, next);
    next += n;
  }
  llvm::parallelFor(0, chunks.size(), [&](size_t i) {
    const Chunk &c = chunks[i];
    const TensorInfo &t = tensors[c.tensor];
    uint64_t key = mix(seed ^ mix(fnv1a64(t.name)));
    switch (t.role) {
    case TensorRole::Linear:
      fill(c.data, c.first, c.count, key, 1.0 / std::sqrt(double(t.shape.back())), 0.0);
      break;
    case TensorRole::Embedding:
      fill(c.data, c.first, c.count, key, 0.5, 0.0);
      break;
    case TensorRole::Positions:
      fill(c.data, c.first, c.count, key, 0.1, 0.0);
      break;
    case TensorRole::Norm:
      fill(c.data, c.first, c.count, key, 0.1, 1.0);
      break;
    case TensorRole::NormBias:
    case TensorRole::Bias:
      fill(c.data, c.first, c.count, key, 0.05, 0.0);
      break;
    }
  });
  if (spec.tieEmbeddings) {
    const WeightTensor *embeddings = out.lookup("tok_embeddings");
    out.add("output", embeddings->shape, embeddings->data);
  }
}

} // namespace attnc
