//===- trace.h - What the executable records with attn_trace ---*- C++ -*-===//
//
// --trace-out and --attention-out: the prompt runs through the model's
// attn_trace entry point (abi.h; models compiled with `attnc compile
// --trace`), and what it recorded is written out: the whole trace buffer
// (attnc verify reads it), or the attention weights of chosen layers and
// heads as JSON (`attnc attention-map` renders it).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_TRACE_H
#define ATTNRT_TRACE_H

#include "runtime/include/attnrt/abi.h"
#include "runtime/include/attnrt/status.h"
#include "runtime/include/attnrt/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnrt {

/// Opens `path` for writing, refusing anything that exists and is not a
/// regular file (a FIFO, a device, a directory): such a file is never
/// truncated or written. `flag` names the option in errors.
Status open_output(const char *flag, const std::string &path, FILE **file);

/// --trace-out: the raw float32 trace buffer (abi.h's layout for T prompt
/// tokens, N = T keys) followed by the T x vocab_size logits of every prompt
/// position, little-endian.
Status write_trace(const std::string &path, const float *trace, int64_t trace_floats,
                   const float *logits, int64_t rows, int64_t vocab);

/// What --attention-out records.
struct AttentionRequest {
  std::string path;
  std::string model;           // the model's name (the executable's)
  std::vector<int32_t> layers; // empty: all
  std::vector<int32_t> heads;  // empty: all
};

/// The layers and heads of `request` exist in the model.
Status check_attention_request(const AttentionRequest &request, const AttnModelInfo &info);

/// --attention-out: JSON {"format": "attnc-attention", "version": 1, "model",
/// "mask", "window", "layers", "heads", "tokens" (each prompt token's text),
/// "token_ids", "maps": [{"layer", "head", "weights": T rows of T keys}]}.
/// Token text is the tokenizer's decoding (invalid UTF-8 as U+FFFD), or the
/// id without a tokenizer.
Status write_attention(const AttentionRequest &request, const AttnModelInfo &info,
                       const Tokenizer *tokenizer, const int32_t *ids, int64_t T,
                       const float *trace);

} // namespace attnrt

#endif // ATTNRT_TRACE_H
