//===- FakeModel.h - A test double for a compiled model ---------*- C++ -*-===//
//
// Implements the two entry points of abi.h with predictable logits: after
// token t the argmax is successor(t) (t + 1, skipping BOS/EOS and wrapping
// to 3), except that after `stop_after` it is `stop_token`. Every logit of
// position p other than the argmax is -(p + 1) / 1000, so a row of
// --logits-out names its position. A chosen position's logits can be
// poisoned with one NaN or infinity. Each call is recorded and checked: the
// descriptors' sizes and strides, the cache alignment, and that the KV cache
// holds what earlier calls wrote at every earlier position. The recording
// uses fixed arrays so the fake allocates nothing while generation runs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_TEST_UNIT_FAKEMODEL_H
#define ATTNRT_TEST_UNIT_FAKEMODEL_H

#include "runtime/include/attnrt/generate.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace fake {

constexpr int64_t kVocab = 16, kContext = 12, kChunk = 3;
constexpr int64_t kLayers = 2, kKvHeads = 1, kHeadDim = 2, kWeights = 16;
constexpr float kTarget = 10.0f;

struct Call {
  bool prefill;
  int64_t pos;
  int64_t count;
  int32_t tokens[kChunk];
  int64_t logitRows; // R: the logits of the last R positions were asked for
};

struct State {
  AttnModelInfo info;
  unsigned char weights[kWeights]; // bytes
  std::vector<unsigned char> tokenizer; // tokenizer.bin image
  Call calls[64];
  int num_calls;
  int32_t stop_after; // token after which stop_token is the argmax; -1: never
  int32_t stop_token;
  int64_t poison_pos; // position whose logits get poison_value at poison_id; -1: none
  int32_t poison_id;
  float poison_value;
  char failure[256]; // first problem seen in a call; empty when none
};

inline State &state() {
  static State s;
  return s;
}

inline int32_t successor(int32_t t) { return t < 3 || t + 1 >= kVocab ? 3 : t + 1; }

