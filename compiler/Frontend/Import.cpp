//===- Import.cpp - Loading a described model's files --------------------===//
//
// Dispatches on the formats a description names and guards the inputs
// against being overwritten by the driver's outputs.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Import.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/RandomWeights.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace attnc {

bool loadWeights(const ModelSpec &spec, SourceMgr &sm, ModelWeights &out) {
  switch (spec.weightsFormat) {
  case WeightsFormat::Llama2c:
    return readLlama2c(spec, sm, out);
  case WeightsFormat::Random:
    generateRandomWeights(spec, spec.randomSeed, out);
    return true;
  }
  return reportError(sm, SMLoc(), "unknown weights format");
}

bool checkTokenizer(const ModelSpec &spec, SourceMgr &sm, TokenizerInfo &info) {
  if (spec.tokenizer.path.empty())
    return true;
  switch (spec.tokenizerFormat) {
  case TokenizerFormat::Llama2c:
    return checkLlama2cTokenizer(spec, sm, info);
  }
  return reportError(sm, SMLoc(), "unknown tokenizer format");
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
  if (spec.weightsFormat == WeightsFormat::Llama2c)
    inputs.push_back({spec.weights.path, "the weights being read"});
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
