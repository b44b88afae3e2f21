//===- Llama2cFuzzer.cpp - libFuzzer target: llama2.c checkpoints ----------===//
//
// Writes the input to an in-memory file and reads it with attnc::readLlama2c,
// as `attnc check/compile` do. readLlama2c checks the file against a
// description, so the target derives one from the input's own header (the
// seven int32 fields) and runs it through parseDescription, the same gate
// the driver passes: a header the parser accepts reaches the size checks and
// the tensor mapping; any other input is checked against a fixed
// small description, which exercises the header-mismatch errors. On success
// every float of every tensor is read, so a tensor registered outside the
// mapping is an AddressSanitizer report.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/Llama2c.h"
#include "compiler/Frontend/ArchPlan.h"
#include "compiler/Frontend/Checkpoint.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

/// The checkpoint the description names: an anonymous in-memory file
/// (memfd), reached by path through /proc/self/fd, so that nothing touches
/// the disk (rewriting a file on disk for every input halved the target's
/// speed) and nothing is left behind.
int modelFd = -1;
std::string modelPath;

void setUp() {
  modelFd = memfd_create("attnc-fuzz-model.bin", 0);
  if (modelFd < 0) {
    std::perror("Llama2cFuzzer: memfd_create");
    std::exit(1);
  }
  modelPath = "/proc/self/fd/" + std::to_string(modelFd);
}

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "Llama2cFuzzer: %s\n", what);
    std::abort();
  }
}

/// A description with the header's sizes, naming the in-memory checkpoint.
std::string describe(const int32_t (&h)[7]) {
  auto num = [](int64_t v) { return std::to_string(v); };
  int64_t vocab = h[5] < 0 ? -int64_t(h[5]) : int64_t(h[5]);
  return "name: fuzz\nvocab_size: " + num(vocab) + "\ncontext_length: " + num(h[6]) +
         "\ndim: " + num(h[0]) + "\nlayers: " + num(h[2]) + "\nattention: {heads: " + num(h[3]) +
         ", kv_heads: " + num(h[4]) + "}\nmlp: {hidden: " + num(h[1]) +
         "}\ntie_embeddings: " + (h[5] < 0 ? "false" : "true") +
         "\nweights: {format: llama2c, path: " + modelPath + "}\n";
}

std::optional<attnc::ModelSpec> parse(llvm::SourceMgr &sm, const std::string &text) {
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.yaml"), llvm::SMLoc());
  return attnc::parseDescription(sm, id);
}

/// Every tensor the plan lists is there with its shape; reads every value.
void checkWeights(const attnc::ModelSpec &spec, const attnc::ModelWeights &weights) {
  float sum = 0;
  for (const attnc::TensorInfo &info : attnc::listTensors(spec)) {
    const attnc::WeightTensor *w = weights.lookup(info.name);
    require(w && w->numElements() == info.numElements(), "a tensor is missing or misshapen");
    for (float v : w->values())
      sum += v;
  }
  // Keep the reads from being optimized away.
  volatile float sink = sum;
  (void)sink;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (modelFd < 0)
    setUp();
  require(ftruncate(modelFd, 0) == 0 &&
              pwrite(modelFd, data, size, 0) == static_cast<ssize_t>(size),
          "cannot write the input to the in-memory file");

  llvm::SourceMgr sm;
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  std::optional<attnc::ModelSpec> spec;
  if (size >= 28) {
    int32_t header[7];
    std::memcpy(header, data, sizeof header);
    spec = parse(sm, describe(header));
  }
  if (!spec) {
    const int32_t fallback[7] = {8, 16, 1, 2, 1, 4, 4};
    spec = parse(sm, describe(fallback));
    require(spec.has_value(), "the fixed description was refused");
  }

  // The file given directly as the model (attnc check FILE.bin): its header
  // is the architecture, for every version (v1 and v2 start with a magic, so
  // the description route above rarely reaches them).
  attnc::ModelSpec direct;
  if (attnc::describeCheckpoint(attnc::ModelSource::Llama2c, modelPath, sm, direct)) {
    attnc::ModelWeights weights;
    if (attnc::readLlama2c(direct, sm, weights))
      checkWeights(direct, weights);
  }

  attnc::ModelWeights weights;
  if (attnc::readLlama2c(*spec, sm, weights))
    checkWeights(*spec, weights);
  return 0;
}
