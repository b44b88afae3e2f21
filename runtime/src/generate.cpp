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
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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

/// `bytes` zeroed bytes on a 64-byte boundary, or null; *block receives
/// what to free. calloc rather than aligned_alloc + memset: glibc serves large
/// blocks with fresh mmap'd pages it does not touch, so a KV cache costs
/// memory only as positions are written, and an allocation the system cannot
/// grant fails here (ulimit -v, overcommit) instead of at the memset.
float *alloc_zeroed(int64_t bytes, void **block) {
  // x86-64 and AArch64 give a process at most 2^47 bytes of addresses: a
  // larger request cannot succeed, so it is not made (sanitizer allocators
  // abort on such sizes instead of returning null).
  constexpr int64_t kAddressSpace = int64_t(1) << 47;
  *block = nullptr;
  if (bytes < 0 || bytes > kAddressSpace)
    return nullptr;
  void *p = std::calloc(size_t(bytes) + 64, 1);
  if (!p)
    return nullptr;
  *block = p;
  uintptr_t aligned = (reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63);
  return reinterpret_cast<float *>(aligned);
}

/// `bytes` for a message: "12.0 GiB", "3.5 MiB", or "4.2e+12 GiB" when it is
/// far beyond any machine (sizes that overflow are computed in double).
std::string size_text(double bytes) {
  const double gib = bytes / (1024.0 * 1024.0 * 1024.0);
  if (gib >= 1e6)
    return strformat("%.3g GiB", gib);
  if (gib >= 0.1)
    return strformat("%.1f GiB", gib);
  return strformat("%.1f MiB", bytes / (1024.0 * 1024.0));
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

/// The error for a failed write of the generated text, with errno's reason.
Status text_write_error(int err) {
  return Status::error(strformat("writing the generated text failed: %s",
                                 err ? std::strerror(err) : "the stream reports an error"));
}

/// Writes the text of `next` (following `prev`) through the UTF-8 stream, or
/// its id without a tokenizer, and flushes it so it shows as it is
/// generated. `buffer` has room for any token's text (reserved once), so
/// nothing is allocated here. Every call is checked: a full disk or a closed
/// stdout stops generation at the first token that cannot be written
/// instead of computing the rest for nothing.
Status emit_token(FILE *out, const Tokenizer *tokenizer, TextStream *stream,
                  std::string *buffer, int32_t prev, int32_t next, bool first) {
  errno = 0;
  bool ok;
  if (tokenizer) {
    buffer->clear();
    text_stream_put(stream, decode(*tokenizer, prev, next), buffer);
    ok = std::fwrite(buffer->data(), 1, buffer->size(), out) == buffer->size();
  } else {
    ok = std::fprintf(out, first ? "%d" : " %d", next) >= 0;
  }
  if (!ok || std::fflush(out) != 0)
    return text_write_error(errno);
  return Status::success();
}

/// Fails on the first NaN or infinity in the logits of position `pos`: a
/// sampler given one would silently pick a wrong token (argmax of NaNs is 0,
/// <unk>), so the run stops with the position and the token id instead.
Status check_logits(const float *row, int64_t vocab, int64_t pos) {
  for (int64_t i = 0; i < vocab; ++i) {
    if (!std::isfinite(row[i])) {
      const char *what = std::isnan(row[i]) ? "nan" : row[i] > 0 ? "inf" : "-inf";
      return Status::error(strformat("the model produced a non-finite logit (%s) at position "
                                     "%lld, token id %lld",
                                     what, static_cast<long long>(pos),
                                     static_cast<long long>(i)));
    }
  }
  return Status::success();
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
  } fields[] = {{"vocab_size", info.vocab_size, 1},
                {"context_length", info.context_length, 1},
                {"layers", info.layers, 1},
                {"kv_heads", info.kv_heads, 1},
                {"head_dim", info.head_dim, 1},
                {"prefill_chunk", info.prefill_chunk, 1},
                {"weights_bytes", info.weights_bytes, 0},
                {"tokenizer_bytes", info.tokenizer_bytes, 0}};
  for (const Field &f : fields)
    if (f.value < f.min)
      return Status::error(strformat("the model info says %s = %lld, expected >= %lld", f.name,
                                     static_cast<long long>(f.value),
                                     static_cast<long long>(f.min)));
  if (info.vocab_size > ATTN_MAX_VOCAB_SIZE)
    return Status::error(strformat("the model info says vocab_size = %lld, this runtime "
                                   "executes at most %lld",
                                   static_cast<long long>(info.vocab_size),
                                   static_cast<long long>(ATTN_MAX_VOCAB_SIZE)));
  if (info.context_length > ATTN_MAX_CONTEXT_LENGTH)
    return Status::error(strformat("the model info says context_length = %lld, this runtime "
                                   "executes at most %lld",
                                   static_cast<long long>(info.context_length),
                                   static_cast<long long>(ATTN_MAX_CONTEXT_LENGTH)));
  const struct {
    const char *name;
    int64_t value;
  } specials[] = {{"bos_token", info.bos_token}, {"eos_token", info.eos_token}};
  for (const auto &f : specials)
    if (f.value < -1 || f.value >= info.vocab_size)
      return Status::error(strformat("the model info says %s = %lld, expected -1 (none) or a "
                                     "token id below vocab_size %lld",
                                     f.name, static_cast<long long>(f.value),
                                     static_cast<long long>(info.vocab_size)));
  if (info.add_bos != 0 && info.add_bos != 1)
    return Status::error(strformat("the model info says add_bos = %lld, expected 0 or 1",
                                   static_cast<long long>(info.add_bos)));
  if (info.add_bos == 1 && info.bos_token < 0)
    return Status::error("the model info asks for a BOS token (add_bos = 1) but has none "
                         "(bos_token = -1)");
  if (info.tokenizer_bytes > 0 && !model.tokenizer)
    return Status::error("the model info announces a tokenizer but none is linked in");
  if (info.mask < ATTN_MASK_CAUSAL || info.mask > ATTN_MASK_SLIDING_WINDOW ||
      (info.mask == ATTN_MASK_SLIDING_WINDOW) != (info.window > 0) || info.window < 0)
    return Status::error(strformat("the model info says mask = %lld, window = %lld: expected "
                                   "mask 0, 1 or 2 and a positive window exactly for 2",
                                   static_cast<long long>(info.mask),
                                   static_cast<long long>(info.window)));
  return Status::success();
}

