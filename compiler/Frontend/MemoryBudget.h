//===- MemoryBudget.h - Whether a model fits this machine -------*- C++ -*-===//
//
// Every large allocation of the compiler and of the executable it writes is
// sized by the description: the weights (generated or mapped, then packed
// into the blob the executable embeds), the KV cache and the logits the
// executable allocates. checkMemory adds them up before any of them is
// allocated, so that a model that cannot fit is one error line with the
// numbers, instead of `LLVM ERROR: out of memory` and an abort (or the OOM
// killer) halfway through. The sizes are computed in double: after the
// description's own bounds they still can exceed int64 (a KV cache of
// 65536 layers of 2^31 positions), and an estimate needs no exactness.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_MEMORYBUDGET_H
#define ATTNC_FRONTEND_MEMORYBUDGET_H

#include "compiler/Frontend/ModelSpec.h"
#include "llvm/Support/SourceMgr.h"
#include <string>

namespace attnc {

/// Bytes a model needs, by what they are for.
struct MemoryNeeds {
  double weights = 0; // every parameter as float32
  double kvCache = 0; // 2 * layers * kv_heads * context_length * head_dim floats
  double buffers = 0; // the executable's logits, token ids and sampler
  /// The weights are held twice at once while compiling (as read or
  /// generated, and packed into the blob the executable embeds); the
  /// executable then holds them, the KV cache and its buffers.
  double total() const { return 2 * weights + kvCache + buffers; }
};

MemoryNeeds memoryNeeds(const ModelSpec &spec);

/// The bytes this process may still allocate: the machine's physical memory,
/// or less where RLIMIT_AS or RLIMIT_DATA leave less room. `source` says
/// which ("physical memory", "RLIMIT_AS", "RLIMIT_DATA").
struct MemoryLimit {
  double bytes = 0;
  std::string source;
};

MemoryLimit memoryLimit();

/// Reports `error: model 'NAME' needs N GiB of memory (...), more than ...`
/// and returns false when memoryNeeds(spec) exceeds memoryLimit().
bool checkMemory(const ModelSpec &spec, llvm::SourceMgr &sm);

/// "1.5 GiB", "320.0 KiB", "12 bytes": for messages.
std::string formatBytes(double bytes);

} // namespace attnc

#endif // ATTNC_FRONTEND_MEMORYBUDGET_H
