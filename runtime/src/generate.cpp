//===- generate.cpp - The generation loop over a compiled model ------------===//
//
// Buffers, memref descriptors, and the prefill/decode loop. All allocation
// happens in run_state_create and the sampler's creation; the loop itself
// only fills descriptors on the stack, calls the model, samples and writes.
// Times are measured around the model's entry points only, so the tokens/s
// reported are the compiled code's, not the sampler's or the terminal's.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/generate.h"

#include "runtime/src/format.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "--logits-out writes host floats as little-endian: port it for big-endian hosts"
#endif

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// utilities: time, aligned buffers, descriptors

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

/// `a * b` into *out, false on overflow.
bool mul(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

/// `count` zeroed elements of `elem_bytes` on a 64-byte boundary, or null.
void *alloc_zeroed(int64_t count, size_t elem_bytes) {
  int64_t bytes;
  if (!mul(count, int64_t(elem_bytes), &bytes) || bytes > INT64_MAX - 63)
    return nullptr;
  size_t rounded = size_t((bytes + 63) / 64 * 64); // aligned_alloc wants a multiple
  void *p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (p)
    std::memset(p, 0, rounded);
  return p;
}

/// A row-major descriptor of a contiguous buffer (offset 0: the compiled
/// functions take identity-layout memrefs and ignore the offset field).
template <typename T, int Rank>
AttnMemRef<T, Rank> memref(T *data, const int64_t (&sizes)[Rank]) {
  AttnMemRef<T, Rank> m;
  m.allocated = data;
  m.aligned = data;
  m.offset = 0;
  int64_t stride = 1;
  for (int d = Rank - 1; d >= 0; --d) {
    m.sizes[d] = sizes[d];
    m.strides[d] = stride;
    stride *= sizes[d];
  }
  return m;
}

/// Appends `rows` rows of logits to the --logits-out file.
Status write_logits(FILE *file, const float *logits, int64_t rows, int64_t vocab) {
  size_t n = size_t(rows * vocab);
  if (std::fwrite(logits, sizeof(float), n, file) != n)
    return Status::error(strformat("writing --logits-out failed: %s", std::strerror(errno)));
  return Status::success();
}

/// Writes the text of `next` (following `prev`), or its id without a tokenizer.
void emit_token(FILE *out, const Tokenizer *tokenizer, int32_t prev, int32_t next, bool first) {
  if (tokenizer)
    write_piece(out, decode(*tokenizer, prev, next));
  else
    std::fprintf(out, first ? "%d" : " %d", next);
  std::fflush(out);
}

} // namespace

// ----------------------------------------------------------------------------
// model checks

Status check_model(const Model &model) {
  if (!model.info || !model.weights || !model.prefill || !model.decode)
    return Status::error("incomplete model: info, weights and both entry points are needed");
  const AttnModelInfo &info = *model.info;
  if (info.abi_version != ATTN_ABI_VERSION)
    return Status::error(strformat("the model was compiled for runtime ABI version %lld, "
                                   "this runtime implements version %d: recompile it",
                                   static_cast<long long>(info.abi_version), ATTN_ABI_VERSION));
  struct Field {
    const char *name;
    int64_t value, min;
  } fields[] = {{"vocab_size", info.vocab_size, kTokenEos + 1},
                {"context_length", info.context_length, 1},
                {"layers", info.layers, 1},
                {"kv_heads", info.kv_heads, 1},
                {"head_dim", info.head_dim, 1},
                {"prefill_chunk", info.prefill_chunk, 1},
                {"weights_floats", info.weights_floats, 0},
                {"tokenizer_bytes", info.tokenizer_bytes, 0}};
  for (const Field &f : fields)
    if (f.value < f.min)
      return Status::error(strformat("the model info says %s = %lld, expected >= %lld", f.name,
                                     static_cast<long long>(f.value),
                                     static_cast<long long>(f.min)));
  if (info.vocab_size > INT32_MAX || info.context_length >= INT32_MAX)
    return Status::error("the model info has a vocab_size or context_length beyond int32");
  if (info.tokenizer_bytes > 0 && !model.tokenizer)
    return Status::error("the model info announces a tokenizer but none is linked in");
  return Status::success();
}

// ----------------------------------------------------------------------------
// run state

Status run_state_create(RunState *s, const AttnModelInfo &info) {
  run_state_destroy(s);
  s->layers = info.layers;
  s->kv_heads = info.kv_heads;
  s->context_length = info.context_length;
  s->head_dim = info.head_dim;
  s->vocab_size = info.vocab_size;
  s->prefill_chunk = info.prefill_chunk;
  int64_t cache = 0, logits = 0;
  bool fits = mul(info.layers, info.kv_heads, &cache) && mul(cache, info.context_length, &cache) &&
              mul(cache, info.head_dim, &cache) &&
              mul(info.prefill_chunk, info.vocab_size, &logits);
  if (!fits)
    return Status::error("the KV cache or logits size overflows int64: check the model info");
  s->key_cache = static_cast<float *>(alloc_zeroed(cache, sizeof(float)));
  s->value_cache = static_cast<float *>(alloc_zeroed(cache, sizeof(float)));
  s->logits = static_cast<float *>(alloc_zeroed(logits, sizeof(float)));
  s->tokens = static_cast<int32_t *>(alloc_zeroed(info.context_length + 1, sizeof(int32_t)));
  if (!s->key_cache || !s->value_cache || !s->logits || !s->tokens) {
    run_state_destroy(s);
    return Status::error(strformat("cannot allocate the KV caches (2 x %lld floats) and logits "
                                   "(%lld floats)",
                                   static_cast<long long>(cache), static_cast<long long>(logits)));
  }
  return Status::success();
}