namespace {

/// Whether the kernel offers transparent huge pages to a region that asks
/// (its setting is `always` or `madvise`, not `never` or absent).
bool transparent_huge_pages_offered() {
  FILE *f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f)
    return false;
  char line[128] = {0};
  const bool read = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  return read && (std::strstr(line, "[always]") || std::strstr(line, "[madvise]"));
}

} // namespace

Status weights_map_appended(const char *path, int64_t bytes, const unsigned char **weights) {
  *weights = nullptr;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error(strformat("cannot open %s to map the weights appended to it: %s", path,
                                   std::strerror(errno)));
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0)
    return Status::error(strformat("cannot stat %s: %s", path, std::strerror(errno)));
  const uint64_t size = uint64_t(st.st_size);
  AttnWeightsTrailer trailer;
  const size_t magic = sizeof(trailer.magic);
  if (size < sizeof(trailer) ||
      pread(fd, &trailer, sizeof(trailer), off_t(size - sizeof(trailer))) !=
          ssize_t(sizeof(trailer)) ||
      std::memcmp(trailer.magic, ATTN_WEIGHTS_TRAILER_MAGIC, magic) != 0)
    return Status::error(strformat(
        "%s carries no weights: its last %zu bytes are not the weights trailer (was the "
        "executable stripped or truncated? attnc appends the weights after the ELF image)",
        path, sizeof(trailer)));
  const uint64_t end = size - sizeof(trailer);
  const long page = sysconf(_SC_PAGESIZE);
  if (bytes <= 0 || trailer.bytes != uint64_t(bytes) || trailer.offset > end ||
      end - trailer.offset != trailer.bytes || page <= 0 || trailer.offset % uint64_t(page) != 0)
    return Status::error(strformat(
        "%s: its weights trailer says %llu bytes at offset %llu, but the model has %lld, and "
        "they must start on a page boundary and end where the trailer starts (%llu)",
        path, static_cast<unsigned long long>(trailer.bytes),
        static_cast<unsigned long long>(trailer.offset), static_cast<long long>(bytes),
        static_cast<unsigned long long>(end)));
  // The same alignment in memory as in the file: 2 MiB where the file
  // offset has it, so that the kernel can map whole huge pages.
  uint64_t align = uint64_t(page);
  if (trailer.offset % uint64_t(ATTN_HUGE_PAGE_BYTES) == 0)
    align = ATTN_HUGE_PAGE_BYTES;
  const size_t length = size_t(bytes);
  void *reserved = mmap(nullptr, length + align, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED)
    return Status::error(strformat("cannot reserve %s of addresses for the weights of %s: %s",
                                   size_text(double(length)).c_str(), path,
                                   std::strerror(errno)));
  const uintptr_t start = reinterpret_cast<uintptr_t>(reserved);
  const uintptr_t aligned = (start + align - 1) & ~uintptr_t(align - 1);
  void *mapped = mmap(reinterpret_cast<void *>(aligned), length, PROT_READ,
                      MAP_PRIVATE | MAP_FIXED, fd, off_t(trailer.offset));
  if (mapped == MAP_FAILED) {
    const int error = errno;
    munmap(reserved, length + align);
    return Status::error(strformat("cannot map the weights of %s: %s", path,
                                   std::strerror(error)));
  }
  // The reservation's ends around the mapping.
  if (aligned > start)
    munmap(reserved, aligned - start);
  const uintptr_t tail = (aligned + length + uintptr_t(page) - 1) & ~uintptr_t(page - 1);
  if (start + length + align > tail)
    munmap(reinterpret_cast<void *>(tail), start + length + align - tail);
  *weights = static_cast<const unsigned char *>(mapped);
  return Status::success();
}

