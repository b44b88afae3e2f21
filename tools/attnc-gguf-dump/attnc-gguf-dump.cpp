//===- attnc-gguf-dump.cpp - Look inside a GGUF file as attnc reads it ----===//
//
// A test tool for compiler/Frontend/Gguf.h and GgufImport.h, so that lit can
// compare what attnc reads with independent references (gguf-py, NumPy):
//
//   attnc-gguf-dump FILE                      metadata and tensor table
//   attnc-gguf-dump FILE --tensor NAME -o OUT the tensor's values as raw
//                                             little-endian float32
//   attnc-gguf-dump FILE --import             importGguf: the spec's fields and
//                                             each canonical tensor's name,
//                                             shape and CRC-32 of its floats
//   attnc-gguf-dump FILE --import --metadata-only   the same without weights
//
// Errors are the importer's one-line `error: ...` and exit status 1.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/Gguf.h"
#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/GgufImport.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

using namespace llvm;
using namespace attnc;

namespace {

int usage() {
  errs() << "usage: attnc-gguf-dump FILE [--tensor NAME -o OUT | --import [--metadata-only]]\n";
  return 2;
}

void printScalar(raw_ostream &os, const GgufValue &v) {
  if (v.type == GgufType::String)
    os << '"';
  switch (v.type) {
  case GgufType::UInt8:
  case GgufType::UInt16:
  case GgufType::UInt32:
  case GgufType::UInt64:
    os << v.u;
    break;
  case GgufType::Int8:
  case GgufType::Int16:
  case GgufType::Int32:
  case GgufType::Int64:
    os << v.i;
    break;
  case GgufType::Float32:
  case GgufType::Float64:
    os << format("%.9g", v.f);
    break;
  case GgufType::Bool:
    os << (v.u ? "true" : "false");
    break;
  case GgufType::String:
    os.write_escaped(v.string) << '"';
    break;
  case GgufType::Array:
    break;
  }
}

int dump(const GgufFile &f) {
  raw_ostream &os = outs();
  os << "version " << f.version() << "\nalignment " << f.alignment() << "\ndata at byte "
     << f.dataOffset() << "\n";
  for (const GgufValue &v : f.metadata()) {
    os << "key " << v.key << " " << ggufTypeName(v.type, v.elementType);
    if (!v.isArray()) {
      os << " ";
      printScalar(os, v);
    } else {
      os << " [" << v.count << "]";
      if (v.elementType == GgufType::String) {
        for (size_t i = 0; i < v.strings.size() && i < 4; ++i) {
          os << " \"";
          os.write_escaped(v.strings[i]) << '"';
        }
      } else if (v.elementType == GgufType::Float32 || v.elementType == GgufType::Float64) {
        std::vector<float> values = cantFail(f.getFloatArray(v.key));
        for (size_t i = 0; i < values.size() && i < 4; ++i)
          os << " " << format("%.9g", values[i]);
      } else if (v.elementType != GgufType::Bool) {
        std::vector<int64_t> values;
        if (Expected<std::vector<int64_t>> e = f.getIntArray(v.key))
          values = std::move(*e);
        else
          consumeError(e.takeError());
        for (size_t i = 0; i < values.size() && i < 4; ++i)
          os << " " << values[i];
      }
    }
    os << "\n";
  }
  for (const GgufTensor &t : f.tensors()) {
    os << "tensor " << t.name << " " << ggmlTypeName(uint32_t(t.type)) << " [";
    SmallVector<int64_t, 4> shape = t.shape();
    for (size_t i = 0; i < shape.size(); ++i)
      os << (i ? ", " : "") << shape[i];
    os << "] at byte " << t.fileOffset << " (" << t.bytes << " bytes)\n";
  }
  return 0;
}

int writeTensor(const GgufFile &f, StringRef name, StringRef out, SourceMgr &sm) {
  const GgufTensor *t = f.findTensor(name);
  if (!t) {
    reportError(sm, SMLoc(), f.name() + ": no tensor '" + name + "'");
    return 1;
  }
  std::vector<float> values = f.dequantize(*t);
  std::error_code ec;
  raw_fd_ostream os(out, ec, sys::fs::OF_None);
  if (ec) {
    reportError(sm, SMLoc(), "cannot write '" + out + "': " + ec.message());
    return 1;
  }
  os.write(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
  return 0;
}

/// Every canonical name an imported model may have, in a fixed order.
std::vector<std::string> canonicalNames(const ModelSpec &spec) {
  std::vector<std::string> names = {"tok_embeddings", "pos_embeddings"};
  const char *perLayer[] = {"attention_norm", "attention_norm_bias", "wq", "wk", "wv", "wo",
                            "bq", "bk", "bv", "bo", "ffn_norm", "ffn_norm_bias", "w1", "w3",
                            "w2", "b1", "b3", "b2"};
  for (int64_t l = 0; l < spec.layers; ++l)
    for (const char *n : perLayer)
      names.push_back("layers." + std::to_string(l) + "." + n);
  for (const char *n : {"norm", "norm_bias", "output"})
    names.push_back(n);
  return names;
}

int importAndPrint(StringRef path, bool metadataOnly, SourceMgr &sm) {
  ModelSpec spec;
  ModelWeights weights;
  if (!importGguf(path, SMLoc(), sm, spec, metadataOnly ? nullptr : &weights))
    return 1;
  raw_ostream &os = outs();
  const AttentionSpec &a = spec.attention;
  os << "name " << spec.name << "\nvocab_size " << spec.vocabSize << "\ncontext_length "
     << spec.contextLength << "\ndim " << spec.dim << "\nlayers " << spec.layers
     << "\nheads " << a.heads << "\nkv_heads " << a.kvHeads << "\nposition "
     << stringify(a.position) << "\nrope_theta " << format("%g", a.ropeTheta)
     << "\nrope_pairs " << (a.ropePairs == RopePairs::Adjacent ? "adjacent" : "halves")
     << "\nqkv_bias " << a.qkvBias << "\nout_bias " << a.outBias << "\nnorm "
     << (spec.norm.kind == NormKind::Rms ? "rms" : "layer") << " eps " << format("%g", spec.norm.eps) << " "
     << (spec.norm.placement == NormPlacement::Pre ? "pre" : "post") << " final " << spec.norm.final << "\nmlp hidden "
     << spec.mlp.hidden << " " << stringify(spec.mlp.activation) << " bias " << spec.mlp.bias
     << "\ntie_embeddings " << spec.tieEmbeddings << "\nbos " << spec.tokens.bos << " eos "
     << spec.tokens.eos << " add_bos " << spec.tokens.addBos << "\nweights "
     << (spec.weightsFormat == WeightsFormat::Gguf ? "gguf" : "other") << " " << spec.weights.path << "\ntokenizer ";
  if (spec.tokenizer.path.empty())
    os << "none\n";
  else
    os << (spec.tokenizerFormat == TokenizerFormat::Gguf ? "gguf" : "other") << " " << spec.tokenizer.path << "\n";
  if (metadataOnly)
    return 0;
  for (const std::string &name : canonicalNames(spec)) {
    const WeightTensor *t = weights.lookup(name);
    if (!t)
      continue;
    ArrayRef<float> values = t->values();
    uint32_t crc = crc32(ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                                           values.size() * sizeof(float)));
    os << "tensor " << name << " [";
    for (size_t i = 0; i < t->shape.size(); ++i)
      os << (i ? ", " : "") << t->shape[i];
    os << "] crc32 " << format_hex(crc, 10) << "\n";
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  StringRef file, tensor, out;
  bool import = false, metadataOnly = false;
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "--tensor" && i + 1 < argc)
      tensor = argv[++i];
    else if (arg == "-o" && i + 1 < argc)
      out = argv[++i];
    else if (arg == "--import")
      import = true;
    else if (arg == "--metadata-only")
      metadataOnly = true;
    else if (!arg.starts_with("-") && file.empty())
      file = arg;
    else
      return usage();
  }
  if (file.empty() || tensor.empty() != out.empty() || (import && !tensor.empty()))
    return usage();
  SourceMgr sm;
  if (import)
    return importAndPrint(file, metadataOnly, sm);
  std::unique_ptr<GgufFile> f = GgufFile::open(file, SMLoc(), sm);
  if (!f)
    return 1;
  if (!tensor.empty())
    return writeTensor(*f, tensor, out, sm);
  return dump(*f);
}
