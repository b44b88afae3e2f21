//===- SamplerTest.cpp - Greedy, top-k, top-p and multinomial sampling ------===//
//
// The deterministic cases (argmax, top-k 1, tiny top-p, fixed seeds) are
// checked exactly; the random ones by comparing many draws with a fixed seed
// against the softmax computed here in double precision.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using namespace attnrt;

namespace {

const std::vector<float> kLogits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 2.5f, -0.5f};

/// softmax(logits / temperature) in double, renormalized over `keep` (all when empty).
std::vector<double> expected_probs(const std::vector<float> &logits, double temperature,
                                   const std::vector<int> &keep = {}) {
  std::vector<double> p(logits.size(), 0.0);
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    bool kept = keep.empty() || std::count(keep.begin(), keep.end(), int(i));
    p[i] = kept ? std::exp(logits[i] / temperature) : 0.0;
    sum += p[i];
  }
  for (double &x : p)
    x /= sum;
  return p;
}

/// Draws `n` tokens with the given settings and returns their frequencies.
std::vector<double> frequencies(const std::vector<float> &logits, float temperature, int32_t top_k,
                                float top_p, int n) {
  Sampler s;
  Status st = sampler_create(&s, int32_t(logits.size()), temperature, top_k, top_p, 1234);
  EXPECT_TRUE(st.ok()) << st.message();
  std::vector<double> count(logits.size(), 0.0);
  for (int i = 0; i < n; ++i)
    count[size_t(sample(&s, logits.data()))] += 1.0;
  for (double &c : count)
    c /= n;
  sampler_destroy(&s);
  return count;
}

/// Each frequency within 5 standard deviations of its binomial expectation:
/// a correct sampler fails one bin with probability ~6e-7, so a pass is not
/// luck of the seed, while a wrong distribution (off by a renormalization, a
/// missing temperature, an off-by-one in the cdf) is off by 0.01 or more,
/// many sigmas at n = 200000 (sigma <= 0.0011).
void expect_matches(const std::vector<double> &freq, const std::vector<double> &p, int n) {
  for (size_t i = 0; i < p.size(); ++i) {
    double sigma = std::sqrt(p[i] * (1.0 - p[i]) / n);
    EXPECT_NEAR(freq[i], p[i], 5.0 * sigma + 1e-9) << "token " << i;
  }
}

} // namespace

TEST(Sampler, GreedyIsArgmax) {
  Sampler s;
  ASSERT_TRUE(sampler_create(&s, 8, 0.0f, 40, 0.95f, 7).ok());
  EXPECT_EQ(sample(&s, kLogits.data()), 4);
  std::vector<float> ties = {0.0f, 5.0f, 1.0f, 5.0f};
  ASSERT_TRUE(sampler_create(&s, 4, 0.0f, 0, 1.0f, 7).ok());
  EXPECT_EQ(sample(&s, ties.data()), 1); // the first of equal maxima
  EXPECT_EQ(sample_argmax(ties.data(), 4), 1);
  sampler_destroy(&s);
}

TEST(Sampler, TopK1IsArgmaxAtAnyTemperature) {
  for (float temperature : {0.1f, 1.0f, 5.0f, 1000.0f}) {
    Sampler s;
    ASSERT_TRUE(sampler_create(&s, 8, temperature, 1, 1.0f, 99).ok());
    for (int i = 0; i < 100; ++i)
      ASSERT_EQ(sample(&s, kLogits.data()), 4) << "temperature " << temperature;
    sampler_destroy(&s);
  }
}

TEST(Sampler, TinyTopPIsArgmax) {
  for (float top_p : {0.0f, 1e-6f, 0.01f}) {
    for (int32_t top_k : {0, 5}) {
      Sampler s;
      ASSERT_TRUE(sampler_create(&s, 8, 2.0f, top_k, top_p, 5).ok());
      for (int i = 0; i < 100; ++i)
        ASSERT_EQ(sample(&s, kLogits.data()), 4) << "top_p " << top_p << " top_k " << top_k;
      sampler_destroy(&s);
    }
  }
}

TEST(Sampler, LogitsAreLeftUnchanged) {
  std::vector<float> logits = kLogits;
  Sampler s;
  ASSERT_TRUE(sampler_create(&s, 8, 0.7f, 3, 0.9f, 11).ok());
  sample(&s, logits.data());
  EXPECT_EQ(logits, kLogits);
  sampler_destroy(&s);
}

// llama2.c's xorshift*; the values were computed independently in Python
// with 64-bit masking.
TEST(Sampler, RandomNumbersMatchLlama2c) {
  uint64_t state = 42;
  std::vector<uint32_t> got;
  for (int i = 0; i < 5; ++i)
    got.push_back(random_u32(&state));
  EXPECT_EQ(got, (std::vector<uint32_t>{1456360119u, 3359763283u, 3393612768u, 4054632243u,
                                        3283045847u}));
  for (int i = 0; i < 1000; ++i) {
    float f = random_f32(&state);
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
  }
}

TEST(Sampler, FixedSeedIsDeterministic) {
  auto draws = [](uint64_t seed) {
    Sampler s;
    EXPECT_TRUE(sampler_create(&s, 8, 1.0f, 0, 0.9f, seed).ok());
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i)
      out.push_back(sample(&s, kLogits.data()));
    sampler_destroy(&s);
    return out;
  };
  EXPECT_EQ(draws(42), draws(42));
  EXPECT_NE(draws(42), draws(43));
}

