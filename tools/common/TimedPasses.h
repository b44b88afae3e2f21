//===- TimedPasses.h - Timed passes of N threads started together -*- C++ -*-===//
//
// The start protocol of the roofline probes (attnc-bandwidth, attnc-flops):
// N worker threads each run a pass of work; every pass starts on all threads
// at once (they spin on a shared counter), and the main thread only sleeps
// between checks so that it takes no core from the threads measured. The
// figure of a pass is its slowest thread; the result is the fastest pass,
// the one least disturbed by the rest of the machine.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_COMMON_TIMEDPASSES_H
#define ATTNC_TOOLS_COMMON_TIMEDPASSES_H

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace attnc::tools {

/// Runs `setup(id)` once on each of `threads` threads, then `passes` passes
/// of `pass(id)`, which returns the seconds its timed work took. Returns the
/// least, over the passes, of the slowest thread's seconds.
template <typename Setup, typename Pass>
double fastestPassSeconds(int threads, int passes, Setup setup, Pass pass) {
  // Pass p starts when `go` reaches p + 1; each thread counts itself in
  // `ready` when it is waiting for a pass and again when it has finished one.
  std::atomic<int> ready{0};
  std::atomic<int> go{0};
  std::vector<double> seconds(static_cast<size_t>(threads));
  auto worker = [&](int id) {
    setup(id);
    for (int p = 0; p < passes; ++p) {
      ready.fetch_add(1);
      while (go.load() < p + 1)
        ;
      seconds[size_t(id)] = pass(id);
      ready.fetch_add(1);
    }
  };
  auto waitFor = [&](int count) {
    while (ready.load() < count)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
  };
  std::vector<std::thread> pool;
  for (int id = 0; id < threads; ++id)
    pool.emplace_back(worker, id);
  double best = 0;
  for (int p = 0; p < passes; ++p) {
    waitFor(threads * (2 * p + 1));
    go.store(p + 1);
    waitFor(threads * (2 * p + 2));
    double slowest = 0;
    for (double s : seconds)
      slowest = s > slowest ? s : slowest;
    best = p == 0 || slowest < best ? slowest : best;
  }
  for (std::thread &t : pool)
    t.join();
  return best;
}

} // namespace attnc::tools

#endif // ATTNC_TOOLS_COMMON_TIMEDPASSES_H
