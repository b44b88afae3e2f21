//===- Llama2c.cpp - llama2.c checkpoints and tokenizers -----------------===//
//
// Reads llama2.c's checkpoints of every version (0: legacy float32, 1:
// float32 with a 256-byte header, 2: int8 groups, dequantized here as runq.c
// does) and writes version 0. Both files are read through readInputFile (regular files only,
// mapped when large) and must be exactly as long as their contents imply:
// a truncated copy or the checkpoint of a different model is caught here,
// with the tensor and byte range concerned, instead of producing garbage
// later. Files are little-endian, as on every host llama2.c runs on.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Llama2c.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Import.h"
#include "compiler/Frontend/InputFile.h"
#include "compiler/Frontend/ArchPlan.h"
#include "compiler/Support/OutputFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <array>
#include <climits>
#include <cmath>
#include <cstring>
#include <optional>

using namespace llvm;

namespace attnc {

namespace {

/// llama2.c's version 1 and 2 exports ("ak42") start with this instead of dim.
constexpr int32_t kVersionMagic = 0x616b3432;
constexpr uint64_t kLegacyHeaderBytes = 7 * sizeof(int32_t);
/// Versions 1 and 2 pad their header to 256 bytes.
constexpr uint64_t kVersionedHeaderBytes = 256;

/// The per-layer tensors, in the order llama2.c stacks them over the layers.
const char *const kLayerKinds[] = {"attention_norm", "wq", "wk", "wv", "wo",
                                   "ffn_norm",       "w1", "w2", "w3"};

/// What a checkpoint header says.
struct Header {
  int32_t version = 0; // 0: legacy (no magic), 1: float32, 2: int8 groups
  int32_t dim = 0, hidden = 0, layers = 0, heads = 0, kvHeads = 0, vocab = 0, seqLen = 0;
  bool shared = true;     // the classifier is the embedding table
  int32_t groupSize = 0;  // version 2
  uint64_t dataOffset = 0;
};

/// A stretch of a checkpoint: a tensor (float32, or with `groupSize` int8
/// values followed by one float32 scale per group), or a legacy RoPE table
/// (`tensor` is null) that readers skip.
struct Segment {
  std::string name;
  const TensorInfo *tensor;
  uint64_t offset, bytes;
  bool sinTable = false; // which RoPE table, if it is one
  int32_t groupSize = 0; // 0: float32
};

/// Parses the header; on failure returns the reason.
std::optional<std::string> parseHeader(StringRef bytes, Header &h) {
  if (bytes.size() < kLegacyHeaderBytes)
    return "file has " + std::to_string(bytes.size()) +
           " bytes, too few for the 28-byte llama2.c header";
  int32_t first[2];
  std::memcpy(first, bytes.data(), sizeof(first));
  const char *fields = bytes.data();
  if (first[0] == kVersionMagic) {
    if (bytes.size() < kVersionedHeaderBytes)
      return "file has " + std::to_string(bytes.size()) +
             " bytes, too few for the 256-byte header of a version 1 or 2 export";
    h.version = first[1];
    if (h.version != 1 && h.version != 2)
      return "a llama2.c export of version " + std::to_string(h.version) +
             " (magic \"ak42\"); versions 0, 1 and 2 are read";
    fields += 8;
    h.dataOffset = kVersionedHeaderBytes;
  } else {
    h.version = 0;
    h.dataOffset = kLegacyHeaderBytes;
  }
  int32_t v[7];
  std::memcpy(v, fields, sizeof(v));
  h.dim = v[0], h.hidden = v[1], h.layers = v[2], h.heads = v[3], h.kvHeads = v[4];
  h.vocab = v[5], h.seqLen = v[6];
  if (h.version == 0) {
    // A negative vocab_size means a separate classifier.
    h.shared = h.vocab > 0;
    h.vocab = h.vocab == INT32_MIN ? INT32_MAX : std::abs(h.vocab);
  } else {
    uint8_t shared = uint8_t(fields[28]);
    if (shared > 1)
      return "header byte 36 (shared_classifier) is " + std::to_string(shared) +
             ", not 0 or 1";
    h.shared = shared == 1;
    if (h.version == 2) {
      std::memcpy(&h.groupSize, fields + 29, sizeof(int32_t));
      if (h.groupSize <= 0)
        return "header has group_size = " + std::to_string(h.groupSize) +
               " (bytes 37-40), not a positive number";
    }
  }
  return std::nullopt;
}

/// Where every tensor of `spec` is in a checkpoint with header `h`, from the
/// header on; `tensors` is listTensors(spec), which the segments point into.
std::vector<Segment> layOut(const ModelSpec &spec, const Header &h,
                            const std::vector<TensorInfo> &tensors) {
  StringMap<const TensorInfo *> byName;
  for (const TensorInfo &t : tensors)
    byName[t.name] = &t;
  std::vector<Segment> segments;
  segments.reserve(tensors.size() + 2);
  uint64_t offset = h.dataOffset;
  auto addFloats = [&](const std::string &name, const TensorInfo *tensor, uint64_t floats,
                       bool sin = false) {
    segments.push_back({name, tensor, offset, floats * sizeof(float), sin, 0});
    offset += floats * sizeof(float);
  };
  auto add = [&](const std::string &name, bool quantized) {
    const TensorInfo *t = byName.lookup(name);
    uint64_t n = uint64_t(t->numElements());
    if (!quantized)
      return addFloats(name, t, n);
    // n int8 values, then n / group_size float32 scales.
    uint64_t bytes = n + n / uint64_t(h.groupSize) * sizeof(float);
    segments.push_back({name, t, offset, bytes, false, h.groupSize});
    offset += bytes;
  };
  auto addLayers = [&](const char *kind, bool quantized) {
    for (int64_t l = 0; l < spec.layers; ++l)
      add(layerTensorName(l, kind), quantized);
  };
  if (h.version == 0) {
    add("tok_embeddings", false);
    for (const char *kind : kLayerKinds)
      addLayers(kind, false);
    add("norm", false);
    uint64_t table = uint64_t(spec.contextLength) * spec.headDim() / 2;
    addFloats("freq_cis_real (legacy RoPE table)", nullptr, table);
    addFloats("freq_cis_imag (legacy RoPE table)", nullptr, table, true);
  } else {
    // export.py: the norms first, in float32 in both versions.
    addLayers("attention_norm", false);
    addLayers("ffn_norm", false);
    add("norm", false);
    bool quantized = h.version == 2;
    add("tok_embeddings", quantized);
    for (const char *kind : {"wq", "wk", "wv", "wo", "w1", "w2", "w3"})
      addLayers(kind, quantized);
  }
  if (!spec.tieEmbeddings)
    add("output", h.version == 2);
  return segments;
}

/// The header llama2.c writes for `spec`; false if a size does not fit its
/// int32 fields.
bool headerFor(const ModelSpec &spec, std::array<int32_t, 7> &header) {
  const int64_t sizes[7] = {spec.dim,
                            spec.mlp.hidden,
                            spec.layers,
                            spec.attention.heads,
                            spec.attention.kvHeads,
                            spec.tieEmbeddings ? spec.vocabSize : -spec.vocabSize,
                            spec.contextLength};
  for (int i = 0; i < 7; ++i) {
    if (sizes[i] > INT32_MAX || sizes[i] < -INT32_MAX)
      return false;
    header[i] = int32_t(sizes[i]);
  }
  return true;
}

/// Compares a checkpoint header with the description, field by field.
bool checkHeader(const ModelSpec &spec, const Header &h, SourceMgr &sm, const Twine &file) {
  struct Field {
    const char *headerName;
    int64_t inFile;
    const char *specName;
    int64_t inSpec;
  } fields[] = {
      {"dim", h.dim, "dim", spec.dim},
      {"hidden_dim", h.hidden, "mlp.hidden", spec.mlp.hidden},
      {"n_layers", h.layers, "layers", spec.layers},
      {"n_heads", h.heads, "attention.heads", spec.attention.heads},
      {"n_kv_heads", h.kvHeads, "attention.kv_heads", spec.attention.kvHeads},
      {"vocab_size", h.vocab, "vocab_size", spec.vocabSize},
      {"seq_len", h.seqLen, "context_length", spec.contextLength},
  };
  for (const Field &f : fields)
    if (f.inFile != f.inSpec)
      return reportError(sm, spec.weights.loc,
                         file + ": header has " + f.headerName + " = " + Twine(f.inFile) +
                             ", the description has " + f.specName + ": " + Twine(f.inSpec));
  if (h.shared != spec.tieEmbeddings) {
    std::string reason =
        h.shared ? std::string(": the classifier is the embedding table (") +
                       (h.version == 0 ? "vocab_size > 0" : "shared_classifier = 1") +
                       " in the header), the description has tie_embeddings: false"
                 : std::string(": the classifier is stored separately (") +
                       (h.version == 0 ? "vocab_size < 0" : "shared_classifier = 0") +
                       " in the header), the description has tie_embeddings: true";
    return reportError(sm, spec.weights.loc, file + reason);
  }
  return true;
}

/// What llama2.c's format can hold: the Llama architecture and nothing else.
bool checkLlamaArchitecture(const ModelSpec &spec, SourceMgr &sm, const Twine &file) {
  const char *what = nullptr;
  if (spec.attention.position != PositionKind::Rope ||
      spec.attention.ropePairs != RopePairs::Adjacent)
    what = "attention.position: rope with rope_pairs: adjacent";
  else if (spec.attention.qkvBias || spec.attention.outBias || spec.mlp.bias)
    what = "no biases";
  else if (spec.norm.kind != NormKind::Rms || spec.norm.placement != NormPlacement::Pre ||
           !spec.norm.final)
    what = "norm: {kind: rms, placement: pre, final: true}";
  else if (spec.mlp.activation != Activation::SwiGLU)
    what = "mlp.activation: swiglu";
  if (!what)
    return true;
  return reportError(sm, spec.weights.loc,
                     file + ": a llama2.c checkpoint holds a Llama model, which needs " + what);
}

/// RoPE table `sin` (else cos) as llama2.c's export.py writes it: entry
/// (pos, i) is f(pos * theta^(-2i/head_dim)), shape (seq_len, head_dim / 2).
std::vector<float> ropeTable(const ModelSpec &spec, bool sin) {
  const int64_t half = spec.headDim() / 2;
  std::vector<float> table(size_t(spec.contextLength * half));
  for (int64_t i = 0; i < half; ++i) {
    double freq = std::pow(spec.attention.ropeTheta, -2.0 * double(i) / double(spec.headDim()));
    for (int64_t pos = 0; pos < spec.contextLength; ++pos)
      table[pos * half + i] = float(sin ? std::sin(pos * freq) : std::cos(pos * freq));
  }
  return table;
}

/// Reads the checkpoint `spec.weights` after its header `h` was checked
/// against `spec`.
bool readTensors(const ModelSpec &spec, const Header &h, std::unique_ptr<MemoryBuffer> buffer,
                 SourceMgr &sm, ModelWeights &out) {
  const FileRef &file = spec.weights;
  std::string quoted = "'" + file.path + "'";
  StringRef bytes = buffer->getBuffer();
  std::vector<TensorInfo> tensors = listTensors(spec);
  std::vector<Segment> segments = layOut(spec, h, tensors);
  for (const Segment &s : segments) {
    if (s.groupSize && s.tensor->numElements() % s.groupSize != 0)
      return reportError(sm, file.loc,
                         quoted + ": tensor '" + s.name + "' has " +
                             Twine(s.tensor->numElements()) +
                             " values, not a multiple of the header's group_size " +
                             Twine(s.groupSize));
    if (s.offset + s.bytes > bytes.size())
      return reportError(sm, file.loc,
                         quoted + ": file is truncated: " + s.name + " needs bytes [" +
                             Twine(s.offset) + ", " + Twine(s.offset + s.bytes) +
                             ") but the file has " + Twine(bytes.size()) + " bytes");
  }
  uint64_t end = segments.back().offset + segments.back().bytes;
  if (end != bytes.size())
    return reportError(sm, file.loc,
                       quoted + ": file has " + Twine(bytes.size()) + " bytes, " +
                           Twine(bytes.size() - end) + " more than the " + Twine(end) +
                           " its header implies");

  for (const Segment &s : segments) {
    if (!s.tensor)
      continue;
    const char *data = bytes.data() + s.offset;
    if (!s.groupSize) {
      // The header sizes keep every float 4-byte aligned in the mapping.
      out.add(s.name, s.tensor->shape, reinterpret_cast<const float *>(data));
      continue;
    }
    // Version 2: int8 values times their group's scale, as runq.c computes
    // them (one float multiply, so the bits are runq.c's).
    uint64_t n = uint64_t(s.tensor->numElements());
    std::vector<float> values(n);
    for (uint64_t g = 0; g < n / uint64_t(s.groupSize); ++g) {
      float scale;
      std::memcpy(&scale, data + n + g * sizeof(float), sizeof(float));
      for (uint64_t i = g * s.groupSize; i < (g + 1) * s.groupSize; ++i)
        values[i] = float(int8_t(data[i])) * scale;
    }
    out.add(s.name, s.tensor->shape, out.adoptStorage(std::move(values)));
  }
  if (spec.tieEmbeddings) {
    const WeightTensor *embeddings = out.lookup("tok_embeddings");
    out.add("output", embeddings->shape, embeddings->data);
  }
  out.adoptBuffer(std::move(buffer));
  return true;
}

} // namespace

bool readLlama2c(const ModelSpec &spec, SourceMgr &sm, ModelWeights &out) {
  const FileRef &file = spec.weights;
  std::string quoted = "'" + file.path + "'";
  if (!checkLlamaArchitecture(spec, sm, quoted))
    return false;
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(file.path, "weights", file.loc, sm);
  if (!buffer)
    return false;
  Header h;
  if (std::optional<std::string> error = parseHeader(buffer->getBuffer(), h))
    return reportError(sm, file.loc, quoted + ": " + *error);
  if (!checkHeader(spec, h, sm, quoted))
    return false;
  return readTensors(spec, h, std::move(buffer), sm, out);
}

bool describeLlama2c(StringRef path, SMLoc loc, SourceMgr &sm, ModelSpec &spec) {
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(path, "weights", loc, sm);
  if (!buffer)
    return false;
  std::string quoted = "'" + path.str() + "'";
  Header h;
  if (std::optional<std::string> error = parseHeader(buffer->getBuffer(), h))
    return reportError(sm, loc, quoted + ": " + *error);
  spec = ModelSpec();
  spec.name = sys::path::stem(path).str();
  spec.vocabSize = h.vocab;
  spec.contextLength = h.seqLen;
  spec.dim = h.dim;
  spec.layers = h.layers;
  spec.attention.heads = h.heads;
  spec.attention.kvHeads = h.kvHeads;
  spec.mlp.hidden = h.hidden;
  spec.tieEmbeddings = h.shared;
  // run.c's constants: RMSNorm epsilon 1e-5, RoPE theta 10000.
  spec.norm.eps = 1e-5;
  spec.attention.ropeTheta = 10000.0;
  spec.weights = {path.str(), loc};
  spec.weightsFormat = WeightsFormat::Llama2c;
  return true;
}

bool saveLlama2c(const ModelSpec &spec, const ModelWeights &weights, StringRef path,
                 SourceMgr &sm) {
  if (!checkNotAnInput(spec, sm, path, "the weights"))
    return false;
  auto fail = [&](const Twine &reason) {
    return reportError(sm, SMLoc(), "cannot write weights '" + path + "': " + reason);
  };
  if (!checkLlamaArchitecture(spec, sm, "'" + path + "'"))
    return false;
  std::vector<TensorInfo> tensors = listTensors(spec);
  for (const TensorInfo &t : tensors) {
    const WeightTensor *w = weights.lookup(t.name);
    if (!w || ArrayRef<int64_t>(w->shape) != ArrayRef<int64_t>(t.shape))
      return fail("tensor '" + t.name + "' is missing or has the wrong shape");
  }
  std::array<int32_t, 7> header;
  if (!headerFor(spec, header))
    return fail("a size does not fit the 32-bit fields of llama2.c's header");
  Error error = writeOutput(path, [&](raw_fd_ostream &os) {
    os.write(reinterpret_cast<const char *>(header.data()), sizeof(header));
    Header legacy; // version 0
    legacy.dataOffset = kLegacyHeaderBytes;
    for (const Segment &s : layOut(spec, legacy, tensors)) {
      std::vector<float> table;
      const float *data = nullptr;
      if (s.tensor) {
        data = weights.lookup(s.tensor->name)->data;
      } else {
        table = ropeTable(spec, s.sinTable);
        data = table.data();
      }
      os.write(reinterpret_cast<const char *>(data), s.bytes);
    }
    return Error::success();
  });
  if (error)
    return reportError(sm, SMLoc(), toString(std::move(error)));
  return true;
}

} // namespace attnc
