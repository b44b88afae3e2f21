//===- SafetensorsFuzzer.cpp - libFuzzer target: safetensors files --------===//
//
// Checks the input as a safetensors file with attnc::parseSafetensors, the
// reader `attnc` uses on every model.safetensors and shard. On success every
// tensor is converted to float32, which reads each of its bytes, so a tensor
// whose range escaped the checks is an AddressSanitizer report; the checks'
// promises (ranges inside the data section and disjoint, sizes matching the
// shapes) are asserted as well. Inputs that look like JSON are also read as
// a shard index (model.safetensors.index.json).
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Safetensors.h"

#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

void require(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "SafetensorsFuzzer: %s\n", what);
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::SourceMgr sm;
  sm.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});

  if (!bytes.empty() && bytes.front() == '{') {
    llvm::StringMap<std::string> weightMap;
    std::vector<std::string> shards;
    if (attnc::parseSafetensorsIndex(bytes, "index.json", llvm::SMLoc(), sm, weightMap, shards))
      for (const std::string &shard : shards)
        require(!shard.empty() && shard.find('/') == std::string::npos && shard != "..",
                "a shard name outside the directory was accepted");
  }

  attnc::SafetensorsFile file;
  if (!attnc::parseSafetensors(bytes, "fuzz.safetensors", llvm::SMLoc(), sm, file))
    return 0;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const attnc::SafetensorsTensor &t : file.tensors) {
    require(t.begin <= t.end && t.end <= size, "a tensor range outside the file was accepted");
    uint64_t elements = uint64_t(t.numElements());
    require(elements * attnc::dtypeBytes(t.dtype) == t.end - t.begin,
            "a tensor whose size disagrees with its shape was accepted");
    std::vector<float> values(elements);
    attnc::convertToF32(t.dtype, bytes.substr(t.begin, t.end - t.begin), values);
    if (t.end > t.begin)
      ranges.push_back({t.begin, t.end});
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    require(ranges[i].first >= ranges[i - 1].second, "overlapping tensors were accepted");
  return 0;
}
