//===- Import.h - Loading a described model's files -------------*- C++ -*-===//
//
// What the driver calls after parsing a description: load the weights in
// whichever format the description (or the command line) names, check the
// tokenizer, and make sure nothing it writes overwrites one of those inputs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_IMPORT_H
#define ATTNC_FRONTEND_IMPORT_H

#include "compiler/Frontend/Llama2c.h"
#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"

namespace attnc {

/// Fills `out` with the weights `spec` names: a llama2.c checkpoint (mapped)
/// or deterministic random weights from `spec.randomSeed`. Errors are
/// reported at `spec.weights.loc`, or without a location for a path given on
/// the command line.
bool loadWeights(const ModelSpec &spec, llvm::SourceMgr &sm, ModelWeights &out);

/// Checks the tokenizer `spec` names, if any (`info` is left empty if none).
bool checkTokenizer(const ModelSpec &spec, llvm::SourceMgr &sm, TokenizerInfo &info);

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
