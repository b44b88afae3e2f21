//===- HuggingFace.h - Hugging Face checkpoint directories ------*- C++ -*-===//
//
// A Hugging Face model directory holds config.json (the architecture), the
// weights as safetensors (Safetensors.h: one model.safetensors, or shards
// named by model.safetensors.index.json) and usually tokenizer.json. Two
// families are read: LlamaForCausalLM and MistralForCausalLM (RMSNorm,
// SwiGLU, RoPE on rotate-half pairs, grouped-query attention, Mistral's
// sliding window) and GPT2LMHeadModel (LayerNorm, learned positions, GELU,
// biases everywhere, Conv1D weights stored (in, out)). Every other
// architecture, and every config option that would change what the model
// computes without being modelled here (rope_scaling, a non-silu Llama
// activation, GPT-2's unscaled attention...), is refused by name rather than
// silently ignored.
//
// Tensors are renamed to the canonical names of Weights.h and converted to
// float32 row-major (out, in): Llama's nn.Linear weights as stored, GPT-2's
// Conv1D weights transposed, and its fused c_attn split into wq, wk, wv.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_HUGGINGFACE_H
#define ATTNC_FRONTEND_HUGGINGFACE_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include <cstdint>

namespace attnc {

/// The largest config.json read (real ones are a few KiB).
constexpr uint64_t kMaxHfConfigBytes = uint64_t(1) << 20;

/// The architectures read.
enum class HfArchitecture { Llama, Mistral, Gpt2 };

/// Fills `spec` from the text of a config.json (`path` names it in
/// messages): every architecture field, the special tokens, and the name;
/// not the weights or tokenizer references. For importHuggingFace and the
/// fuzzer.
bool parseHuggingFaceConfig(llvm::StringRef text, llvm::StringRef path, llvm::SMLoc loc,
                            llvm::SourceMgr &sm, ModelSpec &spec, HfArchitecture &arch);

/// Reads the model directory `dir` into `spec` (named after the directory;
/// weights = {dir, loc} with format HuggingFace, and tokenizer =
/// {DIR/tokenizer.json, loc} with format HuggingFace when that file exists)
/// and, unless `weights` is null (`attnc describe` needs the architecture
/// only), every tensor, checked against the config: each expected tensor
/// present with its shape, no unexpected one. Errors are reported at `loc`.
bool importHuggingFace(llvm::StringRef dir, llvm::SMLoc loc, llvm::SourceMgr &sm,
                       ModelSpec &spec, ModelWeights *weights);

} // namespace attnc

#endif // ATTNC_FRONTEND_HUGGINGFACE_H
