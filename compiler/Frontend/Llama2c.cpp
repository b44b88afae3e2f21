//===- Llama2c.cpp - llama2.c checkpoints and tokenizers -----------------===//
//
// Reads and writes llama2.c's version 0 checkpoint and checks its tokenizer
// file. Both files are read through readInputFile (regular files only,
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
#include "compiler/Frontend/TensorList.h"
#include "compiler/Support/OutputFile.h"
#include "runtime/include/attnrt/tokenizer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <array>
#include <climits>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace attnc {

namespace {

/// llama2.c's version 1 and 2 exports ("ak42") start with this instead of dim.
constexpr int32_t kVersionMagic = 0x616b3432;
constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);

/// A stretch of a checkpoint: a tensor, or a legacy RoPE table (`tensor` is
/// null) that readers skip.
struct Segment {
  std::string name;
  const TensorInfo *tensor;
  uint64_t offset, bytes;
  bool sinTable = false; // which RoPE table, if it is one
};

/// Where every tensor of `spec` is in its checkpoint, from the header on.
std::vector<Segment> layOut(const ModelSpec &spec, const std::vector<TensorInfo> &tensors) {
  std::vector<Segment> segments;
  segments.reserve(tensors.size() + 2);
  uint64_t offset = kHeaderBytes;
  auto add = [&](std::string name, const TensorInfo *tensor, uint64_t floats, bool sin) {
    segments.push_back({std::move(name), tensor, offset, floats * sizeof(float), sin});
    offset += floats * sizeof(float);
  };
  for (const TensorInfo &t : tensors) {
    add(t.name, &t, t.numElements(), false);
    if (t.name == "norm") {
      uint64_t table = uint64_t(spec.contextLength) * spec.headDim() / 2;
      add("freq_cis_real (legacy RoPE table)", nullptr, table, false);
      add("freq_cis_imag (legacy RoPE table)", nullptr, table, true);
    }
  }
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
bool checkHeader(const ModelSpec &spec, const int32_t (&header)[7], SourceMgr &sm,
                 const Twine &file) {
  struct Field {
    const char *headerName;
    int64_t inFile;
    const char *specName;
    int64_t inSpec;
  } fields[] = {
      {"dim", header[0], "dim", spec.dim},
      {"hidden_dim", header[1], "mlp.hidden", spec.mlp.hidden},
      {"n_layers", header[2], "layers", spec.layers},
      {"n_heads", header[3], "attention.heads", spec.attention.heads},
      {"n_kv_heads", header[4], "attention.kv_heads", spec.attention.kvHeads},
      {"vocab_size", std::abs(int64_t(header[5])), "vocab_size", spec.vocabSize},
      {"seq_len", header[6], "context_length", spec.contextLength},
  };
  for (const Field &f : fields)
    if (f.inFile != f.inSpec)
      return reportError(sm, spec.weights.loc,
                         file + ": header has " + f.headerName + " = " + Twine(f.inFile) +
                             ", the description has " + f.specName + ": " + Twine(f.inSpec));
  bool shared = header[5] > 0;
  if (shared != spec.tieEmbeddings)
    return reportError(sm, spec.weights.loc,
                       file + (shared ? ": the classifier is the embedding table (vocab_size > 0 "
                                        "in the header), the description has tie_embeddings: false"
                                      : ": the classifier is stored separately (vocab_size < 0 in "
                                        "the header), the description has tie_embeddings: true"));
  return true;
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

} // namespace

bool readLlama2c(const ModelSpec &spec, SourceMgr &sm, ModelWeights &out) {
  const FileRef &file = spec.weights;
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(file.path, "weights", file.loc, sm);
  if (!buffer)
    return false;
  std::string quoted = "'" + file.path + "'";
  StringRef bytes = buffer->getBuffer();
  if (bytes.size() < kHeaderBytes)
    return reportError(sm, file.loc,
                       quoted + ": file has " + Twine(bytes.size()) +
                           " bytes, too few for the 28-byte llama2.c header");
  int32_t header[7];
  std::memcpy(header, bytes.data(), sizeof(header));
  if (header[0] == kVersionMagic)
    return reportError(sm, file.loc,
                       quoted + ": a llama2.c version " + Twine(header[1]) +
                           " export (magic \"ak42\"); only version 0 (float32, "
                           "no magic) checkpoints are read");
  if (!checkHeader(spec, header, sm, quoted))
    return false;

  std::vector<TensorInfo> tensors = listTensors(spec);
  std::vector<Segment> segments = layOut(spec, tensors);
  for (const Segment &s : segments)
    if (s.offset + s.bytes > bytes.size())
      return reportError(sm, file.loc,
                         quoted + ": file is truncated: " + s.name + " needs bytes [" +
                             Twine(s.offset) + ", " + Twine(s.offset + s.bytes) +
                             ") but the file has " + Twine(bytes.size()) + " bytes");
  uint64_t end = segments.back().offset + segments.back().bytes;
  if (end != bytes.size())
    return reportError(sm, file.loc,
                       quoted + ": file has " + Twine(bytes.size()) + " bytes, " +
                           Twine(bytes.size() - end) + " more than the " + Twine(end) +
                           " its header implies");

  for (const Segment &s : segments)
    if (s.tensor)
      out.add(s.name, s.tensor->shape, reinterpret_cast<const float *>(bytes.data() + s.offset));
  if (spec.tieEmbeddings) {
    const WeightTensor *embeddings = out.lookup("tok_embeddings");
    out.add("output", embeddings->shape, embeddings->data);
  }
  out.adoptBuffer(std::move(buffer));
  return true;
}

bool saveLlama2c(const ModelSpec &spec, const ModelWeights &weights, StringRef path,
                 SourceMgr &sm) {
  if (!checkNotAnInput(spec, sm, path, "the weights"))
    return false;
  auto fail = [&](const Twine &reason) {
    return reportError(sm, SMLoc(), "cannot write weights '" + path + "': " + reason);
  };
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
    for (const Segment &s : layOut(spec, tensors)) {
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

bool checkLlama2cTokenizer(const ModelSpec &spec, SourceMgr &sm, TokenizerInfo &info) {
  const FileRef &file = spec.tokenizer;
  std::unique_ptr<MemoryBuffer> buffer = readInputFile(file.path, "tokenizer", file.loc, sm);
  if (!buffer)
    return false;
  // The runtime's parser, so that what the compiler accepts is exactly what
  // the generated executable will load.
  StringRef bytes = buffer->getBuffer();
  attnrt::Tokenizer tokenizer;
  attnrt::Status status = attnrt::tokenizer_create(
      &tokenizer, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
      static_cast<int32_t>(spec.vocabSize));
  if (!status.ok())
    return reportError(sm, file.loc, "'" + file.path + "': " + status.message());
  info.maxTokenLength = static_cast<int32_t>(tokenizer.max_token_length);
  attnrt::tokenizer_destroy(&tokenizer);
  info.tokens = spec.vocabSize;
  info.bytes = std::move(buffer);
  return true;
}

} // namespace attnc