void weights_populate(const Model &model, int64_t huge_page_min_bytes) {
  const long page = sysconf(_SC_PAGESIZE);
  if (!model.info || !model.weights || model.info->weights_bytes <= 0 || page <= 0)
    return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(model.weights);
  const int64_t bytes = model.info->weights_bytes;
#ifdef MADV_HUGEPAGE
  // Before the pages are first touched, so that they are read and mapped
  // 2 MiB at a time where the page cache can hold them so.
  if (bytes >= huge_page_min_bytes && transparent_huge_pages_offered()) {
    const uintptr_t huge = uintptr_t(ATTN_HUGE_PAGE_BYTES);
    const uintptr_t first = (begin + huge - 1) & ~(huge - 1);
    const uintptr_t end = (begin + uintptr_t(bytes)) & ~(huge - 1);
    if (end > first)
      (void)madvise(reinterpret_cast<void *>(first), end - first, MADV_HUGEPAGE);
  }
#else
  (void)huge_page_min_bytes;
#endif
#ifdef MADV_POPULATE_READ
  const uintptr_t start = begin & ~uintptr_t(page - 1);
  const size_t length = size_t(begin - start) + size_t(bytes);
  (void)madvise(reinterpret_cast<void *>(start), length, MADV_POPULATE_READ);
#endif
}

void kv_cache_populate(const RunState &s, int64_t positions) {
  positions = std::min(positions, s.context_length);
  if (positions <= 0 || !s.key_cache || !s.value_cache)
    return;
  // Written, not only mapped (MADV_POPULATE_WRITE): on the measured VM the
  // first write to a page stays slow after the advice (4 MiB: 6 ms for the
  // first copy into mapped pages, 0.2 ms for the second), so the pages are
  // written with the zeros they hold. One range per layer and head:
  // positions are contiguous within a head.
  const size_t bytes = size_t(positions) * size_t(s.head_dim) * sizeof(float);
  const size_t stride = size_t(s.context_length) * size_t(s.head_dim);
  for (float *cache : {s.key_cache, s.value_cache})
    for (int64_t row = 0; row < s.layers * s.kv_heads; ++row)
      std::memset(cache + size_t(row) * stride, 0, bytes);
}

