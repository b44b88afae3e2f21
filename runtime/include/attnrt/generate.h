//===- generate.h - The generation loop over a compiled model ---*- C++ -*-===//
//
// Prefill then decode, as llama2.c's generate() but with the prompt run in
// batches: the prompt goes through the model's `attn_prefill` entry point in
// chunks of at most `prefill_chunk` tokens, the first new token is sampled
// from the logits of the last prompt position, and every further token is
// run through `attn_decode` one at a time. The model is reached only through
// the function pointers of a Model, so tests can substitute a fake one;
// main.cpp fills a Model with the symbols of the linked model object.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_GENERATE_H
#define ATTNRT_GENERATE_H

#include "runtime/include/attnrt/abi.h"
#include "runtime/include/attnrt/sampler.h"
#include "runtime/include/attnrt/status.h"
#include "runtime/include/attnrt/tokenizer.h"

#include <cstdint>
#include <cstdio>

namespace attnrt {

/// The signature of `_mlir_ciface_attn_prefill` and `_mlir_ciface_attn_decode`.
using AttnEntryPoint = void (*)(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                                AttnMemRef<const uint8_t, 1> *weights,
                                AttnMemRef<float, 4> *k_cache, AttnMemRef<float, 4> *v_cache,
                                AttnMemRef<float, 2> *logits);

/// The signature of `_mlir_ciface_attn_trace`.
using AttnTraceEntryPoint = void (*)(AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                                     AttnMemRef<const uint8_t, 1> *weights,
                                     AttnMemRef<float, 4> *k_cache,
                                     AttnMemRef<float, 4> *v_cache, AttnMemRef<float, 2> *logits,
                                     AttnMemRef<float, 1> *trace);

/// A compiled model as the runtime sees it.
struct Model {
  const AttnModelInfo *info = nullptr;
  const unsigned char *weights = nullptr;  // (weights_bytes)
  const unsigned char *tokenizer = nullptr; // (tokenizer_bytes) tokenizer.h's format; none when 0 bytes
  AttnEntryPoint prefill = nullptr;        // 1 <= T <= prefill_chunk tokens
  AttnEntryPoint decode = nullptr;         // exactly 1 token
  AttnTraceEntryPoint trace = nullptr;     // optional (attnc compile --trace)
};

/// The weights an executable carries after its ELF image (abi.h's appended
/// weights): checks the trailer at the end of `path` (the running program:
/// /proc/self/exe) against `bytes` (attn_model_info.weights_bytes) and maps
/// them read-only, at an address aligned as their offset is (2 MiB for large
/// weights, so that transparent huge pages can map them), into *weights. The
/// mapping lasts as long as the process. Errors name the file and what is
/// wrong: no trailer (a stripped or truncated file), sizes that disagree.
Status weights_map_appended(const char *path, int64_t bytes, const unsigned char **weights);

/// Checks that `model` is complete and that its info record is one this
/// runtime understands (abi_version == ATTN_ABI_VERSION, positive sizes).
Status check_model(const Model &model);

/// Maps the model's weights into the process's page tables now, before the
/// first prefill (MADV_POPULATE_READ): the weights are read-only pages of
/// the executable, mapped lazily on first use, and the first prefill would
/// otherwise take a page fault every few pages of them inside its timing.
///
/// Weights of at least `huge_page_min_bytes` are first advised into
/// transparent huge pages (MADV_HUGEPAGE on their whole 2 MiB pages, which
/// the compiler aligns in the file as in memory, abi.h): decode streams
/// every weight once a token, a TLB miss every 4 KiB page (107,000 a token
/// for stories110M) where a 2 MiB page takes one. Where the kernel keeps
/// the file's page cache in 2 MiB folios (a file system with large folios:
/// stories110M's weights all of them after `attnc compile`, 98% read back
/// from disk, none after a `cp`) they are then mapped 2 MiB at a time, at
/// no cost; elsewhere they stay in 4 KiB pages, as before.
/// Best effort: a kernel without either advice leaves the pages as they were.
void weights_populate(const Model &model,
                      int64_t huge_page_min_bytes = ATTN_HUGE_PAGE_WEIGHTS_MIN_BYTES);

/// Keeps the heap's freed memory in the process (glibc: no mmap'd chunks up
/// to 32 MiB, no trimming of the heap's top). attn_prefill's temporaries are
/// heap buffers of tokens x width floats, allocated and freed in every layer;
/// with glibc's defaults those above 128 KiB come from mmap and go back at
/// every free (or the heap's top is trimmed), so each layer took their page
/// faults again, and with several threads each munmap also interrupted the
/// others to flush their TLBs. No effect with another C library.
void heap_retain();

/// Everything the loop writes, allocated once per run (run_state_create).
struct RunState {
  int64_t layers = 0, kv_heads = 0, context_length = 0, head_dim = 0;
  int64_t vocab_size = 0, prefill_chunk = 0;
  float *key_cache = nullptr;   // (layers, kv_heads, context_length, head_dim) zeroed, 64-byte aligned
  float *value_cache = nullptr; // (layers, kv_heads, context_length, head_dim) zeroed, 64-byte aligned
  float *logits = nullptr;      // (prefill_chunk, vocab_size) 64-byte aligned
  int32_t *tokens = nullptr;    // (context_length + 1) the prompt, then the generated ids
  void *blocks[4] = {};         // what calloc returned for the four buffers above, to free
};

/// Allocates the buffers for the shapes in `info` (checked by check_model).
/// A size that overflows or an allocation that fails is an error that says
/// how much the buffer needs and from which model facts, e.g.
/// "the KV cache needs 16.0 GiB (keys and values: 2 x 32 layers x ...)".
Status run_state_create(RunState *s, const AttnModelInfo &info);

/// Frees the buffers; `s` is empty afterwards.
void run_state_destroy(RunState *s);

/// Writes the KV cache's pages for positions [0, positions) of every layer
/// and head, with the zeros they hold, at load: the positions a run will
/// write, so that their first-touch cost (a page fault, 12-15 us each on the
/// measured VM, 864 of them in stories15M's 256-token prefill, and a slow
/// first write even to pages MADV_POPULATE_WRITE mapped) is not taken inside
/// prefill and decode, as llama.cpp clears its whole cache when it creates a
/// context. The rest of the cache stays untouched: a long context costs
/// memory only as far as a run goes.
void kv_cache_populate(const RunState &s, int64_t positions);

/// What to generate and where the output goes.
struct GenerateRequest {
  const int32_t *prompt = nullptr; // (prompt_len) ids < vocab_size, BOS already in place
  int64_t prompt_len = 0;          // 1 ..= context_length
  int64_t n_predict = 0;           // tokens to generate; -1: until the context is full
  bool ignore_eos = false;         // true: do not stop at EOS or BOS (generate n_predict tokens)
  bool warmup = false;             // true: the prompt's prefill once, untimed, before the timed one
  FILE *text_out = nullptr;        // each new token's text (its id when there is no tokenizer)
  FILE *logits_out = nullptr;      // optional: float32 logits of each computed position
  /// Optional: the prompt runs through model.trace in one call, recording
  /// into `trace` (attn_trace_floats(info, prompt_len, prompt_len) floats)
  /// and writing every prompt position's logits to `trace_logits`
  /// (prompt_len x vocab_size).
  float *trace = nullptr;
  int64_t trace_floats = 0;
  float *trace_logits = nullptr;
};

/// Why generation ended.
enum class StopReason { Limit, EndOfText, ContextFull };

/// Counts and times of one generate() call.
struct GenerateResult {
  int64_t prompt_tokens = 0;    // positions run by prefill
  int64_t generated_tokens = 0; // tokens sampled and printed (BOS/EOS excluded)
  int64_t decode_calls = 0;     // positions run by decode
  double prefill_seconds = 0;   // in the prefill entry point
  double decode_seconds = 0;    // in the decode entry point
  StopReason stop = StopReason::Limit;
};

/// Runs the prompt, then samples up to `n_predict` tokens, writing each one's
/// text to `text_out` as soon as it is sampled (decode(prev, next) through a
/// TextStream, so the output is valid UTF-8 even when a character's bytes
/// come in several tokens; the prompt is not echoed) and a final "\n". Stops
/// early at a sampled EOS or BOS of the model info (not printed; not with
/// ignore_eos) or when the next token would not fit in the context. The generated ids follow the prompt in
/// `state->tokens`. `tokenizer` may be null: ids are printed instead of text.
/// Allocates nothing on the heap per token. Fails, stopping at once, when
/// the logits about to be sampled hold a NaN or an infinity ("the model
/// produced a non-finite logit (nan) at position P, token id I") and when
/// writing to `text_out` fails ("writing the generated text failed: ...").
Status generate(const Model &model, const Tokenizer *tokenizer, Sampler *sampler,
                RunState *state, const GenerateRequest &request, GenerateResult *result);

} // namespace attnrt

#endif // ATTNRT_GENERATE_H
