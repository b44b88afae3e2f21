//===- abi.h - The C ABI between compiled models and the runtime -*- C++ -*-===//
//
// What an object file produced by `attnc compile` exports, and what the runtime
// (libattnrt) expects of it. The compiler emits two entry points from the same
// `attn` IR: `attn_prefill` (any number of tokens) and `attn_decode` (one
// token, all shapes static). Both are MLIR functions with
// `llvm.emit_c_interface`, so they are called through `_mlir_ciface_*` with
// memref descriptors. The weights, the tokenizer and an `AttnModelInfo`
// record are embedded in the same object with `.incbin`/`.quad`.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_ABI_H
#define ATTNRT_ABI_H

#include <stdint.h>

/// 2: the special tokens (bos_token, eos_token, add_bos) and the embedded
/// tokenizer format of runtime/include/attnrt/tokenizer.h.
/// 3: the weights are a byte blob (weights_bytes), each tensor in its own
/// element type at a 64-byte aligned byte offset.
/// 4: attn_prefill writes the logits of the last R positions only, R the
/// rows of its logits buffer.
/// 5: the mask kind and window in the model record; the optional entry point
/// attn_trace (attnc compile --trace).
#define ATTN_ABI_VERSION 5

/// AttnModelInfo::mask: which keys a query sees (the description's
/// attention.mask).
#define ATTN_MASK_CAUSAL 0         // keys at positions <= its own
#define ATTN_MASK_NONE 1           // every key
#define ATTN_MASK_SLIDING_WINDOW 2 // causal, and only the last `window` of them

/// The sizes the runtime executes, and so the sizes the compiler
/// accepts (both check against these, so the bound is one number). Token ids
/// are int32 (0 .. vocab_size - 1), and the runtime keeps
/// context_length + 1 token ids, counted in int32.
#define ATTN_MAX_VOCAB_SIZE INT32_MAX
/// The fewest tokens the compiler accepts. Since ABI 2 no id has a fixed
/// meaning (BOS and EOS are in the model record, -1 when absent) and the
/// runtime needs just one token; the bound of 3 stays until the description
/// check (compiler/Frontend/Description.cpp, test/Frontend/limits.test) drops
/// its "ids 0, 1 and 2" reason with it.
#define ATTN_MIN_VOCAB_SIZE 3
#define ATTN_MAX_CONTEXT_LENGTH (INT32_MAX - 1)

/// Weights of at least ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES start on a boundary
/// of ATTN_HUGE_PAGE_BYTES, in the executable's file as in its memory, so
/// that the runtime can have them mapped in transparent huge pages
/// (attnrt::weights_populate). Smaller weights fit the TLB's reach in 4 KiB
/// pages (1536 to 2048 entries of the second-level TLB on recent x86).
#define ATTN_HUGE_PAGE_BYTES (2 << 20)
#define ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES (int64_t(16) << 20)

/// Appended weights. An executable `attnc compile` links carries its
/// weights after its ELF image rather than in a section, so that neither the
/// assembler nor the linker copies hundreds of MB through memory (on a VM
/// whose page faults cost 12 us, that copy was half of stories110M's
/// compile time). The file then ends with
///   zeros up to `offset`, a multiple of ATTN_HUGE_PAGE_BYTES for weights of
///   ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES or more and of
///   ATTN_APPENDED_WEIGHTS_ALIGN otherwise;
///   the weights, `bytes` of them;
///   an AttnWeightsTrailer.
/// Such an executable does not define attn_weights (a weak reference, null);
/// the runtime maps the bytes from /proc/self/exe (attnrt::weights_map_appended).
/// An object (`--emit obj`) still defines attn_weights itself. `strip` drops
/// what follows the ELF image: a stripped executable says that it has no
/// weights and stops.
#define ATTN_APPENDED_WEIGHTS_ALIGN 65536
#define ATTN_WEIGHTS_TRAILER_MAGIC "ATTNWTS1"
struct AttnWeightsTrailer {
  char magic[8];   // ATTN_WEIGHTS_TRAILER_MAGIC, without its terminating zero
  uint64_t offset; // file offset of the weights
  uint64_t bytes;  // == attn_model_info.weights_bytes
};

/// A ranked memref descriptor as MLIR's C interface lays it out.
template <typename T, int Rank> struct AttnMemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// Model facts the runtime needs, all as int64 so the compiler can emit the
/// record as a flat `.quad` list. Field order is part of the ABI.
struct AttnModelInfo {
  int64_t abi_version;     // ATTN_ABI_VERSION
  int64_t vocab_size;
  int64_t context_length;  // positions the KV cache holds
  int64_t dim;
  int64_t layers;
  int64_t heads;
  int64_t kv_heads;
  int64_t head_dim;
  int64_t weights_bytes;   // bytes in attn_weights
  int64_t tokenizer_bytes; // bytes in attn_tokenizer (tokenizer.h's embedded format)
  int64_t prefill_chunk;   // at most this many tokens per attn_prefill call
  // The special tokens (the description's special_tokens, ModelSpec::tokens).
  // They win over the ids the embedded tokenizer declares: the runtime uses
  // these for the prompt, the end of generation and decoding.
  int64_t bos_token;       // prepended to a prompt when add_bos; -1: none
  int64_t eos_token;       // generation stops when it is sampled; -1: none
  int64_t add_bos;         // 1: a text prompt starts with bos_token; 0: it does not
  int64_t mask;            // ATTN_MASK_*
  int64_t window;          // keys a query sees (itself included) for a sliding window, else 0
};