TEST(Sampler, DistributionMatchesSoftmax) {
  const int n = 200000;
  expect_matches(frequencies(kLogits, 1.3f, 0, 1.0f, n), expected_probs(kLogits, 1.3), n);
  expect_matches(frequencies(kLogits, 0.5f, 0, 1.0f, n), expected_probs(kLogits, 0.5), n);
}

TEST(Sampler, TopKRenormalizesOverTheKMostLikely) {
  const int n = 200000;
  // Logits 3.0, 2.5 and 2.0 at indices 4, 6, 1.
  expect_matches(frequencies(kLogits, 1.0f, 3, 1.0f, n), expected_probs(kLogits, 1.0, {4, 6, 1}),
                 n);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  const int n = 200000;
  // At temperature 1 the sorted probabilities are 0.4367 (4), 0.2648 (6),
  // 0.1606 (1), 0.0591 (0), ...: cumulative 0.4367, 0.7015, 0.8621. With
  // top-p 0.75 the nucleus is {4, 6, 1} (0.8621 is the first sum > 0.75).
  expect_matches(frequencies(kLogits, 1.0f, 0, 0.75f, n), expected_probs(kLogits, 1.0, {4, 6, 1}),
                 n);
  // Top-k 3 then top-p 0.6 over the renormalized three (0.5065, 0.3072,
  // 0.1863): the first sum > 0.6 is 0.8137, so {4, 6}.
  expect_matches(frequencies(kLogits, 1.0f, 3, 0.6f, n), expected_probs(kLogits, 1.0, {4, 6}), n);
}

TEST(Sampler, RejectsBadSettings) {
  Sampler s;
  EXPECT_EQ(sampler_create(&s, 8, -0.5f, 0, 1.0f, 1).message(),
            "temperature must be a finite number >= 0, got -0.5");
  EXPECT_FALSE(sampler_create(&s, 8, NAN, 0, 1.0f, 1).ok());
  EXPECT_FALSE(sampler_create(&s, 8, INFINITY, 0, 1.0f, 1).ok());
  EXPECT_EQ(sampler_create(&s, 8, 1.0f, -1, 1.0f, 1).message(),
            "top-k must be >= 0 (0 = off), got -1");
  EXPECT_EQ(sampler_create(&s, 8, 1.0f, 0, 1.5f, 1).message(),
            "top-p must be in [0, 1] (1 = off), got 1.5");
  EXPECT_EQ(sampler_create(&s, 8, 1.0f, 0, 1.0f, 0).message(),
            "seed must not be 0: the xorshift state 0 never changes");
  EXPECT_FALSE(sampler_create(&s, 1, 1.0f, 0, 1.0f, 1).ok());
}

// A flat distribution with top-p below 1/n: llama2.c's candidate cutoff keeps
// nothing (and it would read out of bounds); here every token stays a
// candidate and the first is drawn.
TEST(Sampler, FlatDistributionWithTinyTopP) {
  std::vector<float> flat(1000, 0.0f);
  Sampler s;
  ASSERT_TRUE(sampler_create(&s, 1000, 1.0f, 0, 1e-5f, 3).ok());
  EXPECT_EQ(sample(&s, flat.data()), 0);
  sampler_destroy(&s);
}

// Tiny positive temperatures: logits / 1e-40 overflow to +-inf, and
// llama2.c's softmax turns inf - inf into NaN, whose cdf never exceeds the
// coin (sample_mult then returned the last token). The limit of the
// distribution is the argmax, whatever top-k and top-p are, and for logits
// of either sign.
TEST(Sampler, TinyTemperatureIsArgmax) {
  const std::vector<float> negative = {-5.0f, -4.0f, -3.5f, -3.0f, -9.0f, -3.25f, -7.0f, -8.0f};
  for (float temperature : {1e-40f, 1e-45f /* the smallest denormal */, 1e-30f, 1e-38f}) {
    for (auto [top_k, top_p] : {std::pair<int32_t, float>{0, 1.0f}, {0, 0.9f}, {5, 1.0f}}) {
      Sampler s;
      ASSERT_TRUE(sampler_create(&s, 8, temperature, top_k, top_p, 17).ok());
      for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(sample(&s, kLogits.data()), 4) << temperature << " " << top_k << " " << top_p;
        ASSERT_EQ(sample(&s, negative.data()), 3) << temperature << " " << top_k;
      }
      for (float p : s.probs)
        ASSERT_FALSE(std::isnan(p));
      sampler_destroy(&s);
    }
  }
}

// Where the quotients are finite, the probabilities are computed exactly as
// llama2.c's run.c does (divide, subtract the largest quotient, expf, sum,
// divide), so the draws for a seed stay llama2.c's bit for bit.
TEST(Sampler, ModerateTemperaturesKeepLlama2cArithmetic) {
  for (float temperature : {0.1f, 0.5f, 0.8f, 1.0f, 1.3f, 7.0f}) {
    std::vector<float> ref(kLogits.size());
    for (size_t i = 0; i < ref.size(); ++i)
      ref[i] = kLogits[i] / temperature;
    float max_val = *std::max_element(ref.begin(), ref.end());
    float sum = 0.0f;
    for (float &x : ref) {
      x = expf(x - max_val);
      sum += x;
    }
    for (float &x : ref)
      x /= sum;
    Sampler s;
    ASSERT_TRUE(sampler_create(&s, 8, temperature, 0, 1.0f, 5).ok());
    sample(&s, kLogits.data());
    for (size_t i = 0; i < ref.size(); ++i)
      EXPECT_EQ(s.probs[i], ref[i]) << "temperature " << temperature << " token " << i;
    sampler_destroy(&s);
  }
}
