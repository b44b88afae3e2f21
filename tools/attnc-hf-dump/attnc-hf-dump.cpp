//===- attnc-hf-dump.cpp - Print what the Hugging Face importer reads -----===//
//
// A test tool for compiler/Frontend/HuggingFace.h, so that lit can check the
// importer on its own: the ModelSpec fields it fills, and each canonical
// tensor's name, shape and a checksum of its float bits (FNV-1a 64 over the
// little-endian float32 bytes, which a test recomputes in NumPy from the
// arrays it wrote), or one tensor's floats, raw, for a test to compare.
//
//   attnc-hf-dump DIR [--config-only]
//   attnc-hf-dump DIR --tensor NAME -o OUT
//
// Errors are the importer's, one `error: ...` line, exit status 1.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/HuggingFace.h"
#include "compiler/Frontend/Weights.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace llvm;
using namespace attnc;

namespace {

cl::opt<std::string> input(cl::Positional, cl::desc("<model directory>"), cl::Required);
cl::opt<bool> configOnly("config-only", cl::desc("Read config.json only (no tensors)"));
cl::opt<std::string> tensorName("tensor", cl::desc("Write this canonical tensor's floats"));
cl::opt<std::string> output("o", cl::desc("Output file for --tensor"), cl::init("-"));

uint64_t fnv1a(ArrayRef<float> values) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (float v : values) {
    unsigned char bytes[4];
    std::memcpy(bytes, &v, 4);
    for (unsigned char b : bytes)
      h = (h ^ b) * 0x100000001b3ull;
  }
  return h;
}

/// Every canonical name the families read here can have, in a fixed order.
std::vector<std::string> canonicalNames(const ModelSpec &spec) {
  std::vector<std::string> names = {"tok_embeddings", "pos_embeddings"};
  for (int64_t l = 0; l < spec.layers; ++l)
    for (const char *t : {"attention_norm", "attention_norm_bias", "wq", "wk", "wv", "wo", "bq",
                          "bk", "bv", "bo", "ffn_norm", "ffn_norm_bias", "w1", "w3", "w2", "b1",
                          "b3", "b2"})
      names.push_back("layers." + std::to_string(l) + "." + t);
  for (const char *t : {"norm", "norm_bias", "output"})
    names.push_back(t);
  return names;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Print what the Hugging Face importer reads\n");
  SourceMgr sm;
  ModelSpec spec;
  ModelWeights weights;
  if (!importHuggingFace(input, SMLoc(), sm, spec, configOnly ? nullptr : &weights))
    return 1;

  if (!tensorName.empty()) {
    const WeightTensor *t = weights.lookup(tensorName);
    if (!t) {
      errs() << "error: no tensor '" << tensorName << "'\n";
      return 1;
    }
    std::error_code ec;
    raw_fd_ostream os(output, ec, sys::fs::OF_None);
    if (ec) {
      errs() << "error: cannot write '" << output << "': " << ec.message() << "\n";
      return 1;
    }
    os.write(reinterpret_cast<const char *>(t->data), t->numElements() * sizeof(float));
    return 0;
  }

  const AttentionSpec &a = spec.attention;
  outs() << "name " << spec.name << "\n"
         << "vocab_size " << spec.vocabSize << "\ncontext_length " << spec.contextLength
         << "\ndim " << spec.dim << "\nlayers " << spec.layers << "\nheads " << a.heads
         << "\nkv_heads " << a.kvHeads << "\nmask " << stringify(a.mask) << " window " << a.window
         << "\nposition " << stringify(a.position) << " rope_theta " << a.ropeTheta << " rope_pairs "
         << (a.ropePairs == RopePairs::Halves ? "halves" : "adjacent") << "\nqkv_bias "
         << a.qkvBias << " out_bias " << a.outBias << "\nnorm "
         << (spec.norm.kind == NormKind::Rms ? "rms" : "layer") << " eps " << spec.norm.eps
         << " placement " << (spec.norm.placement == NormPlacement::Pre ? "pre" : "post")
         << " final " << spec.norm.final << "\nmlp " << spec.mlp.hidden << " "
         << stringify(spec.mlp.activation) << " bias " << spec.mlp.bias << "\ntie_embeddings "
         << spec.tieEmbeddings << "\ntokens bos " << spec.tokens.bos << " eos " << spec.tokens.eos
         << " add_bos " << spec.tokens.addBos << "\nweights " << spec.weights.path << " hf "
         << (spec.weightsFormat == WeightsFormat::HuggingFace) << "\ntokenizer "
         << (spec.tokenizer.path.empty() ? "none" : spec.tokenizer.path) << "\n";
  if (configOnly)
    return 0;
  for (const std::string &n : canonicalNames(spec)) {
    const WeightTensor *t = weights.lookup(n);
    if (!t)
      continue;
    outs() << "tensor " << n << " [";
    for (size_t i = 0; i < t->shape.size(); ++i)
      outs() << (i ? ", " : "") << t->shape[i];
    outs() << "] " << format_hex(fnv1a(t->values()), 18) << "\n";
  }
  return 0;
}
