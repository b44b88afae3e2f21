//===- flops.cpp - Peak float32 FMA rate probe, 1 or N threads ------------===//
//
// The roofline the benchmark compares prefill speed against: a prompt makes
// the linear layers matrix-matrix products, bound by how many multiply-adds
// the cores retire, not by memory. This probe measures that peak on this
// machine, in the same run as the model: each thread runs independent chains
// acc = acc * m + a on the widest float vectors the build target has (zmm
// with AVX-512, ymm with AVX, xmm otherwise; built with -march=native, so on
// any x86-64 it measures what the host's compiled models can use), enough
// chains to cover the FMA latency on every FMA port (12 where there are 32
// vector registers, 10 with 16), so the loop is bound by FMA throughput.
// Each fused multiply-add counts 2 flops per lane; a target without FMA
// instructions runs a multiply and an add, also 2 flops (the `fma` line says
// which). Frequency effects of wide vectors (downclocking) are part of what is
// measured, as they are part of what the models get.
//
// Usage: attnc-flops [--threads N]   (default 1).
// Prints "gflops <value>", "threads <N>", "vector_bits <bits>", "chains <C>"
// and "fma <0|1>".
//
//===----------------------------------------------------------------------===//
#include "tools/common/TimedPasses.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kChains = 12;
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr int kChains = 10;
#else
constexpr int kLanes = 4;
constexpr int kChains = 10;
#endif
#if defined(__FMA__) || defined(__AVX512F__)
constexpr int kFused = 1;
#else
constexpr int kFused = 0;
#endif

typedef float Vec __attribute__((vector_size(kLanes * 4)));

/// Runs `iterations` steps of kChains independent multiply-add chains and
/// returns a value depending on all of them (so none is dead code). The
/// multiplier < 1 keeps every chain finite and away from denormals: each
/// converges to a / (1 - m).
__attribute__((noinline)) float chains(long iterations, float m, float a) {
  Vec acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = Vec{} + float(c);
  Vec mv = Vec{} + m, av = Vec{} + a;
  for (long i = 0; i < iterations; ++i) {
#pragma clang loop unroll(full)
    for (int c = 0; c < kChains; ++c)
      acc[c] = acc[c] * mv + av; // one FMA (contracted: -ffp-contract=fast)
  }
  Vec total = Vec{};
  for (int c = 0; c < kChains; ++c)
    total += acc[c];
  float sum = 0;
  for (int l = 0; l < kLanes; ++l)
    sum += total[l];
  return sum;
}

} // namespace

int main(int argc, char **argv) {
  long threads = 1;
  for (int i = 1; i < argc; ++i) {
    char *end = nullptr;
    if ((!std::strcmp(argv[i], "--threads") || !std::strcmp(argv[i], "-t")) && i + 1 < argc) {
      threads = std::strtol(argv[i + 1], &end, 10);
      if (end == argv[i + 1] || *end != '\0' || threads < 1 || threads > 256) {
        std::fprintf(stderr, "error: --threads needs a count in 1..256\n");
        return 1;
      }
      ++i;
    } else {
      std::fprintf(stderr, "error: unknown argument '%s' (usage: attnc-flops [--threads N])\n",
                   argv[i]);
      return 1;
    }
  }

  // About 0.1 s per pass at 3 GHz with two FMA ports.
  constexpr long kIterations = 25'000'000;
  constexpr int kPasses = 5;
  std::vector<float> sinks(static_cast<size_t>(threads));
  auto pass = [&](int id) {
    // chains() touches no memory, so the compiler may move the call across
    // the clock reads; the empty asm statements pin its input after the
    // first and its result before the second.
    long iterations = kIterations;
    auto start = std::chrono::steady_clock::now();
    asm volatile("" : "+r"(iterations));
    float result = chains(iterations, 0.999f, 1e-3f * float(id + 1));
    asm volatile("" : : "x"(result));
    sinks[size_t(id)] += result;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double seconds = attnc::tools::fastestPassSeconds(int(threads), kPasses, [](int) {}, pass);
  const double flopsPerThread = double(kIterations) * kChains * kLanes * 2;
  double best = flopsPerThread * double(threads) / seconds / 1e9;
  float sink = 0;
  for (float s : sinks)
    sink += s;
  if (!(sink > 0)) // every chain stays positive and finite
    std::fprintf(stderr, "unexpected sum %f\n", sink);
  std::printf("gflops %.1f\nthreads %ld\nvector_bits %d\nchains %d\nfma %d\n", best, threads,
              kLanes * 32, kChains, kFused);
  return 0;
}
