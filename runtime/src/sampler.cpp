//===- sampler.cpp - Picks the next token from logits ----------------------===//
//
// Greedy, temperature, top-k, top-p and multinomial sampling. The float
// operations and their order follow llama2.c's run.c (divide by the
// temperature, softmax with expf, one random_f32() coin per token, cdf walk),
// so that with top-k off a given seed draws the same tokens as llama2.c.
// Sorting uses std::partial_sort / std::sort, which sort in place; ties in
// probability are broken by the lower token id so the order is fully defined
// (run.c's qsort leaves it unspecified).
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/sampler.h"

#include "runtime/src/format.h"

#include <algorithm>
#include <cmath>
#include <new>

namespace attnrt {

namespace {

// ----------------------------------------------------------------------------
// building blocks

/// In-place softmax of `n` values, as llama2.c computes it.
void softmax(float *x, int32_t n) {
  float max_val = x[0];
  for (int32_t i = 1; i < n; ++i)
    if (x[i] > max_val)
      max_val = x[i];
  float sum = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int32_t i = 0; i < n; ++i)
    x[i] /= sum;
}

/// Draws from `n` probabilities summing to 1, walking them in token order
/// (llama2.c's sample_mult).
int32_t sample_mult(const float *probs, int32_t n, float coin) {
  float cdf = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    cdf += probs[i];
    if (coin < cdf)
      return i;
  }
  return n - 1; // rounding left the cdf below the coin
}

/// Most likely first; equal probabilities in token order.
bool more_likely(const ProbIndex &a, const ProbIndex &b) {
  if (a.prob != b.prob)
    return a.prob > b.prob;
  return a.index < b.index;
}

/// Fills s->candidates with the tokens top-k keeps, most likely first, and
/// returns how many; `mass` receives their total probability.
size_t gather_top_k(Sampler *s, float *mass) {
  const float *probs = s->probs.data();
  ProbIndex *cand = s->candidates.data();
  for (int32_t i = 0; i < s->vocab_size; ++i)
    cand[i] = {probs[i], i};
  size_t k = size_t(s->top_k);
  std::partial_sort(cand, cand + k, cand + s->vocab_size, more_likely);
  float sum = 0.0f;
  for (size_t i = 0; i < k; ++i)
    sum += cand[i].prob;
  *mass = sum;
  return k;
}

/// Fills s->candidates with every token that top-p could keep, most likely
/// first (llama2.c's sample_topp: a token with probability below
/// (1 - top_p) / (n - 1) can never be in the nucleus, so it is not sorted).
size_t gather_for_top_p(Sampler *s) {
  const float *probs = s->probs.data();
  ProbIndex *cand = s->candidates.data();
  int32_t n = s->vocab_size;
  const float cutoff = (1.0f - s->top_p) / float(n - 1);
  size_t kept = 0;
  for (int32_t i = 0; i < n; ++i)
    if (probs[i] >= cutoff)
      cand[kept++] = {probs[i], i};
  // run.c reads candidates[-1] here; it happens when top_p < 1/n and the
  // distribution is nearly flat. Keep everything instead.
  if (kept == 0)
    for (int32_t i = 0; i < n; ++i)
      cand[kept++] = {probs[i], i};
  std::sort(cand, cand + kept, more_likely);
  return kept;
}

} // namespace

// ----------------------------------------------------------------------------
// random numbers

