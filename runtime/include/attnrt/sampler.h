//===- sampler.h - Picks the next token from logits -------------*- C++ -*-===//
//
// llama2.c's sampler with llama.cpp's top-k added. At temperature 0 (or with
// top-k 1) the next token is the argmax of the logits. Otherwise: divide the
// logits by the temperature, softmax, keep the top-k most likely tokens
// (0 = all), keep the smallest most-likely-first prefix of those whose
// probability (renormalized over the top-k) exceeds top-p (1 = all), and draw
// from what is kept with llama2.c's xorshift generator. With top-k off the
// draws are llama2.c's exactly (sample_mult, or sample_topp for 0 < top-p < 1)
// for the same seed. top-p 0 keeps only the most likely token, as in
// llama.cpp (llama2.c treats it as off). Every buffer is allocated by sampler_create: sampling a
// token allocates nothing.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_SAMPLER_H
#define ATTNRT_SAMPLER_H

#include "runtime/include/attnrt/status.h"

#include <cstdint>
#include <vector>

namespace attnrt {

/// A token and its probability, sorted most likely first during top-k/top-p.
struct ProbIndex {
  float prob;
  int32_t index;
};

/// Sampling settings and scratch buffers; see sampler_create.
struct Sampler {
  int32_t vocab_size = 0;
  float temperature = 0.0f;           // 0: greedy argmax
  int32_t top_k = 0;                  // 0: off
  float top_p = 1.0f;                 // 1: off
  uint64_t rng_state = 0;             // xorshift state, never 0
  std::vector<float> probs;           // (vocab_size) softmax(logits / temperature)
  std::vector<ProbIndex> candidates;  // (vocab_size) tokens kept by top-k/top-p, most likely first
};

/// Validates the settings (temperature >= 0 and finite, top_k >= 0,
/// 0 <= top_p <= 1, seed != 0 since xorshift's state 0 never changes) and
/// allocates the buffers for a vocabulary of `vocab_size` tokens.
Status sampler_create(Sampler *s, int32_t vocab_size, float temperature, int32_t top_k,
                      float top_p, uint64_t seed);

/// Releases the buffers; `s` is empty afterwards.
void sampler_destroy(Sampler *s);

/// The next token given `logits` (vocab_size floats, left unchanged).
int32_t sample(Sampler *s, const float *logits);

/// The index of the first largest of `n` values (llama2.c's sample_argmax).
int32_t sample_argmax(const float *values, int32_t n);

/// llama2.c's xorshift* generator: the next 32 random bits.
uint32_t random_u32(uint64_t *state);

/// A random float in [0, 1) with 24 random bits (llama2.c's random_f32).
float random_f32(uint64_t *state);

} // namespace attnrt

#endif // ATTNRT_SAMPLER_H
