//===- Checkpoint.cpp - Models given as a checkpoint ----------------------===//
//
// Format detection by magic bytes (not by name where a magic exists), the
// per-format metadata readers behind one call, the field-by-field comparison
// of a description with its checkpoint, and the description printer.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Checkpoint.h"

#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Llama2c.h"
#include "compiler/Frontend/GgufImport.h"
#include "compiler/Frontend/HuggingFace.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace attnc {

namespace {

/// The first 4 bytes of `path` if it is a regular file that has them. Opened
/// non-blocking, so that a FIFO given by mistake does not hang detection.
std::string magicOf(StringRef path) {
  sys::fs::file_status status;
  if (sys::fs::status(path, status) || status.type() != sys::fs::file_type::regular_file)
    return "";
  int fd = ::open(path.str().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return "";
  char bytes[4];
  ssize_t n = ::read(fd, bytes, sizeof(bytes));
  ::close(fd);
  return n == 4 ? std::string(bytes, 4) : "";
}

bool isDirectory(StringRef path) { return sys::fs::is_directory(path); }

std::string absolute(StringRef path) {
  SmallString<256> result(path);
  sys::fs::make_absolute(result);
  sys::path::remove_dots(result, /*remove_dot_dot=*/true);
  return std::string(result);
}

/// A YAML double-quoted string: printable ASCII as is, the rest escaped.
std::string quoted(StringRef text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\x%02x", unsigned(c));
      out += escape;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

/// A float32 value in the fewest digits that come back as the same float
/// (1e-05, not 9.99999975e-06).
std::string real(double value) {
  float target = float(value);
  char text[32];
  if (target == std::nearbyint(target) && std::fabs(target) < 1e9f) {
    std::snprintf(text, sizeof(text), "%.1f", double(target)); // 10000.0
    return text;
  }
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, double(target));
    if (float(std::strtod(text, nullptr)) == target)
      break;
  }
  // YAML reads "10000" as an integer; the description wants a number either
  // way, but keep a decimal point so it reads as one.
  std::string result = text;
  if (result.find_first_of(".en") == std::string::npos)
    result += ".0";
  return result;
}

const char *boolean(bool value) { return value ? "true" : "false"; }

} // namespace

ModelSource detectModelSource(StringRef path) {
  if (isDirectory(path))
    return ModelSource::HuggingFace;
  std::string magic = magicOf(path);
  if (magic == "GGUF" || path.ends_with(".gguf"))
    return ModelSource::Gguf;
  if (magic == "42ka" || path.ends_with(".bin")) // 0x616b3432 little-endian
    return ModelSource::Llama2c;
  return ModelSource::Description;
}

WeightsFormat detectWeightsFormat(StringRef path) {
  switch (detectModelSource(path)) {
  case ModelSource::Gguf:
    return WeightsFormat::Gguf;
  case ModelSource::HuggingFace:
    return WeightsFormat::HuggingFace;
  case ModelSource::Llama2c:
  case ModelSource::Description:
    return WeightsFormat::Llama2c;
  }
  return WeightsFormat::Llama2c;
}

TokenizerFormat detectTokenizerFormat(StringRef path) {
  if (isDirectory(path) || path.ends_with(".json"))
    return TokenizerFormat::HuggingFace;
  if (magicOf(path) == "GGUF" || path.ends_with(".gguf"))
    return TokenizerFormat::Gguf;
  return TokenizerFormat::Llama2c;
}

bool describeCheckpoint(ModelSource source, StringRef path, SourceMgr &sm, ModelSpec &spec) {
  bool ok = false;
  switch (source) {
  case ModelSource::Llama2c:
    ok = describeLlama2c(path, SMLoc(), sm, spec);
    break;
  case ModelSource::Gguf:
    ok = importGguf(path, SMLoc(), sm, spec, nullptr);
    spec.specialTokensGiven = true; // from its metadata
    break;
  case ModelSource::HuggingFace:
    ok = importHuggingFace(path, SMLoc(), sm, spec, nullptr);
    spec.specialTokensGiven = true; // from config.json
    break;
  case ModelSource::Description:
    llvm_unreachable("a description is parsed, not described");
  }
  if (!ok)
    return false;
  spec.origin = {path.str(), {}};
  if (std::optional<SpecProblem> problem = checkSpec(spec))
    return reportError(sm, SMLoc(), "'" + path + "': " + problem->message);
  return true;
}