void heap_retain() {
#ifdef __GLIBC__
  // 32 MiB is glibc's largest mmap threshold; a larger buffer (the logits of
  // a long prompt, with --logits-out) is mapped and unmapped once per call.
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, INT_MAX);
  (void)mallopt(M_TOP_PAD, 64 << 20);
#endif
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
  // Sizes in bytes, -1 when they do not fit in int64; the messages recompute
  // them in double so that even those show how large they are.
  auto bytes_of = [](std::initializer_list<int64_t> factors) {
    int64_t n = 1;
    for (int64_t f : factors)
      if (f < 0 || !mul(n, f, &n))
        return int64_t(-1);
    return n;
  };
  auto approx = [](std::initializer_list<int64_t> factors) {
    double n = 1;
    for (int64_t f : factors)
      n *= double(f);
    return n;
  };
  const int64_t f = int64_t(sizeof(float));
  const int64_t cache = bytes_of({info.layers, info.kv_heads, info.context_length,
                                  info.head_dim, f});
  const int64_t logits = bytes_of({info.prefill_chunk, info.vocab_size, f});
  const int64_t ids = info.context_length < INT64_MAX ? info.context_length + 1 : -1;
  const int64_t tokens = bytes_of({ids, int64_t(sizeof(int32_t))});

  s->key_cache = alloc_zeroed(cache, &s->blocks[0]);
  s->value_cache = s->key_cache ? alloc_zeroed(cache, &s->blocks[1]) : nullptr;
  if (!s->key_cache || !s->value_cache) {
    run_state_destroy(s);
    return Status::error(strformat(
        "the KV cache needs %s (keys and values: 2 x %lld layers x %lld KV heads x %lld "
        "positions x %lld floats x 4 bytes): cannot allocate it",
        size_text(2 * approx({info.layers, info.kv_heads, info.context_length, info.head_dim,
                              f}))
            .c_str(),
        static_cast<long long>(info.layers), static_cast<long long>(info.kv_heads),
        static_cast<long long>(info.context_length), static_cast<long long>(info.head_dim)));
  }
  s->logits = alloc_zeroed(logits, &s->blocks[2]);
  if (!s->logits) {
    run_state_destroy(s);
    return Status::error(strformat(
        "the logits buffer needs %s (%lld positions per prefill call x %lld tokens x 4 "
        "bytes): cannot allocate it",
        size_text(approx({info.prefill_chunk, info.vocab_size, f})).c_str(),
        static_cast<long long>(info.prefill_chunk), static_cast<long long>(info.vocab_size)));
  }
  s->tokens = reinterpret_cast<int32_t *>(alloc_zeroed(tokens, &s->blocks[3]));
  if (!s->tokens) {
    run_state_destroy(s);
    return Status::error(strformat(
        "the token buffer needs %s (%lld token ids x 4 bytes): cannot allocate it",
        size_text(approx({ids, 4})).c_str(), static_cast<long long>(ids)));
  }
  return Status::success();
}