/// The trace buffer of attn_trace for T tokens with N = pos + T keys
/// visible, in floats:
///   embedding             (T, dim)           the input of layer 0
///   then for each layer l, at attn_trace_layer_offset(info, T, N, l):
///     attention.probs     (heads, T, N)      the attention weights
///     attention           (T, heads, head_dim) their weighted sum of values
///     mlp                 (T, dim)           the MLP block's output
///     residual            (T, dim)           the layer's output
/// Returns -1 when the count overflows int64.
inline int64_t attn_trace_layer_floats(const AttnModelInfo &info, int64_t T, int64_t N) {
  int64_t probs, attended, hidden, sum;
  if (__builtin_mul_overflow(info.heads, T, &probs) || __builtin_mul_overflow(probs, N, &probs) ||
      __builtin_mul_overflow(info.heads * info.head_dim, T, &attended) ||
      __builtin_mul_overflow(info.dim, 2 * T, &hidden) ||
      __builtin_add_overflow(probs, attended, &sum) || __builtin_add_overflow(sum, hidden, &sum))
    return -1;
  return sum;
}
inline int64_t attn_trace_floats(const AttnModelInfo &info, int64_t T, int64_t N) {
  int64_t layer = attn_trace_layer_floats(info, T, N), all;
  if (layer < 0 || __builtin_mul_overflow(layer, info.layers, &all) ||
      __builtin_add_overflow(all, info.dim * T, &all))
    return -1;
  return all;
}
inline int64_t attn_trace_layer_offset(const AttnModelInfo &info, int64_t T, int64_t N,
                                       int64_t layer) {
  return info.dim * T + layer * attn_trace_layer_floats(info, T, N);
}

extern "C" {
/// Embedded data (defined by the compiled model object).
extern const AttnModelInfo attn_model_info;
// attn_model_info.weights_bytes bytes, 64-byte aligned; weak in main.cpp,
// where it is not defined when the weights are appended (see above).
extern const unsigned char attn_weights[];
extern const unsigned char attn_tokenizer[]; // attn_model_info.tokenizer_bytes bytes

/// Runs the model on `tokens` (T of them) at positions [pos, pos + T):
/// writes their keys and values into the caches and the logits of the last
/// R positions (pos + T - R .. pos + T - 1) into `logits`: the classifier,
/// the largest matrix of a small model, runs on those R rows only (R = 1
/// when generating, R = T when every position's logits are wanted).
///   tokens  (T)                                   int32 token ids < vocab_size
///   weights (weights_bytes)                       attn_weights, bytes
///   k_cache (layers, kv_heads, context_length, head_dim)
///   v_cache (layers, kv_heads, context_length, head_dim)
///   logits  (R, vocab_size)                       out
/// Requires pos + T <= context_length, 1 <= T <= prefill_chunk and
/// 1 <= R <= T.
void _mlir_ciface_attn_prefill(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                               AttnMemRef<const uint8_t, 1> *weights,
                               AttnMemRef<float, 4> *k_cache,
                               AttnMemRef<float, 4> *v_cache,
                               AttnMemRef<float, 2> *logits);
/// The same for exactly one token (T == 1); allocates nothing on the heap,
/// and its stack frame is bounded independently of the context length:
/// temporaries too large for the stack (the scores over every key) are
/// private static buffers of the object. So it must not run concurrently
/// with itself; the runtime calls it from one thread.
void _mlir_ciface_attn_decode(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                              AttnMemRef<const uint8_t, 1> *weights,
                              AttnMemRef<float, 4> *k_cache,
                              AttnMemRef<float, 4> *v_cache,
                              AttnMemRef<float, 2> *logits);
/// attn_prefill that also records into `trace` (attn_trace_floats floats,
/// laid out as above). Only in models compiled with `attnc compile --trace`
/// (weak: null otherwise); the runtime calls it with pos = 0 and the whole
/// prompt, for --trace-out and --attention-out.
__attribute__((weak)) void
_mlir_ciface_attn_trace(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                        AttnMemRef<const uint8_t, 1> *weights, AttnMemRef<float, 4> *k_cache,
                        AttnMemRef<float, 4> *v_cache, AttnMemRef<float, 2> *logits,
                        AttnMemRef<float, 1> *trace);
}

#endif // ATTNRT_ABI_H
