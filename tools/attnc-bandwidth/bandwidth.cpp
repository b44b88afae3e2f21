//===- bandwidth.cpp - Single-thread memory read bandwidth probe ----------===//
//
// The roofline the benchmark compares decode speed against: decoding one
// token of an fp32 model reads every weight once, so tokens/s can be at most
// read-bandwidth / weight-bytes. This probe measures that bandwidth on this
// machine, in the same run as the model, by summing a buffer much larger than
// the last-level cache with one thread (the compiled kernels use one).
//
// Usage: attnc-bandwidth [MiB]   (default 512). Prints "read_gbps <value>".
//
//===----------------------------------------------------------------------===//
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

/// 16 floats: one 64-byte cache line, one AVX-512 register.
typedef float Line __attribute__((vector_size(64)));

/// Sums `lines` cache lines with four independent vector accumulators so the
/// loop is limited by loads, not by the latency of one dependent add chain.
__attribute__((noinline)) float sumAll(const Line *data, size_t lines) {
  Line a = {}, b = {}, c = {}, d = {};
  for (size_t i = 0; i + 4 <= lines; i += 4) {
    a += data[i];
    b += data[i + 1];
    c += data[i + 2];
    d += data[i + 3];
  }
  Line all = a + b + c + d;
  float total = 0;
  for (int j = 0; j < 16; ++j)
    total += all[j];
  return total;
}

} // namespace

int main(int argc, char **argv) {
  long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 512;
  if (mib < 64 || mib > 8192) {
    std::fprintf(stderr, "error: buffer size must be 64..8192 MiB, got '%s'\n", argv[1]);
    return 1;
  }
  size_t bytes = size_t(mib) * 1024 * 1024;
  auto *buffer = static_cast<Line *>(std::aligned_alloc(64, bytes));
  if (!buffer) {
    std::fprintf(stderr, "error: cannot allocate %ld MiB\n", mib);
    return 1;
  }
  // Written once, with ones (not zeros: a zeroed allocation may become calloc
  // and read the shared zero page), so every page is really mapped.
  size_t lines = bytes / sizeof(Line);
  for (size_t i = 0; i < lines; ++i)
    for (int j = 0; j < 16; ++j)
      buffer[i][j] = 1.0f;

  double best = 0;
  float sink = 0;
  for (int pass = 0; pass < 5; ++pass) {
    // The barrier stops the compiler from treating the read-only sum as
    // loop-invariant and moving it out of the timed region.
    asm volatile("" : : "r"(buffer) : "memory");
    auto start = std::chrono::steady_clock::now();
    sink += sumAll(buffer, lines);
    asm volatile("" : : "r"(buffer) : "memory");
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double gbps = double(bytes) / seconds / 1e9;
    if (gbps > best)
      best = gbps;
  }
  if (sink <= 0) // every pass sums ones: this also keeps the sums alive
    std::fprintf(stderr, "unexpected sum %f\n", sink);
  std::free(buffer);
  std::printf("read_gbps %.2f\n", best);
  return 0;
}
