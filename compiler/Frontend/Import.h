//===- Import.h - Loading a described model's files -------------*- C++ -*-===//
//
// What the driver calls after parsing a description: load the weights in
// whichever format the description (or the command line) names, find
// non-finite values in them, check the tokenizer, and make sure nothing it
// writes overwrites one of those inputs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_IMPORT_H
#define ATTNC_FRONTEND_IMPORT_H

#include "compiler/Frontend/Llama2c.h"
#include "compiler/Frontend/TokenizerImport.h"
#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>
#include <string>
#include <vector>

namespace attnc {

/// Fills `out` with the weights `spec` names: a llama2.c checkpoint (mapped)
/// or deterministic random weights from `spec.randomSeed`. First checks that
/// the model fits this machine's memory (checkMemory, MemoryBudget.h), so
/// that `check` and `compile` both refuse one that does not before anything
/// is allocated for it. Errors are reported at `spec.weights.loc`, or without
/// a location for a path given on the command line.
bool loadWeights(const ModelSpec &spec, llvm::SourceMgr &sm, ModelWeights &out);

/// A tensor that holds NaN or infinite values.
struct NonFiniteTensor {
  std::string name;
  int64_t count = 0;      // non-finite values in it
  int64_t firstIndex = 0; // flat (row-major) index of the first one
  float firstValue = 0;
};

/// Every tensor of `spec` in `weights` that holds a non-finite value, in file
/// order (a tied `output` is `tok_embeddings` and not listed twice).
std::vector<NonFiniteTensor> findNonFinite(const ModelSpec &spec, const ModelWeights &weights);

/// "nan", "inf" or "-inf".
std::string describeNonFinite(float value);

/// Reports `error: ... tensor 'NAME' has a non-finite value (nan) at index I
/// (...)` for the first of `found` and returns false, unless `found` is empty
/// or `allow` (--allow-nonfinite) lets them through.
bool checkFinite(const ModelSpec &spec, const std::vector<NonFiniteTensor> &found, bool allow,
                 llvm::SourceMgr &sm);

/// Converts the tokenizer `spec` names, if any, to the embedded format
/// (importTokenizer; `info` is left empty if none), and, when neither the
/// description nor the checkpoint said which tokens are special, takes them
/// from the tokenizer into `spec`.
bool checkTokenizer(ModelSpec &spec, llvm::SourceMgr &sm, TokenizerInfo &info);

/// Reports an error and returns false if writing `path` (described as `what`
/// in the message, e.g. "the output") would overwrite an input: a file loaded
/// into `sm` (the description), the weights or the tokenizer. Files are
/// compared by identity (device and inode), so another spelling of the same
/// file or a hard link is caught as well; a path that does not exist yet is
/// never an input.
bool checkNotAnInput(const ModelSpec &spec, llvm::SourceMgr &sm, llvm::StringRef path,
                     llvm::StringRef what);

} // namespace attnc

#endif // ATTNC_FRONTEND_IMPORT_H
