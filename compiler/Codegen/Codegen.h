//===- Codegen.h - LLVM dialect to native code ------------------*- C++ -*-===//
//
// The last step of attnc: the LLVM-dialect module (the output of the
// attnc pipeline) is translated to LLVM IR, the weights, tokenizer and model
// record are attached as module-level assembly (.incbin/.quad, the symbols
// runtime/include/attnrt/abi.h declares), the module is optimized at O3 for
// the host CPU, and written as LLVM IR, assembly or an object file, which
// linkExecutable links with the runtime into a program.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_CODEGEN_H
#define ATTNC_CODEGEN_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class raw_pwrite_stream;
class Module;
class TargetMachine;
} // namespace llvm

namespace attnc {

/// What the compiled object embeds besides code (see abi.h).
struct EmbeddedData {
  std::string weightsFile;   // the weight blob (WeightLayout.h), exactly weightsBytes bytes;
                             // empty: appended to the executable by linkObjects instead
  int64_t weightsBytes = 0;
  std::string tokenizerFile; // empty: no tokenizer (a single zero byte is embedded);
                             // attnc passes a private copy of the checked bytes
  int64_t tokenizerBytes = 0;
  std::vector<int64_t> modelInfo; // AttnModelInfo fields in order (padded with 0)
};

enum class OutputKind { LLVMIR, Assembly, Object };

struct CodegenOptions {
  unsigned optLevel = 3;
  /// Empty: the host's CPU and features (sys::getHostCPUName/Features).
  std::string cpu;
  std::string features;
};

/// The module-level assembly that defines attn_weights, attn_tokenizer and
/// attn_model_info. Fails if a file is missing or its size does not match
/// the count given, or if modelInfo is longer than AttnModelInfo.
llvm::Expected<std::string> embeddedDataAsm(const EmbeddedData &data);

/// A TargetMachine for the host (or options.cpu/features), PIC, with
/// fp-contraction allowed so fmul+fadd become FMAs.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodegenOptions &options = {});

/// Translates an LLVM-dialect module to LLVM IR for `tm` (triple, data
/// layout, per-function target-cpu/features), unoptimized.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context, llvm::TargetMachine &tm);

/// LLVM's default pipeline at `optLevel` (as `opt -O<n>`), for `tm`.
void optimizeLLVMModule(llvm::Module &module, llvm::TargetMachine &tm, unsigned optLevel);

/// translateToLLVMIR, then `data` (if given) appended as module assembly,
/// then optimizeLLVMModule at options.optLevel.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &context,
                     llvm::TargetMachine &tm, const EmbeddedData *data,
                     const CodegenOptions &options = {});

/// Writes `module` as LLVM IR text, assembly or an ELF object to `os`, which
/// must support pwrite for an object (a file or a raw_svector_ostream).
llvm::Error emitFile(llvm::Module &module, llvm::TargetMachine &tm,
                     OutputKind kind, llvm::raw_pwrite_stream &os);

/// How many objects emitObjectsInParallel should make of `module`: one per
/// core, at most one per defined function, at most 8.
unsigned codegenPartitions(const llvm::Module &module);

/// Optimizes (options.optLevel) and compiles `module`, unoptimized, into
/// objectPaths.size() objects, each on its own thread (ParallelCodegen.cpp),
/// and assembles `dataAsm` (embeddedDataAsm's) into `dataPath` on another.
/// `module`'s internal functions become hidden external ones; it is not
/// compiled itself.
llvm::Error emitObjectsInParallel(llvm::Module &module, llvm::StringRef dataAsm,
                                  llvm::StringRef dataPath,
                                  llvm::ArrayRef<std::string> objectPaths,
                                  const CodegenOptions &options = {});

/// Assembles `assembly` (what emitFile writes for OutputKind::Assembly,
/// possibly preceded by more assembly such as embeddedDataAsm's) into an ELF
/// object for `tm`, with LLVM's integrated assembler in this process: how an
/// object is derived from the assembly stage rather than from a second
/// codegen run. `os` must support pwrite, as for emitFile.
llvm::Error assembleObject(llvm::StringRef assembly, llvm::TargetMachine &tm,
                           llvm::raw_pwrite_stream &os);

/// emitFile to `outputPath`, under the rules of compiler/Support/OutputFile.h
/// (a regular file is replaced only on success; a device is written through).
llvm::Error emitFile(llvm::Module &module, llvm::TargetMachine &tm,
                     OutputKind kind, llvm::StringRef outputPath);

/// translateAndOptimize + emitFile for the host.
llvm::Error compileToFile(mlir::ModuleOp module, const EmbeddedData *data,
                          OutputKind kind, llvm::StringRef outputPath,
                          const CodegenOptions &options = {});

/// linkExecutable for several objects (emitObjectsInParallel's). With
/// `appendedWeights` (a regular file: the weight blob, whose object defines
/// no attn_weights), the executable then carries those bytes after its ELF
/// image as abi.h's appended weights (Link.cpp's appendWeights).
llvm::Error linkObjects(llvm::ArrayRef<std::string> objectPaths, llvm::StringRef exePath,
                        llvm::StringRef appendedWeights = "");

/// Links an object produced by compileToFile with libattnrt_main.a and
/// libattnrt.a into an executable (clang++ -fuse-ld=lld), installed at
/// `exePath` by produceOutput (compiler/Support/OutputFile.h): a failed or
/// interrupted link never leaves a partial or temporary file, and a device
/// or FIFO gets the bytes instead of being replaced.
llvm::Error linkExecutable(llvm::StringRef objectPath, llvm::StringRef exePath);

/// Links objects into a shared library (used by benchmarks that dlopen the
/// compiled code), with the same guarantees.
llvm::Error linkSharedLibrary(llvm::ArrayRef<std::string> objectPaths,
                              llvm::StringRef libPath);

} // namespace attnc

#endif // ATTNC_CODEGEN_CODEGEN_H
