//===- GgufImport.h - A GGUF model as attnc's ModelSpec and weights -*- C++ -*-===//
//
// What a GGUF file means to attnc: its metadata becomes a ModelSpec (the
// architecture options of COMMON6's vocabulary) and its tensors the
// canonical f32 tensors of Weights.h. Two of llama.cpp's architectures are
// read, `llama` (RMS norm, SwiGLU, RoPE on adjacent pairs: llama.cpp's
// converters store q and k permuted to that layout) and `gpt2` (layer norm
// with biases, GELU (tanh), learned positions, a fused qkv projection that is
// split here); any other is refused by name. Every tensor's shape is checked
// against the spec and a tensor the architecture does not have is refused,
// so that a file is either imported whole or not at all.
//
// Keys read (ARCH = general.architecture):
//   ARCH.context_length, embedding_length, block_count, feed_forward_length,
//   ARCH.attention.head_count, llama: attention.head_count_kv (default: head
//   count), rope.freq_base (default 10000), attention.layer_norm_rms_epsilon,
//   rope.dimension_count (must be head_dim if present); gpt2:
//   attention.layer_norm_epsilon; general.name (default: the file's stem);
//   tokenizer.ggml.tokens (its length must be the vocabulary),
//   tokenizer.ggml.bos_token_id, eos_token_id, add_bos_token (default: true
//   for llama, false for gpt2), tokenizer.ggml.model (the tokenizer is the
//   file itself when present).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_GGUFIMPORT_H
#define ATTNC_FRONTEND_GGUFIMPORT_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

namespace attnc {

/// Fills `spec` from the GGUF file at `path` and, when `weights` is not null,
/// registers every tensor under its canonical name as f32 (F32 tensors point
/// into the mapping, which `weights` keeps; other types are converted into
/// storage `weights` owns; a tied `output` aliases `tok_embeddings`). With
/// `weights` null only the metadata and the tensor table are read (for
/// `attnc describe`), and still checked whole. Errors are reported at `loc`
/// (or without a location) as one line naming the file; returns false.
bool importGguf(llvm::StringRef path, llvm::SMLoc loc, llvm::SourceMgr &sm, ModelSpec &spec,
                ModelWeights *weights);

} // namespace attnc

#endif // ATTNC_FRONTEND_GGUFIMPORT_H
