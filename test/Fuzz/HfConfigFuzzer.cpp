//===- HfConfigFuzzer.cpp - libFuzzer target: Hugging Face config.json ----===//
//
// Reads the input as a config.json with attnc::parseHuggingFaceConfig, the
// reader behind `attnc check/compile/describe DIR`. A config it accepts must
// describe a model the rest of the compiler can build: heads dividing the
// width, KV heads dividing the heads, an even head size for RoPE, special
// tokens inside the vocabulary, a window only with the sliding-window mask;
// the target asserts each.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/HuggingFace.h"

#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "HfConfigFuzzer: %s\n", what);
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::SourceMgr sm;
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  attnc::ModelSpec spec;
  attnc::HfArchitecture arch;
  if (!attnc::parseHuggingFaceConfig(text, "config.json", llvm::SMLoc(), sm, spec, arch))
    return 0;
  const attnc::AttentionSpec &a = spec.attention;
  require(spec.dim > 0 && spec.layers > 0 && spec.vocabSize > 0 && spec.contextLength > 0 &&
              spec.mlp.hidden > 0,
          "a non-positive size was accepted");
  require(a.heads > 0 && a.kvHeads > 0 && spec.dim % a.heads == 0 && a.heads % a.kvHeads == 0,
          "heads that do not divide the width, or KV heads the heads, were accepted");
  require(a.position != attnc::PositionKind::Rope || spec.headDim() % 2 == 0,
          "an odd head size with RoPE was accepted");
  require(spec.tokens.bos < spec.vocabSize && spec.tokens.eos < spec.vocabSize &&
              spec.tokens.bos >= -1 && spec.tokens.eos >= -1,
          "a special token outside the vocabulary was accepted");
  require((a.mask == attnc::MaskKind::SlidingWindow) == (a.window > 0),
          "a window without the sliding-window mask, or the reverse, was accepted");
  require(spec.norm.eps > 0 && a.ropeTheta > 0, "a non-positive eps or rope_theta was accepted");
  return 0;
}
