//===- threads.h - Threads of the compiled kernels ---------------*- C++ -*-===//
//
// The compiled kernels run their parallel loops (the output blocks of every
// linear layer, the heads of a prompt's attention) on LLVM's OpenMP
// runtime, libomp, whose worker threads threads_set creates once and every
// token reuses.
// The runtime only chooses how many. Each loop iteration computes the same
// values whichever thread runs it, so the logits do not depend on the count.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNRT_THREADS_H
#define ATTNRT_THREADS_H

#include <stdint.h>

namespace attnrt {

/// CPUs this process may run on (its affinity mask), at least 1.
int32_t usable_cpus();

/// Makes the kernels' parallel loops use `requested` threads, or
/// usable_cpus() when `requested` is 0, spread one per CPU (OMP_PROC_BIND=
/// spread) unless the environment already says how to place them, and
/// creates the team. Call it before anything else uses OpenMP. Returns the
/// count set.
int32_t threads_set(int32_t requested);

} // namespace attnrt

#endif // ATTNRT_THREADS_H
