//===- Llama2c.h - llama2.c checkpoints and tokenizers ----------*- C++ -*-===//
//
// The formats of karpathy/llama2.c: the checkpoints of export.py (version 0,
// "legacy", float32, which run.c reads; version 1, float32 behind a 256-byte
// header; version 2, int8 in groups with a float32 scale each, which runq.c
// reads), and writes version 0. The checkpoint is
// mapped, not copied, and checked byte for byte against the description; it
// can also be written, which is how weights generated here (RandomWeights.h)
// reach an independent reference implementation.
//
// Version 0 layout, little-endian: 7 int32 (dim, hidden_dim, n_layers,
// n_heads, n_kv_heads, vocab_size, seq_len; vocab_size < 0 means the
// classifier is stored separately), then the float32 tensors: tok_embeddings,
// each per-layer kind stacked over the layers (attention_norm, wq, wk, wv,
// wo, ffn_norm, w1, w2, w3), norm, two legacy RoPE tables (seq_len *
// head_dim / 2 floats each, cos then sin), then `output` if not shared.
// Versions 1 and 2: magic 0x616b3432 ("ak42"), int32 version, the same 7
// int32 (vocab_size positive), a shared_classifier byte, (version 2) int32
// group_size, zeros up to byte 256; then the float32 norms (attention_norm of
// every layer, ffn_norm of every layer, norm), then tok_embeddings, wq, wk,
// wv, wo, w1, w2, w3 stacked over the layers and `output` if not shared:
// float32 in version 1; in version 2 each tensor is its int8 values followed
// by one float32 scale per group_size values.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_LLAMA2C_H
#define ATTNC_FRONTEND_LLAMA2C_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

namespace attnc {

/// Maps the checkpoint `spec.weights.path` and registers every tensor of
/// `spec` in `out`, pointing into the mapping (a tied `output` aliases
/// `tok_embeddings`). The header must agree with `spec` field by field and the
/// file must have exactly the size the header implies. Errors are reported at
/// `spec.weights.loc`.
bool readLlama2c(const ModelSpec &spec, llvm::SourceMgr &sm, ModelWeights &out);

/// Reads only the header of the llama2.c checkpoint `path` and fills `spec`
/// with the model it describes (name: the file's stem; run.c's constants for
/// what the header does not say: RMSNorm epsilon 1e-5, RoPE theta 10000).
/// The sizes are not checked here: the caller checks the spec (checkSpec).
bool describeLlama2c(llvm::StringRef path, llvm::SMLoc loc, llvm::SourceMgr &sm, ModelSpec &spec);

/// Writes `weights` as a version 0 checkpoint at `path` with writeOutput
/// (compiler/Support/OutputFile.h: a regular file is replaced only when the
/// new one is complete, a device or FIFO is written through). The RoPE tables hold what
/// llama2.c's export.py writes, cos and sin of pos * theta^(-2i/head_dim),
/// computed in double and rounded to float (readers skip them). Refuses to
/// overwrite any input of the model (see checkNotAnInput).
bool saveLlama2c(const ModelSpec &spec, const ModelWeights &weights, llvm::StringRef path,
                 llvm::SourceMgr &sm);


} // namespace attnc

#endif // ATTNC_FRONTEND_LLAMA2C_H
