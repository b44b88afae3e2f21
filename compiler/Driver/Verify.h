//===- Verify.h - attnc verify: the compiled model against itself -*- C++ -*-===//
//
// `attnc verify` compiles a model twice with attn_trace (abi.h): through the
// optimized pipeline and through the plain reference path (no tiling, no
// vectorization, no threads: scalar loops straight from linalg), runs both
// executables on the same prompt, and compares what they record at every
// boundary, in order (the embedding; in each layer the attention weights,
// the attention output, the MLP output and the layer's output), then the
// logits of both entry points. The first point out of tolerance is reported
// with the description line it comes from.
//
// `attnc verify --causality` runs the optimized executable's attn_prefill on
// a prompt of 64 tokens, changes the tokens after position p for every p,
// and checks that the logits at positions 0..p stay bitwise identical; and
// checks the recorded attention weights: exactly zero for every key the mask
// hides, rows summing to 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_VERIFY_H
#define ATTNC_DRIVER_VERIFY_H

#include "compiler/Driver/Compile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc {

struct VerifyOptions {
  bool causality = false;
  /// The prompt's token ids; empty: a fixed pseudo-random prompt of
  /// `promptTokens` ids (BOS first when the model has one).
  std::vector<int32_t> promptIds;
  int64_t promptTokens = 24;
  /// A point passes when |optimized - reference| <= tolerance * max(1, |reference|).
  double tolerance = 1e-4;
  /// Keep the executables and traces here (else a temporary directory, removed).
  std::string keepDir;
  /// Passed to both compiles (weight type) and to the optimized one only
  /// (injectFault).
  CompileOptions compile;
};

/// Runs verify; prints the report to stdout, errors through `sm`. Returns
/// the exit code: 0 when everything agrees, 1 otherwise.
int verifyModel(const ModelSpec &spec, const ModelWeights &weights,
                llvm::StringRef tokenizerBytes, const VerifyOptions &options,
                llvm::SourceMgr &sm);

} // namespace attnc

#endif // ATTNC_DRIVER_VERIFY_H