void run_state_destroy(RunState *s) {
  std::free(s->key_cache);
  std::free(s->value_cache);
  std::free(s->logits);
  std::free(s->tokens);
  *s = RunState();
}

// ----------------------------------------------------------------------------
// the generation loop

Status generate(const Model &model, const Tokenizer *tokenizer, Sampler *sampler,
                RunState *state, const GenerateRequest &request, GenerateResult *result) {
  *result = GenerateResult();
  const AttnModelInfo &info = *model.info;
  const int64_t vocab = info.vocab_size, context = info.context_length;
  const int64_t prompt_len = request.prompt_len;
  if (state->vocab_size != vocab || state->context_length != context ||
      state->layers != info.layers || state->kv_heads != info.kv_heads ||
      state->head_dim != info.head_dim || state->prefill_chunk != info.prefill_chunk ||
      sampler->vocab_size != vocab)
    return Status::error("generate: the run state or sampler was created for another model");
  if (prompt_len < 1)
    return Status::error("the prompt is empty: it needs at least one token (BOS)");
  if (prompt_len > context)
    return Status::error(strformat("prompt has %lld tokens but the model's context holds %lld",
                                   static_cast<long long>(prompt_len),
                                   static_cast<long long>(context)));
  for (int64_t i = 0; i < prompt_len; ++i)
    if (request.prompt[i] < 0 || request.prompt[i] >= vocab)
      return Status::error(strformat("prompt token %d at index %lld is out of range: the "
                                     "vocabulary has %lld tokens",
                                     request.prompt[i], static_cast<long long>(i),
                                     static_cast<long long>(vocab)));
  std::memcpy(state->tokens, request.prompt, size_t(prompt_len) * sizeof(int32_t));

  // Descriptors that stay the same for every call.
  const int64_t cache_sizes[4] = {info.layers, info.kv_heads, context, info.head_dim};
  AttnMemRef<const float, 1> weights = memref(model.weights, {info.weights_floats});
  AttnMemRef<float, 4> k_cache = memref(state->key_cache, cache_sizes);
  AttnMemRef<float, 4> v_cache = memref(state->value_cache, cache_sizes);

  // Prefill: the prompt in chunks of at most prefill_chunk positions.
  int64_t last_rows = 0;
  for (int64_t start = 0; start < prompt_len; start += info.prefill_chunk) {
    const int64_t rows = std::min(info.prefill_chunk, prompt_len - start);
    AttnMemRef<const int32_t, 1> tokens = memref<const int32_t>(state->tokens + start, {rows});
    AttnMemRef<float, 2> logits = memref(state->logits, {rows, vocab});
    double t0 = now_seconds();
    model.prefill(&tokens, start, &weights, &k_cache, &v_cache, &logits);
    result->prefill_seconds += now_seconds() - t0;
    if (request.logits_out) {
      Status st = write_logits(request.logits_out, state->logits, rows, vocab);
      if (!st.ok())
        return st;
    }
    last_rows = rows;
  }
  result->prompt_tokens = prompt_len;

  // Decode: sample from the last computed position, print, run the new token.
  const float *next_logits = state->logits + (last_rows - 1) * vocab; // (vocab)
  int64_t count = prompt_len; // tokens in state->tokens
  int32_t prev = state->tokens[prompt_len - 1];
  while (request.n_predict < 0 || result->generated_tokens < request.n_predict) {
    int32_t next = sample(sampler, next_logits);
    if (next == kTokenBos || next == kTokenEos) {
      result->stop = StopReason::EndOfText;
      break;
    }
    state->tokens[count++] = next;
    emit_token(request.text_out, tokenizer, prev, next, result->generated_tokens == 0);
    ++result->generated_tokens;
    prev = next;
    if (result->generated_tokens == request.n_predict)
      break;
    const int64_t pos = count - 1; // where `next` goes in the KV cache
    if (pos >= context) {
      result->stop = StopReason::ContextFull;
      break;
    }
    AttnMemRef<const int32_t, 1> tokens = memref<const int32_t>(state->tokens + pos, {1});
    AttnMemRef<float, 2> logits = memref(state->logits, {1, vocab});
    double t0 = now_seconds();
    model.decode(&tokens, pos, &weights, &k_cache, &v_cache, &logits);
    result->decode_seconds += now_seconds() - t0;
    ++result->decode_calls;
    if (request.logits_out) {
      Status st = write_logits(request.logits_out, state->logits, 1, vocab);
      if (!st.ok())
        return st;
    }
    next_logits = state->logits;
  }
  std::fputc('\n', request.text_out);
  std::fflush(request.text_out);
  return Status::success();
}

} // namespace attnrt
