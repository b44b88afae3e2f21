//===- bandwidth.cpp - Memory read bandwidth probe, 1 or N threads --------===//
//
// The roofline the benchmark compares decode speed against: decoding one
// token of an fp32 model reads every weight once, so tokens/s can be at most
// read-bandwidth / weight-bytes. This probe measures that bandwidth on this
// machine, in the same run as the model, by summing a buffer much larger than
// the last-level cache. With --threads N, N threads each sum their own
// contiguous slice (first touched by that thread, as a kernel's weights are
// not: the slices only keep the threads from sharing cache lines), all
// started together; the rate is the whole buffer over the slowest thread's
// time, which is what a decode step split over N threads waits for.
//
// Usage: attnc-bandwidth [--threads N] [MiB]   (default 1 thread, 512 MiB).
// Prints "read_gbps <value>" and "threads <N>".
//
//===----------------------------------------------------------------------===//
#include "runtime/include/attnrt/abi.h"
#include "tools/common/TimedPasses.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <sys/mman.h>

namespace {

/// 16 floats: one 64-byte cache line (one AVX-512 register; two or four
/// narrower ones elsewhere, which the compiler splits it into).
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

bool parseLong(const char *text, long lo, long hi, long *out) {
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < lo || value > hi)
    return false;
  *out = value;
  return true;
}

} // namespace

int main(int argc, char **argv) {
  long mib = 512, threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") || !std::strcmp(argv[i], "-t")) {
      if (i + 1 >= argc || !parseLong(argv[i + 1], 1, 256, &threads)) {
        std::fprintf(stderr, "error: --threads needs a count in 1..256\n");
        return 1;
      }
      ++i;
    } else if (!parseLong(argv[i], 64, 8192, &mib)) {
      std::fprintf(stderr, "error: buffer size must be 64..8192 MiB, got '%s'\n", argv[i]);
      return 1;
    }
  }
  size_t bytes = size_t(mib) * 1024 * 1024;
  // In 2 MiB pages where the kernel offers them, as the compiled models ask
  // for their weights (the runtime's weights_populate): the roofline is the
  // best read rate, not one limited by a TLB miss every 4 KiB.
  auto *buffer = static_cast<Line *>(std::aligned_alloc(ATTN_HUGE_PAGE_BYTES, bytes));
  if (!buffer) {
    std::fprintf(stderr, "error: cannot allocate %ld MiB\n", mib);
    return 1;
  }
#ifdef MADV_HUGEPAGE
  (void)madvise(buffer, bytes, MADV_HUGEPAGE);
#endif
  size_t lines = bytes / sizeof(Line);
  // Slices of whole groups of four lines (sumAll's step).
  size_t perThread = lines / size_t(threads) / 4 * 4;

  constexpr int kPasses = 5;
  std::vector<float> sums(static_cast<size_t>(threads));
  auto touch = [&](int id) {
    Line *slice = buffer + size_t(id) * perThread;
    // Written once, with ones (not zeros: a zeroed allocation may become
    // calloc and read the shared zero page), so every page is really mapped.
    for (size_t i = 0; i < perThread; ++i)
      for (int j = 0; j < 16; ++j)
        slice[i][j] = 1.0f;
  };
  auto pass = [&](int id) {
    Line *slice = buffer + size_t(id) * perThread;
    // The barrier stops the compiler from treating the read-only sum as
    // loop-invariant and moving it out of the timed region.
    asm volatile("" : : "r"(slice) : "memory");
    auto start = std::chrono::steady_clock::now();
    sums[size_t(id)] += sumAll(slice, perThread);
    asm volatile("" : : "r"(slice) : "memory");
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double seconds = attnc::tools::fastestPassSeconds(int(threads), kPasses, touch, pass);
  double bestGbps = double(perThread * size_t(threads) * sizeof(Line)) / seconds / 1e9;
  float sink = 0;
  for (float s : sums)
    sink += s;
  if (sink <= 0) // every pass sums ones: this also keeps the sums alive
    std::fprintf(stderr, "unexpected sum %f\n", sink);
  std::free(buffer);
  std::printf("read_gbps %.2f\nthreads %ld\n", bestGbps, threads);
  return 0;
}