/// A tokenizer.bin image: "<unk>", BOS, EOS, " ", then "a".."l" (ids 4..15).
inline std::vector<unsigned char> tokenizer_image(int pieces = int(kVocab)) {
  std::vector<std::string> vocab = {"<unk>", "\n<s>\n", "\n</s>\n", " "};
  for (char c = 'a'; int(vocab.size()) < pieces; ++c)
    vocab.push_back(std::string(1, c));
  vocab.resize(size_t(pieces));
  std::vector<unsigned char> out = {7, 0, 0, 0};
  for (const std::string &p : vocab) {
    unsigned char rec[8] = {0, 0, 0, 0, static_cast<unsigned char>(p.size()), 0, 0, 0};
    out.insert(out.end(), rec, rec + 8);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

/// Resets the recording and the model facts; with_tokenizer embeds tokenizer_image().
inline void reset(bool with_tokenizer = true) {
  State &s = state();
  s.info = AttnModelInfo{ATTN_ABI_VERSION, kVocab, kContext, /*dim=*/2, kLayers,
                         /*heads=*/1, kKvHeads, kHeadDim, kWeights, 0, kChunk,
                         /*bos_token=*/1, /*eos_token=*/2, /*add_bos=*/1,
                         /*mask=*/ATTN_MASK_CAUSAL, /*window=*/0};
  s.tokenizer = tokenizer_image();
  s.info.tokenizer_bytes = with_tokenizer ? int64_t(s.tokenizer.size()) : 0;
  s.num_calls = 0;
  s.stop_after = -1;
  s.stop_token = 2;
  s.poison_pos = -1;
  s.failure[0] = '\0';
}

template <typename... Args> void fail(const char *fmt, Args... args) {
  State &s = state();
  if (s.failure[0] == '\0')
    std::snprintf(s.failure, sizeof s.failure, fmt, args...);
}

inline void run(bool prefill, AttnMemRef<const int32_t, 1> *tokens, int64_t pos,
                AttnMemRef<const uint8_t, 1> *weights, AttnMemRef<float, 4> *k_cache,
                AttnMemRef<float, 4> *v_cache, AttnMemRef<float, 2> *logits) {
  State &s = state();
  const int64_t n = tokens->sizes[0];
  if (tokens->strides[0] != 1 || tokens->offset != 0 || n < 1 || n > (prefill ? kChunk : 1))
    return fail("call %d: bad tokens descriptor (T=%lld)", s.num_calls, (long long)n);
  if (pos < 0 || pos + n > kContext)
    return fail("call %d: pos %lld + T %lld outside the context", s.num_calls, (long long)pos,
                (long long)n);
  if (weights->aligned != s.weights || weights->sizes[0] != kWeights)
    return fail("call %d: bad weights descriptor", s.num_calls);
  for (AttnMemRef<float, 4> *c : {k_cache, v_cache}) {
    const int64_t sizes[4] = {kLayers, kKvHeads, kContext, kHeadDim};
    const int64_t strides[4] = {kKvHeads * kContext * kHeadDim, kContext * kHeadDim, kHeadDim, 1};
    for (int d = 0; d < 4; ++d)
      if (c->sizes[d] != sizes[d] || c->strides[d] != strides[d])
        return fail("call %d: bad cache descriptor in dim %d", s.num_calls, d);
    if (reinterpret_cast<uintptr_t>(c->aligned) % 64 != 0 || c->offset != 0)
      return fail("call %d: cache not 64-byte aligned", s.num_calls);
  }
  // The logits of the last R positions only (abi.h): the runtime asks for
  // R = 1 or, for --logits-out, all of them.
  if ((logits->sizes[0] != n && logits->sizes[0] != 1) || logits->sizes[1] != kVocab ||
      logits->strides[0] != kVocab || logits->strides[1] != 1)
    return fail("call %d: bad logits descriptor", s.num_calls);
  const int64_t first_row = n - logits->sizes[0];

  // The cache must hold what earlier calls wrote (token + 1000 at [l][0][p][0]).
  float *k = k_cache->aligned, *v = v_cache->aligned;
  const int64_t layer_stride = kKvHeads * kContext * kHeadDim;
  for (int64_t p = 0; p < pos; ++p)
    if (k[layer_stride + p * kHeadDim] < 1000.0f || v[p * kHeadDim] < 1000.0f)
      return fail("call %d: KV cache position %lld was never written", s.num_calls,
                  (long long)p);
  Call &call = s.calls[s.num_calls < 64 ? s.num_calls : 63];
  call = Call{prefill, pos, n, {}, logits->sizes[0]};
  for (int64_t r = 0; r < n; ++r) {
    const int32_t tok = tokens->aligned[r];
    call.tokens[r] = tok;
    for (int64_t l = 0; l < kLayers; ++l) {
      k[l * layer_stride + (pos + r) * kHeadDim] = float(tok) + 1000.0f;
      v[l * layer_stride + (pos + r) * kHeadDim] = float(tok) + 1000.0f;
    }
    if (r < first_row)
      continue;
    float *row = logits->aligned + (r - first_row) * kVocab;
    for (int64_t j = 0; j < kVocab; ++j)
      row[j] = -float(pos + r + 1) / 1000.0f;
    row[tok == s.stop_after ? s.stop_token : successor(tok)] = kTarget;
    if (pos + r == s.poison_pos)
      row[s.poison_id] = s.poison_value;
  }
  ++s.num_calls;
}

inline void prefill(AttnMemRef<const int32_t, 1> *t, int64_t pos, AttnMemRef<const uint8_t, 1> *w,
                    AttnMemRef<float, 4> *k, AttnMemRef<float, 4> *v, AttnMemRef<float, 2> *l) {
  run(true, t, pos, w, k, v, l);
}

inline void decode(AttnMemRef<const int32_t, 1> *t, int64_t pos, AttnMemRef<const uint8_t, 1> *w,
                   AttnMemRef<float, 4> *k, AttnMemRef<float, 4> *v, AttnMemRef<float, 2> *l) {
  run(false, t, pos, w, k, v, l);
}

/// The fake as the runtime sees it.
inline attnrt::Model model() {
  State &s = state();
  attnrt::Model m;
  m.info = &s.info;
  m.weights = s.weights;
  m.tokenizer = s.tokenizer.data();
  m.prefill = prefill;
  m.decode = decode;
  return m;
}

} // namespace fake

#endif // ATTNRT_TEST_UNIT_FAKEMODEL_H
