//===- GgufFuzzer.cpp - libFuzzer target: GGUF files -----------------------===//
//
// Parses the input as a GGUF file (attnc::GgufFile, from memory), reads every
// metadata value through each typed accessor, converts every tensor to
// float32 and reads the floats, then runs importGguf on the same bytes (an
// in-memory file reached by path, as the driver opens files) in metadata
// mode and with weights, reading every float of every tensor it registers.
// A read outside the file, an unchecked size or an allocation the input
// cannot back shows up as a sanitizer report or libFuzzer's OOM.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Gguf.h"
#include "compiler/Frontend/GgufImport.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

/// The input as a file: an anonymous in-memory file (memfd) reached through
/// /proc/self/fd, so that nothing touches the disk.
int modelFd = -1;
std::string modelPath;

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "GgufFuzzer: %s\n", what);
    std::abort();
  }
}

float sumAll(const float *data, uint64_t n) {
  float sum = 0;
  for (uint64_t i = 0; i < n; ++i)
    sum += data[i];
  return sum;
}

void readEverything(const attnc::GgufFile &file) {
  float sum = 0;
  for (const attnc::GgufValue &v : file.metadata()) {
    llvm::consumeError(file.getUInt(v.key).takeError());
    llvm::consumeError(file.getInt(v.key).takeError());
    llvm::consumeError(file.getDouble(v.key).takeError());
    llvm::consumeError(file.getBool(v.key).takeError());
    llvm::consumeError(file.getString(v.key).takeError());
    llvm::consumeError(file.getArrayLength(v.key).takeError());
    if (auto s = file.getStringArray(v.key))
      for (llvm::StringRef str : *s)
        sum += str.empty() ? 0 : str.back();
    else
      llvm::consumeError(s.takeError());
    if (auto f = file.getFloatArray(v.key))
      sum += sumAll(f->data(), f->size());
    else
      llvm::consumeError(f.takeError());
    llvm::consumeError(file.getIntArray(v.key).takeError());
  }
  for (const attnc::GgufTensor &t : file.tensors()) {
    std::vector<float> values = file.dequantize(t);
    sum += sumAll(values.data(), values.size());
  }
  volatile float sink = sum;
  (void)sink;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto parsed = attnc::GgufFile::parse(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.gguf"),
      "fuzz.gguf");
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return 0;
  }
  readEverything(**parsed);

  if (modelFd < 0) {
    modelFd = memfd_create("attnc-fuzz-model.gguf", 0);
    require(modelFd >= 0, "memfd_create failed");
    modelPath = "/proc/self/fd/" + std::to_string(modelFd);
  }
  require(ftruncate(modelFd, 0) == 0 &&
              pwrite(modelFd, data, size, 0) == static_cast<ssize_t>(size),
          "cannot write the input to the in-memory file");
  llvm::SourceMgr sm;
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  attnc::ModelSpec spec;
  if (!attnc::importGguf(modelPath, llvm::SMLoc(), sm, spec, nullptr))
    return 0;
  attnc::ModelWeights weights;
  require(attnc::importGguf(modelPath, llvm::SMLoc(), sm, spec, &weights),
          "the metadata imported but the weights did not");
  const attnc::WeightTensor *embedding = weights.lookup("tok_embeddings");
  require(embedding && embedding->shape.size() == 2 && embedding->shape[0] == spec.vocabSize &&
              embedding->shape[1] == spec.dim,
          "tok_embeddings is missing or misshapen");
  float sum = sumAll(embedding->data, uint64_t(embedding->numElements()));
  for (int64_t l = 0; l < spec.layers; ++l)
    for (const char *name : {"wq", "wk", "wv", "wo", "w1", "w2"}) {
      const attnc::WeightTensor *w = weights.lookup("layers." + std::to_string(l) + "." + name);
      require(w != nullptr, "a layer tensor is missing");
      sum += sumAll(w->data, uint64_t(w->numElements()));
    }
  volatile float sink = sum;
  (void)sink;
  return 0;
}
