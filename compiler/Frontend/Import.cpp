//===- Import.cpp - Loading a described model's files --------------------===//
//
// Dispatches on the formats a description names, looks for non-finite
// weights, and guards the inputs against being overwritten by the driver's
// outputs.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Import.h"

#include "compiler/Frontend/Checkpoint.h"
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/MemoryBudget.h"
#include "compiler/Frontend/RandomWeights.h"
#include "compiler/Frontend/ArchPlan.h"
#include "compiler/Frontend/GgufImport.h"
#include "compiler/Frontend/HuggingFace.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cmath>

using namespace llvm;

namespace attnc {

bool loadWeights(const ModelSpec &spec, SourceMgr &sm, ModelWeights &out) {
  // Before anything sized by the description is allocated.
  if (!checkMemory(spec, sm))
    return false;
  ModelSpec inFile;
  switch (spec.weightsFormat) {
  case WeightsFormat::Llama2c:
    return readLlama2c(spec, sm, out);
  case WeightsFormat::Random:
    generateRandomWeights(spec, spec.randomSeed, out);
    return true;
  case WeightsFormat::Gguf:
    // The architecture first, so that a mismatch is found before the
    // tensors are read (and converted) for nothing.
    if (!importGguf(spec.weights.path, spec.weights.loc, sm, inFile, nullptr) ||
        !checkSpecsAgree(spec, inFile, sm) ||
        !importGguf(spec.weights.path, spec.weights.loc, sm, inFile, &out))
      return false;
    break;
  case WeightsFormat::HuggingFace:
    if (!importHuggingFace(spec.weights.path, spec.weights.loc, sm, inFile, nullptr) ||
        !checkSpecsAgree(spec, inFile, sm) ||
        !importHuggingFace(spec.weights.path, spec.weights.loc, sm, inFile, &out))
      return false;
    break;
  }
  // A shorter context than the checkpoint's (checkSpecsAgree allows it only
  // without learned positions) needs nothing of the weights.
  return true;
}

std::vector<NonFiniteTensor> findNonFinite(const ModelSpec &spec, const ModelWeights &weights) {
  std::vector<NonFiniteTensor> found;
  for (const TensorInfo &info : listTensors(spec)) {
    const WeightTensor *tensor = weights.lookup(info.name);
    if (!tensor)
      continue;
    NonFiniteTensor bad{info.name};
    ArrayRef<float> values = tensor->values();
    for (size_t i = 0, e = values.size(); i != e; ++i) {
      if (std::isfinite(values[i]))
        continue;
      if (bad.count++ == 0) {
        bad.firstIndex = int64_t(i);
        bad.firstValue = values[i];
      }
    }
    if (bad.count)
      found.push_back(std::move(bad));
  }
  return found;
}

std::string describeNonFinite(float value) {
  if (std::isnan(value))
    return "nan";
  return std::signbit(value) ? "-inf" : "inf";
}

bool checkFinite(const ModelSpec &spec, const std::vector<NonFiniteTensor> &found, bool allow,
                 SourceMgr &sm) {
  if (found.empty() || allow)
    return true;
  int64_t total = 0;
  for (const NonFiniteTensor &t : found)
    total += t.count;
  const NonFiniteTensor &first = found.front();
  std::string where =
      spec.weightsFormat == WeightsFormat::Llama2c ? "weights '" + spec.weights.path + "': " : "";
  return reportError(sm, spec.weights.loc,
                     where + "tensor '" + first.name + "' has a non-finite value (" +
                         describeNonFinite(first.firstValue) + ") at index " +
                         Twine(first.firstIndex) + " (" + Twine(total) + " non-finite value" +
                         (total == 1 ? "" : "s") + " in " + Twine(found.size()) + " tensor" +
                         (found.size() == 1 ? "" : "s") +
                         "); --allow-nonfinite lets them through");
}

bool checkTokenizer(ModelSpec &spec, SourceMgr &sm, TokenizerInfo &info) {
  if (spec.tokenizer.path.empty())
    return true;
  if (!importTokenizer(spec, sm, info))
    return false;
  if (!spec.specialTokensGiven)
    spec.tokens = info.special;
  return true;
}

bool checkNotAnInput(const ModelSpec &spec, SourceMgr &sm, StringRef path, StringRef what) {
  struct Input {
    std::string path;
    const char *what;
  };
  SmallVector<Input, 4> inputs;
  for (unsigned id = 1; id <= sm.getNumBuffers(); ++id)
    inputs.push_back(
        {sm.getMemoryBuffer(id)->getBufferIdentifier().str(), "the model description"});
  if (spec.weightsFormat != WeightsFormat::Random && !spec.weights.path.empty()) {
    inputs.push_back({spec.weights.path, "the weights being read"});
    // A Hugging Face checkpoint is a directory: every file in it is the
    // user's (config.json, the shards, the index, tokenizer.json).
    std::error_code ec;
    if (sys::fs::is_directory(spec.weights.path))
      for (sys::fs::directory_iterator it(spec.weights.path, ec), end; !ec && it != end;
           it.increment(ec))
        inputs.push_back({it->path(), "a file of the checkpoint being read"});
  }
  if (!spec.tokenizer.path.empty())
    inputs.push_back({spec.tokenizer.path, "the tokenizer"});
  for (const Input &input : inputs) {
    bool same = false;
    if (!sys::fs::equivalent(input.path, path, same) && same)
      return reportError(sm, SMLoc(),
                         "refusing to write " + what + " to '" + path + "': it is " + input.what);
  }
  return true;
}

} // namespace attnc
