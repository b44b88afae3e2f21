//===- attnc-codegen.cpp - Compile hand-written MLIR to native code -------===//
//
// A test and debugging driver for compiler/Pipelines and compiler/Codegen:
// reads a module at a given phase (linalg on tensors, vector on memrefs, or
// LLVM dialect), runs the rest of the attnc pipeline, and writes LLVM IR,
// assembly or an object for the host. `attnc` is the user-facing driver;
// this one exists so lit can test code generation without a model.
//
//   attnc-codegen in.mlir --from=linalg --emit=obj -o out.o
//   attnc-codegen in.mlir --weights=w.bin --weights-floats=N
//                 [--tokenizer=t.bin --tokenizer-bytes=M] --model-info=1,512,...
//                 [--link=exe]
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"
#include "compiler/InitAll.h"
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace llvm;

namespace {
enum class From { Linalg, Vector, LLVM };

cl::opt<std::string> input(cl::Positional, cl::desc("<input .mlir>"), cl::init("-"));
cl::opt<std::string> output("o", cl::desc("Output file"), cl::init("-"));
cl::opt<From> from("from", cl::desc("Phase of the input"),
                   cl::values(clEnumValN(From::Linalg, "linalg", "linalg on tensors"),
                              clEnumValN(From::Vector, "vector", "vector on memrefs"),
                              clEnumValN(From::LLVM, "llvm", "LLVM dialect")),
                   cl::init(From::Linalg));
cl::opt<attnc::OutputKind>
    emit("emit", cl::desc("Output kind"),
         cl::values(clEnumValN(attnc::OutputKind::LLVMIR, "ll", "LLVM IR"),
                    clEnumValN(attnc::OutputKind::Assembly, "asm", "assembly"),
                    clEnumValN(attnc::OutputKind::Object, "obj", "ELF object")),
         cl::init(attnc::OutputKind::Object));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (default 3)"),
                           cl::Prefix, cl::init(3));
cl::list<std::string> stackOnly("stack-only",
                                cl::desc("Functions that must not allocate on "
                                         "the heap (default: attn_decode)"));
cl::opt<std::string> weights("weights", cl::desc("Embed this file as attn_weights"),
                            cl::init(""));
cl::opt<int64_t> weightsBytes("weights-bytes", cl::desc("Bytes in --weights"),
                              cl::init(0));
cl::opt<std::string> tokenizer("tokenizer",
                               cl::desc("Embed this file as attn_tokenizer"),
                               cl::init(""));
cl::opt<int64_t> tokenizerBytes("tokenizer-bytes", cl::desc("Bytes in --tokenizer"),
                                cl::init(0));
cl::opt<std::string> linkExe("link",
                            cl::desc("Also link the object with the runtime "
                                     "into this executable (--emit=obj)"),
                            cl::init(""));
cl::list<int64_t> modelInfo("model-info", cl::CommaSeparated,
                            cl::desc("attn_model_info fields, comma-separated"));
cl::opt<bool> noInt8DotProduct("no-int8-dot-product",
                               cl::desc("Lower attn.dot_i8 to widening multiplies and adds "
                                        "even where the host has AVX-512 VNNI"),
                               cl::init(false));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  attnc::registerAllPasses();
  mlir::registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "attnc code generation driver\n");

  mlir::DialectRegistry registry;
  attnc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  std::string error;
  auto file = mlir::openInputFile(input, &error);
  if (!file) {
    errs() << "attnc-codegen: " << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  mlir::attnc::PipelineOptions options;
  if (noInt8DotProduct)
    options.int8DotProduct = false;
  if (!stackOnly.empty())
    options.stackOnlyFunctions.assign(stackOnly.begin(), stackOnly.end());
  mlir::PassManager pm(&context);
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return 1;
  if (from == From::Linalg)
    mlir::attnc::buildLinalgToVectorPipeline(pm, options);
  if (from != From::LLVM)
    mlir::attnc::buildVectorToLLVMPipeline(pm, options);
  if (failed(pm.run(*module)))
    return 1;

  std::optional<attnc::EmbeddedData> data;
  if (!weights.empty()) {
    data.emplace();
    data->weightsFile = weights;
    data->weightsBytes = weightsBytes;
    data->tokenizerFile = tokenizer;
    data->tokenizerBytes = tokenizerBytes;
    data->modelInfo.assign(modelInfo.begin(), modelInfo.end());
  }
  attnc::CodegenOptions codegenOptions;
  codegenOptions.optLevel = optLevel;
  if (Error e = attnc::compileToFile(*module, data ? &*data : nullptr, emit,
                                     output, codegenOptions)) {
    errs() << "attnc-codegen: " << toString(std::move(e)) << "\n";
    return 1;
  }
  if (!linkExe.empty()) {
    if (emit != attnc::OutputKind::Object || output == "-") {
      errs() << "attnc-codegen: --link needs --emit=obj and an -o file\n";
      return 1;
    }
    if (Error e = attnc::linkExecutable(output, linkExe)) {
      errs() << "attnc-codegen: " << toString(std::move(e)) << "\n";
      return 1;
    }
  }
  return 0;
}