uint32_t random_u32(uint64_t *state) {
  // xorshift* (https://en.wikipedia.org/wiki/Xorshift#xorshift*)
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return uint32_t((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float random_f32(uint64_t *state) { return float(random_u32(state) >> 8) / 16777216.0f; }

// ----------------------------------------------------------------------------
// creation and destruction

Status sampler_create(Sampler *s, int32_t vocab_size, float temperature, int32_t top_k,
                      float top_p, uint64_t seed) {
  sampler_destroy(s);
  if (vocab_size < 2)
    return Status::error(strformat("sampler: vocab_size is %d, expected >= 2", vocab_size));
  if (!(temperature >= 0.0f) || !std::isfinite(temperature))
    return Status::error(strformat("temperature must be a finite number >= 0, got %g",
                                   double(temperature)));
  if (top_k < 0)
    return Status::error(strformat("top-k must be >= 0 (0 = off), got %d", top_k));
  if (!(top_p >= 0.0f && top_p <= 1.0f))
    return Status::error(strformat("top-p must be in [0, 1] (1 = off), got %g", double(top_p)));
  if (seed == 0)
    return Status::error("seed must not be 0: the xorshift state 0 never changes");
  s->vocab_size = vocab_size;
  s->temperature = temperature;
  s->top_k = top_k;
  s->top_p = top_p;
  s->rng_state = seed;
  // vocab_size comes from the model (up to ATTN_MAX_VOCAB_SIZE, 24 GiB of
  // buffers): a failed allocation is an error message, not std::terminate.
  try {
    s->probs.assign(size_t(vocab_size), 0.0f);
    s->candidates.assign(size_t(vocab_size), ProbIndex{0.0f, 0});
  } catch (const std::bad_alloc &) {
    sampler_destroy(s);
    return Status::error(strformat(
        "the sampler needs %.1f GiB (%d tokens x %zu bytes): cannot allocate it",
        double(vocab_size) * double(sizeof(float) + sizeof(ProbIndex)) / (1 << 30), vocab_size,
        sizeof(float) + sizeof(ProbIndex)));
  }
  return Status::success();
}

void sampler_destroy(Sampler *s) {
  s->vocab_size = 0;
  std::vector<float>().swap(s->probs);
  std::vector<ProbIndex>().swap(s->candidates);
}

// ----------------------------------------------------------------------------
// sampling

int32_t sample_argmax(const float *values, int32_t n) {
  int32_t max_i = 0;
  float max_v = values[0];
  for (int32_t i = 1; i < n; ++i) {
    if (values[i] > max_v) {
      max_i = i;
      max_v = values[i];
    }
  }
  return max_i;
}

int32_t sample(Sampler *s, const float *logits) {
  const int32_t n = s->vocab_size;
  if (s->temperature == 0.0f || s->top_k == 1)
    return sample_argmax(logits, n);

  float *probs = s->probs.data();
  for (int32_t i = 0; i < n; ++i)
    probs[i] = logits[i] / s->temperature;
  // llama2.c divides first, then subtracts the largest quotient. At tiny
  // temperatures (1e-40, a denormal) the quotients overflow to +-inf and
  // inf - inf is NaN, which samples nothing sensible. Only then, divide the
  // differences from the largest logit instead: the largest becomes 0 and
  // the rest -inf or very negative, the right limit (argmax, ties shared).
  // Finite quotients keep llama2.c's order of operations bit for bit.
  float max_scaled = probs[0];
  for (int32_t i = 1; i < n; ++i)
    max_scaled = std::max(max_scaled, probs[i]);
  if (!std::isfinite(max_scaled)) {
    const float max_logit = logits[sample_argmax(logits, n)];
    for (int32_t i = 0; i < n; ++i)
      probs[i] = (logits[i] - max_logit) / s->temperature;
  }
  softmax(probs, n);
  float coin = random_f32(&s->rng_state);

  const bool use_top_k = s->top_k > 0 && s->top_k < n;
  const bool use_top_p = s->top_p < 1.0f;
  if (!use_top_k && !use_top_p)
    return sample_mult(probs, n, coin);

  // Candidates, most likely first, and the probability mass they hold (the
  // whole distribution unless top-k cut it).
  float mass = 1.0f;
  size_t kept = use_top_k ? gather_top_k(s, &mass) : gather_for_top_p(s);
  const ProbIndex *cand = s->candidates.data();

  // Top-p over the (renormalized) candidates: stop at the first prefix whose
  // probability exceeds top_p, as llama2.c's strict '>' does.
  size_t last = kept - 1;
  float cumulative = 0.0f;
  if (use_top_p) {
    const float threshold = s->top_p * mass;
    for (size_t i = 0; i < kept; ++i) {
      cumulative += cand[i].prob;
      if (cumulative > threshold) {
        last = i;
        break;
      }
    }
  } else {
    cumulative = mass;
  }

  // Multinomial draw from candidates [0, last], scaled to their mass.
  float r = coin * cumulative;
  float cdf = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    cdf += cand[i].prob;
    if (r < cdf)
      return cand[i].index;
  }
  return cand[last].index; // rounding left the cdf below r
}

} // namespace attnrt
