//===- Llama2cFuzzer.cpp - libFuzzer target: llama2.c checkpoints ----------===//
//
// Writes the input to a file in a private temporary directory and reads it
// with attnc::readLlama2c, as `attnc check/compile` do. readLlama2c checks the
// file against a description, so the target derives one from the input's own
// header (the seven int32 fields) and runs it through parseDescription, the
// same gate the driver passes: a header the parser accepts reaches the size
// checks and the tensor mapping; any other input is checked against a fixed
// small description, which exercises the header-mismatch errors. On success
// every float of every tensor is read, so a tensor registered outside the
// mapping is an AddressSanitizer report.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Description.h"
#include "compiler/Frontend/Llama2c.h"
#include "compiler/Frontend/TensorList.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

/// The private directory holding the checkpoint ("model.bin") and the name of
/// the description that refers to it; removed at exit.
std::string directory;

void removeDirectory() {
  std::remove((directory + "/model.bin").c_str());
  rmdir(directory.c_str());
}

void setUp() {
  const char *tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/attnc-fuzz-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    std::perror("Llama2cFuzzer: mkdtemp");
    std::exit(1);
  }
  directory = pattern;
  std::atexit(removeDirectory);
}

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "Llama2cFuzzer: %s\n", what);
    std::abort();
  }
}

/// A description with the header's sizes, naming model.bin next to it.
std::string describe(const int32_t (&h)[7]) {
  auto num = [](int64_t v) { return std::to_string(v); };
  int64_t vocab = h[5] < 0 ? -int64_t(h[5]) : int64_t(h[5]);
  return "name: fuzz\nvocab_size: " + num(vocab) + "\ncontext_length: " + num(h[6]) +
         "\ndim: " + num(h[0]) + "\nlayers: " + num(h[2]) + "\nattention: {heads: " + num(h[3]) +
         ", kv_heads: " + num(h[4]) + "}\nmlp: {hidden: " + num(h[1]) +
         "}\ntie_embeddings: " + (h[5] < 0 ? "false" : "true") +
         "\nweights: {format: llama2c, path: model.bin}\n";
}

std::optional<attnc::ModelSpec> parse(llvm::SourceMgr &sm, const std::string &text) {
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, directory + "/fuzz.yaml"), llvm::SMLoc());
  return attnc::parseDescription(sm, id);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (directory.empty())
    setUp();
  std::string path = directory + "/model.bin";
  FILE *file = std::fopen(path.c_str(), "wb");
  require(file && std::fwrite(data, 1, size, file) == size && std::fclose(file) == 0,
          "cannot write the input to the temporary directory");

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

  attnc::ModelWeights weights;
  if (!attnc::readLlama2c(*spec, sm, weights))
    return 0;
  float sum = 0;
  for (const attnc::TensorInfo &info : attnc::listTensors(*spec)) {
    const attnc::WeightTensor *w = weights.lookup(info.name);
    require(w && w->numElements() == info.numElements(), "a tensor is missing or misshapen");
    for (float v : w->values())
      sum += v;
  }
  // Keep the reads from being optimized away.
  volatile float sink = sum;
  (void)sink;
  return 0;
}