bool checkSpecsAgree(const ModelSpec &d, const ModelSpec &f, SourceMgr &sm) {
  std::string file = "'" + d.weights.path + "'";
  auto differ = [&](StringRef key, const Twine &inDescription, const Twine &inFile) {
    return reportError(sm, d.weights.loc,
                       file + ": the checkpoint has " + key + ": " + inFile +
                           ", the description has " + inDescription);
  };
  auto integer = [&](StringRef key, int64_t a, int64_t b) {
    return a == b || differ(key, Twine(a), Twine(b));
  };
  auto flag = [&](StringRef key, bool a, bool b) {
    return a == b || differ(key, boolean(a), boolean(b));
  };
  auto number = [&](StringRef key, double a, double b) {
    // Both are used as float32.
    return float(a) == float(b) || differ(key, real(a), real(b));
  };
  auto choice = [&](StringRef key, StringRef a, StringRef b) {
    return a == b || differ(key, a, b);
  };
  const AttentionSpec &da = d.attention, &fa = f.attention;
  if (!integer("vocab_size", d.vocabSize, f.vocabSize) || !integer("dim", d.dim, f.dim) ||
      !integer("layers", d.layers, f.layers) ||
      !integer("attention.heads", da.heads, fa.heads) ||
      !integer("attention.kv_heads", da.kvHeads, fa.kvHeads) ||
      !choice("attention.position", stringify(da.position), stringify(fa.position)) ||
      !flag("attention.qkv_bias", da.qkvBias, fa.qkvBias) ||
      !flag("attention.out_bias", da.outBias, fa.outBias) ||
      !choice("norm.kind", stringify(d.norm.kind), stringify(f.norm.kind)) ||
      !number("norm.eps", d.norm.eps, f.norm.eps) ||
      !choice("norm.placement", stringify(d.norm.placement), stringify(f.norm.placement)) ||
      !flag("norm.final", d.norm.final, f.norm.final) ||
      !integer("mlp.hidden", d.mlp.hidden, f.mlp.hidden) ||
      !choice("mlp.activation", stringify(d.mlp.activation), stringify(f.mlp.activation)) ||
      !flag("mlp.bias", d.mlp.bias, f.mlp.bias) ||
      !flag("tie_embeddings", d.tieEmbeddings, f.tieEmbeddings))
    return false;
  if (da.position == PositionKind::Rope &&
      (!number("attention.rope_theta", da.ropeTheta, fa.ropeTheta) ||
       !choice("attention.rope_pairs", stringify(da.ropePairs), stringify(fa.ropePairs))))
    return false;
  // The mask is how the model is run, not what its weights are: a
  // description may run a checkpoint with another one (e.g. causal with a
  // sliding window for long prompts), but not past the positions it has.
  if (da.position == PositionKind::Learned
          ? d.contextLength != f.contextLength
          : d.contextLength > f.contextLength)
    return differ("context_length", Twine(d.contextLength), Twine(f.contextLength) +
                                        (da.position == PositionKind::Learned
                                             ? " (learned positions: one row each)"
                                             : " (at most that many positions)"));
  return true;
}

void printDescription(const ModelSpec &spec, raw_ostream &os) {
  const AttentionSpec &a = spec.attention;
  os << "# The description of " << spec.weights.path << ", as `attnc describe` read it.\n";
  os << "name: " << quoted(spec.name) << "\n";
  os << "vocab_size: " << spec.vocabSize << "\n";
  os << "context_length: " << spec.contextLength << "\n";
  os << "dim: " << spec.dim << "\n";
  os << "layers: " << spec.layers << "\n";
  os << "attention:\n";
  os << "  heads: " << a.heads << "\n";
  os << "  kv_heads: " << a.kvHeads << "\n";
  os << "  mask: " << stringify(a.mask) << "\n";
  if (a.mask == MaskKind::SlidingWindow)
    os << "  window: " << a.window << "\n";
  os << "  position: " << stringify(a.position) << "\n";
  if (a.position == PositionKind::Rope) {
    os << "  rope_theta: " << real(a.ropeTheta) << "\n";
    os << "  rope_pairs: " << stringify(a.ropePairs) << "\n";
  }
  os << "  qkv_bias: " << boolean(a.qkvBias) << "\n";
  os << "  out_bias: " << boolean(a.outBias) << "\n";
  os << "norm:\n";
  os << "  kind: " << stringify(spec.norm.kind) << "\n";
  os << "  eps: " << real(spec.norm.eps) << "\n";
  os << "  placement: " << stringify(spec.norm.placement) << "\n";
  os << "  final: " << boolean(spec.norm.final) << "\n";
  os << "mlp:\n";
  os << "  hidden: " << spec.mlp.hidden << "\n";
  os << "  activation: " << stringify(spec.mlp.activation) << "\n";
  os << "  bias: " << boolean(spec.mlp.bias) << "\n";
  os << "tie_embeddings: " << boolean(spec.tieEmbeddings) << "\n";
  os << "special_tokens:\n";
  os << "  bos: " << spec.tokens.bos << "\n";
  os << "  eos: " << spec.tokens.eos << "\n";
  os << "  add_bos: " << boolean(spec.tokens.addBos) << "\n";
  os << "weights:\n";
  os << "  format: " << stringify(spec.weightsFormat) << "\n";
  if (spec.weightsFormat == WeightsFormat::Random)
    os << "  seed: " << spec.randomSeed << "\n";
  else
    os << "  path: " << quoted(absolute(spec.weights.path)) << "\n";
  if (!spec.tokenizer.path.empty()) {
    os << "tokenizer:\n";
    os << "  format: " << stringify(spec.tokenizerFormat) << "\n";
    os << "  path: " << quoted(absolute(spec.tokenizer.path)) << "\n";
  }
}

} // namespace attnc
