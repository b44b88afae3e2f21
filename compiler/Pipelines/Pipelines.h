//===- Pipelines.h - attnc pass pipelines and stages ------------*- C++ -*-===//
//
// The one vocabulary of compilation stages (attnc's --emit, --dump-dir and
// index.md, README) and the pass pipelines from attn IR to the LLVM dialect,
// as C++ functions taking an OpPassManager (IREE style). Each MLIR stage is
// the IR after one registered pipeline; the driver builds every stage with
// buildStagePipeline, the same functions attnc-opt runs by name for lit
// tests:
//
//   stage            pipeline that produces it           IR
//   attn             (the builder, ModelBuilder.h)        attn dialect
//   attn-decomposed  attnc-decompose-pipeline             attn, attention split
//   linalg           attnc-attn-to-linalg-pipeline        linalg on tensors
//   vector           attnc-linalg-to-vector-pipeline      vector on memrefs,
//                                                        parallel loops
//   llvm             attnc-vector-to-llvm-pipeline        LLVM dialect
//   ll, asm, obj, exe  compiler/Codegen (LLVM IR -O3, assembly, object, link)
//
// attnc-pipeline runs all the MLIR ones.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PIPELINES_PIPELINES_H
#define ATTNC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace mlir::attnc {

/// The stages of a compilation, in order; see the table above.
enum class Stage { Attn, AttnDecomposed, Linalg, Vector, LLVM, LL, Asm, Obj, Exe };

struct StageInfo {
  Stage stage;
  /// The name --emit takes and index.md shows.
  llvm::StringRef name;
  /// The file --dump-dir writes, after its "NN-" number; empty for exe
  /// (the -o output).
  llvm::StringRef file;
  /// The registered pipeline that produces it from the stage before (MLIR
  /// stages after attn), else empty.
  llvm::StringRef pipeline;
  /// One line for help texts and index.md.
  llvm::StringRef summary;
};

/// Every stage, in lowering order (index i describes Stage(i)).
llvm::ArrayRef<StageInfo> allStages();
const StageInfo &stageInfo(Stage stage);
std::optional<Stage> stageNamed(llvm::StringRef name);
/// Whether `stage` is MLIR (printed as .mlir), not LLVM's.
inline bool isMlirStage(Stage stage) { return stage <= Stage::LLVM; }

/// Whether this machine's CPU has AVX-512 VNNI (vpdpbusd).
bool hostHasInt8DotProduct();

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
  /// Whether the integer linears' byte dot products (attn.dot_i8) become
  /// AVX-512 VNNI instructions; else widening multiplies and adds. Code is
  /// compiled for the host, so: whether the host has avx512vnni.
  bool int8DotProduct = hostHasInt8DotProduct();
  /// Give every LLVM function a debug-info scope (its file is the one its
  /// location names), so that the op locations become LLVM debug locations.
  bool debugInfo = false;
  /// The plain reference path of `attnc verify`: no tiling, no
  /// vectorization, no parallel loops; every linalg op becomes scalar loops
  /// (convert-linalg-to-loops) straight after bufferization.
  bool reference = false;
  /// A deliberate bug for verify's tests (attn-inject-fault's `fault`), or
  /// empty: the hidden --inject-fault of attnc.
  std::string injectFault;
};

/// attn-decompose-attention. Defined in AttnToLinalgPipeline.cpp.
void buildDecomposePipeline(OpPassManager &pm);

/// convert-attn-to-linalg and a cleanup (after attn-inject-fault when
/// options.injectFault asks for it). Defined in AttnToLinalgPipeline.cpp.
void buildAttnToLinalgPipeline(OpPassManager &pm, const PipelineOptions &options = {});

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

/// The pipeline that takes the stage before `stage` to `stage` (an MLIR
/// stage other than attn; see StageInfo::pipeline).
void buildStagePipeline(OpPassManager &pm, Stage stage,
                        const PipelineOptions &options = {});

/// Every stage pipeline from attn IR up to and including `last`.
void buildPipeline(OpPassManager &pm, Stage last,
                   const PipelineOptions &options = {});

/// Registers the stage pipelines under their names and attnc-pipeline
/// (once per process).
void registerPipelines();

} // namespace mlir::attnc

#endif // ATTNC_PIPELINES_PIPELINES_H
