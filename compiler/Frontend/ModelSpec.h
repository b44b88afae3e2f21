//===- ModelSpec.h - A parsed transformer description -----------*- C++ -*-===//
//
// The in-memory form of a description file (examples/*.yaml): architecture,
// and where the weights and the tokenizer are. Produced by the description
// parser (Description.h), consumed by the weight importers and the IR builder.
// Paths are already resolved (relative to the description file, or as given
// on the command line).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_MODELSPEC_H
#define ATTNC_FRONTEND_MODELSPEC_H

#include "llvm/Support/SMLoc.h"
#include <cstdint>
#include <string>

namespace attnc {

enum class MaskKind { Causal, None, SlidingWindow };
enum class PositionKind { Rope };
enum class NormKind { Rms };
enum class NormPlacement { Pre };
enum class Activation { SwiGLU };
enum class WeightsFormat { Llama2c, Random };
enum class TokenizerFormat { Llama2c };

struct AttentionSpec {
  int64_t heads = 0;
  int64_t kvHeads = 0;
  MaskKind mask = MaskKind::Causal;
  int64_t window = 0; // keys visible to a query with mask == SlidingWindow
  PositionKind position = PositionKind::Rope;
  double ropeTheta = 10000.0;
};

struct NormSpec {
  NormKind kind = NormKind::Rms;
  double eps = 1e-5;
  NormPlacement placement = NormPlacement::Pre;
};

struct MlpSpec {
  int64_t hidden = 0;
  Activation activation = Activation::SwiGLU;
};

/// Where a file named in the description lives, and where it was named (for
/// diagnostics). `loc` is invalid when the path came from the command line.
struct FileRef {
  std::string path;
  llvm::SMLoc loc;
};

struct ModelSpec {
  std::string name;
  int64_t vocabSize = 0;
  int64_t contextLength = 0;
  int64_t dim = 0;
  int64_t layers = 0;
  AttentionSpec attention;
  NormSpec norm;
  MlpSpec mlp;
  bool tieEmbeddings = true;

  FileRef weights;
  WeightsFormat weightsFormat = WeightsFormat::Llama2c;
  uint64_t randomSeed = 0; // with WeightsFormat::Random
  FileRef tokenizer;       // path empty: no tokenizer (ids in, ids out)
  TokenizerFormat tokenizerFormat = TokenizerFormat::Llama2c;

  int64_t headDim() const { return dim / attention.heads; }
  int64_t kvDim() const { return attention.kvHeads * headDim(); }
};

} // namespace attnc

#endif // ATTNC_FRONTEND_MODELSPEC_H
