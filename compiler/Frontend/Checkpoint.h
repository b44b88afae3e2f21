//===- Checkpoint.h - Models given as a checkpoint --------------*- C++ -*-===//
//
// attnc takes a model as a description (YAML) or directly as the checkpoint a
// user already has: a GGUF file, a Hugging Face directory, or a llama2.c
// `.bin`. This file tells them apart, turns a checkpoint's own metadata into
// the ModelSpec a description would give (every importer produces the same
// in-memory model), checks that a description and the checkpoint it names
// agree, and prints a spec back as a description (`attnc describe`).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_CHECKPOINT_H
#define ATTNC_FRONTEND_CHECKPOINT_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace attnc {

enum class ModelSource { Description, Llama2c, Gguf, HuggingFace };

/// What the MODEL argument `path` is: a directory is a Hugging Face
/// checkpoint; a file that starts with "GGUF" or is named `*.gguf` is a GGUF
/// file; one that starts
/// with llama2.c's "ak42" magic or is named `*.bin` is a llama2.c
/// checkpoint; anything else is read as a description. (Whether the file
/// can be read at all is the reader's to report.)
ModelSource detectModelSource(llvm::StringRef path);

/// The weights format of a checkpoint path given with --weights.
WeightsFormat detectWeightsFormat(llvm::StringRef path);

/// The format of a tokenizer path given with --tokenizer: a GGUF file, a
/// `tokenizer.json` (or a directory holding one), else llama2.c's
/// tokenizer.bin.
TokenizerFormat detectTokenizerFormat(llvm::StringRef path);

/// Fills `spec` from the metadata of the checkpoint `path` (`source` says
/// which kind), without loading its tensors, and checks it with checkSpec.
bool describeCheckpoint(ModelSource source, llvm::StringRef path, llvm::SourceMgr &sm,
                        ModelSpec &spec);

/// Checks that a checkpoint's own architecture `inFile` is the one the
/// description `described` has. The description may ask for a shorter
/// context than the checkpoint's (its KV cache is smaller), except with
/// learned positions, whose table has one row per position.
bool checkSpecsAgree(const ModelSpec &described, const ModelSpec &inFile, llvm::SourceMgr &sm);

/// Writes `spec` as a description that parses back to the same spec, with
/// absolute paths so that it can be moved.
void printDescription(const ModelSpec &spec, llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_FRONTEND_CHECKPOINT_H