void run_state_destroy(RunState *s) {
  for (void *block : s->blocks)
    std::free(block);
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
    return Status::error("the prompt is empty: it needs at least one token");
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
  AttnMemRef<const uint8_t, 1> weights = memref(model.weights, {info.weights_bytes});
  AttnMemRef<float, 4> k_cache = memref(state->key_cache, cache_sizes);
  AttnMemRef<float, 4> v_cache = memref(state->value_cache, cache_sizes);

  // Prefill: the prompt in chunks of at most prefill_chunk positions. Each
  // call computes the logits of its last position only (all of them for
  // --logits-out): only the prompt's last position is sampled from.
  int64_t last_rows = 0;
  if (request.trace) {
    if (!model.trace)
      return Status::error("this model has no attn_trace: compile it with attnc compile --trace");
    AttnMemRef<const int32_t, 1> tokens = memref<const int32_t>(state->tokens, {prompt_len});
    AttnMemRef<float, 2> logits = memref(request.trace_logits, {prompt_len, vocab});
    AttnMemRef<float, 1> trace = memref(request.trace, {request.trace_floats});
    double t0 = now_seconds();
    model.trace(&tokens, 0, &weights, &k_cache, &v_cache, &logits, &trace);
    result->prefill_seconds += now_seconds() - t0;
    if (request.logits_out) {
      Status st = write_logits(request.logits_out, request.trace_logits, prompt_len, vocab);
      if (!st.ok())
        return st;
    }
    std::memcpy(state->logits, request.trace_logits + (prompt_len - 1) * vocab,
                size_t(vocab) * sizeof(float));
    last_rows = 1;
  }
  // The prefill calls from position `first` on, a chunk each. Timed, they
  // add to prefill_seconds and write --logits-out. Untimed (--warmup, the
  // same calls once before the timed ones), they compute the logits of each
  // chunk's last row only and write nothing out; they write the same keys
  // and values at the same positions as the timed calls then write again.
  auto prefill = [&](int64_t first, bool timed) {
    for (int64_t start = first; start < prompt_len; start += info.prefill_chunk) {
      const int64_t rows = std::min(info.prefill_chunk, prompt_len - start);
      const int64_t logit_rows = timed && request.logits_out ? rows : 1;
      AttnMemRef<const int32_t, 1> tokens = memref<const int32_t>(state->tokens + start, {rows});
      AttnMemRef<float, 2> logits = memref(state->logits, {logit_rows, vocab});
      double t0 = now_seconds();
      model.prefill(&tokens, start, &weights, &k_cache, &v_cache, &logits);
      if (!timed)
        continue;
      result->prefill_seconds += now_seconds() - t0;
      if (request.logits_out) {
        Status st = write_logits(request.logits_out, state->logits, logit_rows, vocab);
        if (!st.ok())
          return st;
      }
      last_rows = logit_rows;
    }
    return Status::success();
  };
  if (request.warmup && !request.trace)
    (void)prefill(0, /*timed=*/false); // writes nothing: cannot fail
  if (Status st = prefill(request.trace ? prompt_len : 0, /*timed=*/true); !st.ok())
    return st;
  result->prompt_tokens = prompt_len;

  // Decode: sample from the last computed position, print, run the new token.
  const float *next_logits = state->logits + (last_rows - 1) * vocab; // (vocab)
  int64_t count = prompt_len; // tokens in state->tokens
  int32_t prev = state->tokens[prompt_len - 1];
  TextStream stream;
  std::string text; // one token's printable bytes: at most 3 per byte (U+FFFD) and the pending 4
  if (tokenizer)
    text.reserve(3 * (size_t(tokenizer->longest) + 4) + 16);
  while (request.n_predict < 0 || result->generated_tokens < request.n_predict) {
    // next_logits are those of position count - 1.
    Status st = check_logits(next_logits, vocab, count - 1);
    if (!st.ok())
      return st;
    int32_t next = sample(sampler, next_logits);
    // EOS ends the text; so does BOS, which starts the next one (llama2.c's
    // stories end with BOS). --ignore-eos generates exactly n_predict tokens.
    if (!request.ignore_eos && next >= 0 && (next == info.eos_token || next == info.bos_token)) {
      result->stop = StopReason::EndOfText;
      break;
    }
    state->tokens[count++] = next;
    if (!(st = emit_token(request.text_out, tokenizer, &stream, &text, prev, next,
                          result->generated_tokens == 0))
             .ok())
      return st;
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
    if (request.logits_out && !(st = write_logits(request.logits_out, state->logits, 1, vocab)).ok())
      return st;
    next_logits = state->logits;
  }
  // A character still incomplete at the end is printed as U+FFFD.
  text.clear();
  text_stream_finish(&stream, &text);
  text += '\n';
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), request.text_out) != text.size() ||
      std::fflush(request.text_out) != 0)
    return text_write_error(errno);
  return Status::success();
}

} // namespace attnrt
