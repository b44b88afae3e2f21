//===- DescriptionFuzzer.cpp - libFuzzer target: description files --------===//
//
// Feeds arbitrary bytes to attnc::parseDescription as the text of a
// description file. The parser must report every problem through the
// SourceMgr and return std::nullopt; any crash, hang, sanitizer report or
// unbounded allocation is a finding. Nothing is read from disk: the buffer
// is named without a directory, so paths in it stay as written and are never
// opened (that happens later, in the importers).
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Description.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::SourceMgr sm;
  // Diagnostics are the expected outcome; printing each would only slow the
  // fuzzer down (the handler still receives and formats them).
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.yaml"),
      llvm::SMLoc());
  std::optional<attnc::ModelSpec> spec = attnc::parseDescription(sm, id);
  if (!spec)
    return 0;
  // An accepted description must satisfy what Description.cpp's schema
  // promises to every later stage; a violation is a finding like a crash.
  const attnc::ModelSpec &s = *spec;
  const attnc::AttentionSpec &a = s.attention;
  auto require = [](bool ok, const char *what) {
    if (!ok) {
      std::fprintf(stderr, "DescriptionFuzzer: accepted a description with %s\n", what);
      std::abort();
    }
  };
  require(!s.name.empty(), "an empty name");
  require(s.vocabSize >= 1 && s.contextLength >= 1 && s.dim >= 1 && s.layers >= 1 &&
              a.heads >= 1 && a.kvHeads >= 1 && s.mlp.hidden >= 1,
          "a size < 1");
  require(s.dim % a.heads == 0 && a.heads % a.kvHeads == 0, "heads not dividing");
  require(s.headDim() % 2 == 0, "an odd rope head_dim");
  require(a.ropeTheta > 0 && s.norm.eps > 0, "rope_theta or eps <= 0");
  require(a.mask != attnc::MaskKind::SlidingWindow || a.window >= 1, "a window < 1");
  return 0;
}
