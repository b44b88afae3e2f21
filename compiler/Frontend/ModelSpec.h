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
#include <map>
#include <string>

namespace attnc {

enum class MaskKind { Causal, None, SlidingWindow };
/// How positions enter the model: rotations of q and k (RoPE), or a vector
/// added to the token embedding (a learned table, or the original
/// Transformer's sinusoids), or not at all.
enum class PositionKind { Rope, Learned, Sinusoidal, None };
/// Which elements of a head RoPE rotates together: (2i, 2i+1) as Meta,
/// llama2.c and GGUF store q and k, or (i, i + head_dim/2) as Hugging Face
/// and GPT-NeoX do (their `rotate_half`).
enum class RopePairs { Adjacent, Halves };
enum class NormKind { Rms, Layer };
/// Pre: x + f(norm(x)), and a final norm before the classifier. Post (the
/// original Transformer, BERT): norm(x + f(x)).
enum class NormPlacement { Pre, Post };
/// SwiGLU is gated: w2(silu(w1 x) * w3 x). The others are not: w2(act(w1 x)).
enum class Activation { SwiGLU, Gelu, GeluTanh, Relu };
enum class WeightsFormat { Llama2c, Gguf, HuggingFace, Random };
enum class TokenizerFormat { Llama2c, Gguf, HuggingFace };

struct AttentionSpec {
  int64_t heads = 0;
  int64_t kvHeads = 0;
  MaskKind mask = MaskKind::Causal;
  int64_t window = 0; // keys visible to a query with mask == SlidingWindow
  PositionKind position = PositionKind::Rope;
  double ropeTheta = 10000.0;
  RopePairs ropePairs = RopePairs::Adjacent;
  bool qkvBias = false; // biases on the q, k and v projections
  bool outBias = false; // a bias on the output projection (wo)
};

struct NormSpec {
  NormKind kind = NormKind::Rms;
  double eps = 1e-5;
  NormPlacement placement = NormPlacement::Pre;
  bool final = true; // a norm between the last layer and the classifier
};

struct MlpSpec {
  int64_t hidden = 0;
  Activation activation = Activation::SwiGLU;
  bool bias = false; // biases on w1, w2 (and w3)

  bool gated() const { return activation == Activation::SwiGLU; }
};

/// The special token ids the runtime needs (-1: the model has none).
struct SpecialTokens {
  int64_t bos = 1;
  int64_t eos = 2;
  bool addBos = true; // a prompt starts with BOS
};

/// Where a file named in the description lives, and where it was named (for
/// diagnostics). `loc` is invalid when the path came from the command line.
struct FileRef {
  std::string path;
  llvm::SMLoc loc;
};

/// Where a model was described, for the locations of the IR built from it:
/// the description file (as it was named) with the line and column of each
/// key ("attention", "attention.heads", "mlp", ...), or, for a checkpoint
/// compiled directly, the checkpoint and no keys.
struct SpecOrigin {
  struct Position {
    unsigned line = 0, column = 0;
  };
  std::string file;
  std::map<std::string, Position> keys;
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
  SpecialTokens tokens;
  /// Whether `tokens` came from the description or the checkpoint's
  /// metadata; if not, they are the tokenizer's own.
  bool specialTokensGiven = false;

  FileRef weights;
  WeightsFormat weightsFormat = WeightsFormat::Llama2c;
  uint64_t randomSeed = 0; // with WeightsFormat::Random
  FileRef tokenizer;       // path empty: no tokenizer (ids in, ids out)
  TokenizerFormat tokenizerFormat = TokenizerFormat::Llama2c;
  SpecOrigin origin;

  int64_t headDim() const { return dim / attention.heads; }
  int64_t kvDim() const { return attention.kvHeads * headDim(); }
};

} // namespace attnc

#endif // ATTNC_FRONTEND_MODELSPEC_H
