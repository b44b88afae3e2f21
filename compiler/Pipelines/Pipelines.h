//===- Pipelines.h - attnc pass pipelines -----------------------*- C++ -*-===//
//
// The pass pipelines from attn IR to the LLVM dialect, as C++ functions
// taking an OpPassManager (IREE style): the driver calls buildPipeline and
// stops at the CompilePhase its --emit asks for; attnc-opt runs the same
// functions by their registered names for lit tests.
//
//   Attn    attn-decompose-attention                          (attn dialect)
//   Linalg  + convert-attn-to-linalg                 (linalg on tensors)
//   Vector  + tile/vectorize, bufferize, stack promotion, parallel loops
//                                                         (vector on memrefs)
//   LLVM    + vector lowering, loops, LLVM dialect, heap check (LLVM dialect)
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PIPELINES_PIPELINES_H
#define ATTNC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include <string>
#include <vector>

namespace mlir::attnc {

/// The last phase buildPipeline runs; see the table above.
enum class CompilePhase { Attn, Linalg, Vector, LLVM };

struct PipelineOptions {
  /// Functions that must do no heap allocation, no alloca inside a loop and
  /// use a bounded stack whatever the context length: their small
  /// temporaries go on the stack, the others in static storage (so these
  /// functions must not run concurrently with themselves), and the final
  /// LLVM dialect is checked (attn-check-stack-only).
  std::vector<std::string> stackOnlyFunctions = {"attn_decode"};
  /// Largest temporary of those functions put on the stack, and the most
  /// bytes of stack their temporaries may take in all.
  int64_t maxAllocaBytes = 64 * 1024;
  int64_t stackBudgetBytes = 256 * 1024;
  /// Tiling heuristic of attn-tile-and-vectorize.
  int64_t maxWholeDim = 64;
  int64_t maxTile = 16;
  /// Tokens per register tile of the linear layers over many tokens.
  int64_t tokenBlock = 8;
};

/// attn-decompose-attention, then convert-attn-to-linalg unless stopAfter is
/// CompilePhase::Attn. Defined in AttnToLinalgPipeline.cpp.
void buildAttnToLinalgPipeline(OpPassManager &pm,
                               CompilePhase stopAfter = CompilePhase::Linalg);

/// Linalg on tensors -> tiled, vectorized code on memrefs: results computed
/// in place in their destination memrefs (logits, KV-cache slots; empty-
/// tensor elimination first, before any CSE), tile and vectorize every
/// linalg op, one-shot bufferize (identity layouts at function boundaries),
/// temporaries of the stack-only functions on the stack or in static
/// storage, deallocation of the others'; the loops marked attn.parallel as
/// scf.parallel.
void buildLinalgToVectorPipeline(OpPassManager &pm,
                                 const PipelineOptions &options = {});

/// Vector on memrefs -> LLVM dialect: vector lowering (FMAs, polynomial
/// exp), remaining linalg ops as loops, scf.parallel as OpenMP loops,
/// conversion to LLVM, and the check
/// that the stack-only functions never allocate.
void buildVectorToLLVMPipeline(OpPassManager &pm,
                               const PipelineOptions &options = {});

/// The whole pipeline from attn IR, stopping after `stopAfter`.
void buildPipeline(OpPassManager &pm, CompilePhase stopAfter,
                   const PipelineOptions &options = {});

/// Registers attnc-linalg-to-vector-pipeline, attnc-vector-to-llvm-pipeline
/// and attnc-pipeline (once per process).
void registerPipelines();

} // namespace mlir::attnc

#endif // ATTNC_PIPELINES_PIPELINES_H
