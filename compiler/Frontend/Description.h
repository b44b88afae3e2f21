//===- Description.h - Reading a model description file ---------*- C++ -*-===//
//
// A description file (examples/*.yaml) says which architecture to compile and
// where its weights and tokenizer are. This is the parser that turns it into a
// ModelSpec; the schema is documented at the top of Description.cpp. Every
// error is reported through the caller's llvm::SourceMgr at the exact place in
// the file it concerns, and stops the parse.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_DESCRIPTION_H
#define ATTNC_FRONTEND_DESCRIPTION_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include <optional>
#include <string>

namespace attnc {

/// Parses the description held in buffer `bufferId` of `sm`. Relative paths in
/// it are resolved against the directory of the buffer's identifier (the file
/// name it was loaded from). Returns std::nullopt after reporting an error.
std::optional<ModelSpec> parseDescription(llvm::SourceMgr &sm, unsigned bufferId);

/// Loads `path` into `sm` (it stays there, so that later diagnostics can point
/// into it) and parses it. A file that cannot be read is reported as
/// `error: cannot open description '<path>': <reason>`.
std::optional<ModelSpec> parseDescriptionFile(llvm::StringRef path, llvm::SourceMgr &sm);

/// The spelling of an enum value as written in description files, for
/// summaries and messages.
/// A combination of sizes and options no model can have: the description key
/// most likely to be wrong ("attention.kv_heads", "dim") and the message.
struct SpecProblem {
  std::string key;
  std::string message;
};

/// The checks that relate several fields of a spec, whoever made it (the
/// description reader, or an importer from a checkpoint's own metadata):
/// limits of the runtime (abi.h), heads dividing widths, pairs for RoPE, the
/// parameter bound, special token ids within the vocabulary.
std::optional<SpecProblem> checkSpec(const ModelSpec &spec);

llvm::StringRef stringify(MaskKind kind);
llvm::StringRef stringify(RopePairs pairs);
llvm::StringRef stringify(PositionKind kind);
llvm::StringRef stringify(NormKind kind);
llvm::StringRef stringify(NormPlacement placement);
llvm::StringRef stringify(Activation activation);
llvm::StringRef stringify(WeightsFormat format);
llvm::StringRef stringify(TokenizerFormat format);

} // namespace attnc

#endif // ATTNC_FRONTEND_DESCRIPTION_H
