//===- Compile.h - The compile job of the attnc driver ----------*- C++ -*-===//
//
// What `attnc compile` does after the description and weights are loaded:
// build the attn module, lower it stage by stage (printing or dumping any
// stage on request), emit LLVM IR, assembly or an object for the host CPU,
// and link the object with the runtime into a self-contained executable.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_COMPILE_H
#define ATTNC_DRIVER_COMPILE_H

#include "compiler/Frontend/ModelSpec.h"
#include "compiler/Frontend/Weights.h"
#include "llvm/Support/SourceMgr.h"
#include <optional>
#include "mlir/Support/Timing.h"

#include <string>
#include <vector>

namespace attnc {

struct CompileOptions {
  std::string output;   // "-" = stdout (text stages only)
  std::string emit = "exe"; // a stage name (compiler/Pipelines/Pipelines.h)
  /// When set, every stage up to the emitted one is written there as
  /// NN-FILE (StageInfo::file), with index.md: the stages, the passes that
  /// produced each and their wall time.
  std::string dumpDir;
  bool timing = false;          // per-pass wall times to stderr (MLIR's report)
  bool printIRAfterAll = false; // the module after every MLIR pass, to stderr
  bool debugInfo = false;       // -g: LLVM debug locations from the op locations
  /// Added to PipelineOptions::stackOnlyFunctions (a hidden debugging
  /// option: asking it of attn_prefill shows a pass's diagnostic).
  std::vector<std::string> stackOnlyFunctions;
  /// The element type of the weight matrices (planWeightLayout); none: each
  /// keeps its checkpoint's type where supported (bf16, f16), else f32.
  std::optional<ElementType> weightType;
  /// Quantize the input of every linear layer with a q8_0 weight too
  /// (attn.linear's `input_quant`): integer products, as llama.cpp.
  bool int8Activations = false;
  /// Also compile attn_trace (abi.h), for --trace-out and --attention-out.
  bool trace = false;
  /// attnc verify's reference path (PipelineOptions::reference).
  bool reference = false;
  /// A planted bug for verify's tests (PipelineOptions::injectFault).
  std::string injectFault;
};

/// The stages `--emit` accepts, in lowering order (the names of allStages()).
const std::vector<std::string> &emitStages();

/// Runs the compile job; reports errors through `sm` and returns false.
/// `tokenizerBytes` are the tokenizer's bytes as they were checked
/// (TokenizerInfo::bytes; empty without a tokenizer): they, not the file
/// named in `spec`, are embedded.
bool compileModel(const ModelSpec &spec, const ModelWeights &weights,
                  llvm::StringRef tokenizerBytes, const CompileOptions &options,
                  llvm::SourceMgr &sm);

} // namespace attnc

#endif // ATTNC_DRIVER_COMPILE_H
