//===- MemoryBudget.cpp - Whether a model fits this machine ---------------===//
//
// The physical memory comes from sysconf; a resource limit counts what the
// process already uses (its address space for RLIMIT_AS, its data for
// RLIMIT_DATA, both from /proc/self/statm), so only the room left under it
// is offered to the model.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/MemoryBudget.h"

#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/ArchPlan.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdio>
#include <iterator>
#include <sys/resource.h>
#include <unistd.h>

using namespace llvm;

namespace attnc {

namespace {

/// Rows of logits the executable allocates: attn_prefill's chunk
/// (kPrefillChunk in compiler/Builder/ModelBuilder.h).
constexpr double kLogitRows = 64;

/// The process's address space and data size in bytes (/proc/self/statm's
/// `size` and `data`); zeros if they cannot be read.
void currentUse(double &addressSpace, double &data) {
  addressSpace = data = 0;
  unsigned long size = 0, resident = 0, shared = 0, text = 0, lib = 0, dataPages = 0;
  if (FILE *f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%lu %lu %lu %lu %lu %lu", &size, &resident, &shared, &text, &lib,
                    &dataPages) == 6) {
      double page = double(sysconf(_SC_PAGESIZE));
      addressSpace = double(size) * page;
      data = double(dataPages) * page;
    }
    std::fclose(f);
  }
}

} // namespace

MemoryNeeds memoryNeeds(const ModelSpec &spec) {
  MemoryNeeds needs;
  const double f32 = sizeof(float);
  needs.weights = parameterCount(spec) * f32;
  needs.kvCache = 2 * double(spec.layers) * double(spec.attention.kvHeads) *
                  double(spec.contextLength) * double(spec.headDim()) * f32;
  // Logits of a prefill chunk, the sampler's probabilities and candidates
  // (a float and a (float, index) pair per token), the context's token ids.
  needs.buffers = double(spec.vocabSize) * (kLogitRows * f32 + 3 * f32) +
                  (double(spec.contextLength) + 1) * sizeof(int32_t);
  return needs;
}

MemoryLimit memoryLimit() {
  MemoryLimit limit;
  limit.bytes = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  limit.source = "physical memory";
  double addressSpace, data;
  currentUse(addressSpace, data);
  auto lower = [&](int resource, double used, const char *name) {
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
      return;
    double room = double(rl.rlim_cur) - used;
    if (room < limit.bytes) {
      limit.bytes = room < 0 ? 0 : room;
      limit.source = name;
    }
  };
  lower(RLIMIT_AS, addressSpace, "RLIMIT_AS");
  lower(RLIMIT_DATA, data, "RLIMIT_DATA");
  return limit;
}

std::string formatBytes(double bytes) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024)
    return std::to_string(int64_t(bytes)) + " bytes";
  int unit = -1;
  while (bytes >= 1024 && unit + 1 < int(std::size(units))) {
    bytes /= 1024;
    ++unit;
  }
  std::string text;
  raw_string_ostream(text) << format("%.1f ", bytes) << units[unit];
  return text;
}

bool checkMemory(const ModelSpec &spec, SourceMgr &sm) {
  MemoryNeeds needs = memoryNeeds(spec);
  MemoryLimit limit = memoryLimit();
  if (needs.total() <= limit.bytes)
    return true;
  bool physical = limit.source == "physical memory";
  return reportError(sm, SMLoc(),
                     "model '" + spec.name + "' needs " + formatBytes(needs.total()) +
                         " of memory (weights " + formatBytes(needs.weights) +
                         ", held twice while compiling; KV cache " + formatBytes(needs.kvCache) +
                         "; logits and other buffers " + formatBytes(needs.buffers) +
                         "), more than the " + formatBytes(limit.bytes) +
                         (physical ? " of physical memory this machine has"
                                   : " this process may still allocate under its " +
                                         limit.source));
}

} // namespace attnc
