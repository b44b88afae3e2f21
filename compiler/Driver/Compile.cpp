//===- Compile.cpp - The compile job of the attnc driver ------------------===//
//
// Builds the attn module of a model and lowers it stage by stage through the
// pipelines of compiler/Pipelines, the same functions attnc-opt runs for lit
// tests. Each stage can be printed (`--emit=STAGE`) or written with all the
// stages before it (`--dump-dir`, as NN-STAGE.ext). Object code embeds the
// packed weight blob, the tokenizer and the model facts the runtime needs
// (runtime/include/attnrt/abi.h); `exe` links it with the runtime. Every
// file is written through compiler/Support/OutputFile.h, and every
// intermediate (the weight blob, the tokenizer's checked bytes, the object
// before linking) is a ScratchFile: nothing is left behind by an error or a
// SIGINT/SIGTERM, and no output is replaced before it is complete.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Compile.h"

#include "compiler/Builder/ModelBuilder.h"
#include "compiler/Builder/WeightLayout.h"
#include "compiler/Codegen/Codegen.h"
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/InitAll.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Support/OutputFile.h"
#include "runtime/include/attnrt/abi.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <functional>
#include <optional>

using namespace attnc;

namespace {

bool fail(llvm::SourceMgr &sm, const llvm::Twine &message) {
  return reportError(sm, llvm::SMLoc(), message);
}

bool fail(llvm::SourceMgr &sm, llvm::Error error) {
  return fail(sm, llvm::toString(std::move(error)));
}

/// Writes `print`'s output to `path` ("-" = stdout) with writeOutput.
bool writeText(llvm::SourceMgr &sm, llvm::StringRef path,
               const std::function<void(llvm::raw_ostream &)> &print) {
  if (llvm::Error error = writeOutput(path, [&](llvm::raw_fd_ostream &os) {
        print(os);
        return llvm::Error::success();
      }))
    return fail(sm, std::move(error));
  return true;
}

/// The MLIR stages, each the pipeline that takes the previous one to it.
struct MlirStage {
  const char *name;
  std::function<void(mlir::OpPassManager &)> build;
};

const MlirStage kMlirStages[] = {
    {"linalg",
     [](mlir::OpPassManager &pm) {
       mlir::attnc::buildAttnToLinalgPipeline(pm, mlir::attnc::CompilePhase::Linalg);
     }},
    {"vector", [](mlir::OpPassManager &pm) { mlir::attnc::buildLinalgToVectorPipeline(pm); }},
    {"llvm", [](mlir::OpPassManager &pm) { mlir::attnc::buildVectorToLLVMPipeline(pm); }},
};

/// AttnModelInfo for `spec`, field by field in the order abi.h declares.
std::vector<int64_t> modelInfo(const ModelSpec &spec, const WeightLayout &layout,
                               int64_t tokenizerBytes) {
  return {ATTN_ABI_VERSION,  spec.vocabSize,       spec.contextLength,  spec.dim,
          spec.layers,       spec.attention.heads, spec.attention.kvHeads,
          spec.headDim(),    layout.totalBytes,    tokenizerBytes,      kPrefillChunk,
          spec.tokens.bos,   spec.tokens.eos,      spec.tokens.addBos ? 1 : 0};
}

mlir::DialectRegistry registry() {
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  return registry;
}

class CompileJob {
public:
  CompileJob(const ModelSpec &spec, const ModelWeights &weights, llvm::StringRef tokenizerBytes,
             const CompileOptions &options, llvm::SourceMgr &sm)
      : spec(spec), weights(weights), tokenizerBytes(tokenizerBytes), options(options), sm(sm),
        context(registry()) {}

  bool run();

private:
  /// Writes stage `name` to the dump directory (if any) and to the output when
  /// it is the stage asked for. Sets `done` when nothing further is needed.
  bool stageReached(llvm::StringRef name, llvm::StringRef extension,
                    const std::function<void(llvm::raw_ostream &)> &print);
  bool emitMachineCode(mlir::TimingScope &root);

  const ModelSpec &spec;
  const ModelWeights &weights;
  llvm::StringRef tokenizerBytes;
  const CompileOptions &options;
  llvm::SourceMgr &sm;
  unsigned stageNumber = 0;
  bool done = false;
  // The context outlives the module built in it (members die in reverse order).
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  WeightLayout layout;
};

bool CompileJob::stageReached(llvm::StringRef name, llvm::StringRef extension,
                              const std::function<void(llvm::raw_ostream &)> &print) {
  if (!options.dumpDir.empty()) {
    llvm::SmallString<256> path(options.dumpDir);
    std::string file = (stageNumber < 10 ? "0" : "") + std::to_string(stageNumber) + "-" +
                       name.str() + "." + extension.str();
    llvm::sys::path::append(path, file);
    if (!writeText(sm, path, print))
      return false;
  }
  ++stageNumber;
  if (options.emit != name)
    return true;
  done = true;
  return writeText(sm, options.output, print);
}

bool CompileJob::run() {
  if (!options.dumpDir.empty()) {
    // create_directories accepts an existing file of that name; the stage
    // files would then fail one by one with ENOTDIR.
    if (std::error_code ec = llvm::sys::fs::create_directories(options.dumpDir))
      return fail(sm, "cannot create --dump-dir '" + options.dumpDir + "': " + ec.message());
    if (!llvm::sys::fs::is_directory(options.dumpDir))
      return fail(sm, "cannot create --dump-dir '" + options.dumpDir +
                          "': it exists and is not a directory");
  }

  mlir::TimingScope untimed;
  mlir::TimingScope &root = options.timing ? *options.timing : untimed;
  mlir::TimingScope buildTimer = root.nest("build attn IR");
  layout = planWeightLayout(spec, &weights, options.weightType);
  module = buildModelModule(context, spec, layout);
  buildTimer.stop();
  if (mlir::failed(mlir::verify(*module)))
    return fail(sm, "internal error: the attn module of '" + spec.name + "' does not verify");
  auto printModule = [&](llvm::raw_ostream &os) { module->print(os); };
  if (!stageReached("attn", "mlir", printModule))
    return false;
  if (done)
    return true;

  for (const MlirStage &stage : kMlirStages) {
    mlir::PassManager pm(&context);
    if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
      return fail(sm, "invalid pass manager options");
    // Passes are timed inside their stage's timer (--mlir-timing).
    mlir::TimingScope stageTimer = root.nest((llvm::Twine("lower to ") + stage.name).str());
    pm.enableTiming(stageTimer);
    stage.build(pm);
    if (mlir::failed(pm.run(*module)))
      return fail(sm, llvm::Twine("internal error: lowering '") + spec.name + "' to " +
                          stage.name + " failed");
    if (!stageReached(stage.name, "mlir", printModule))
      return false;
    if (done)
      return true;
  }
  return emitMachineCode(root);
}

bool CompileJob::emitMachineCode(mlir::TimingScope &root) {
  auto tm = createTargetMachine();
  if (!tm)
    return fail(sm, tm.takeError());

  // Text stages of the kernels alone; the embedded data only matters to
  // objects, where it is assembled in.
  for (auto [name, kind] : {std::pair{"ll", OutputKind::LLVMIR},
                            std::pair{"asm", OutputKind::Assembly}}) {
    if (options.emit != name && options.dumpDir.empty())
      continue;
    llvm::LLVMContext llvmContext;
    auto llvmModule = translateAndOptimize(*module, llvmContext, **tm, nullptr);
    if (!llvmModule)
      return fail(sm, llvmModule.takeError());
    llvm::SmallString<0> text;
    llvm::raw_svector_ostream textStream(text);
    if (llvm::Error error = emitFile(**llvmModule, **tm, kind, textStream))
      return fail(sm, std::move(error));
    if (!stageReached(name, name == llvm::StringRef("ll") ? "ll" : "s",
                      [&](llvm::raw_ostream &os) { os << text; }))
      return false;
    if (done)
      return true;
  }

  // The packed weight blob and the tokenizer's checked bytes, assembled into
  // the object with .incbin from private files.
  mlir::TimingScope blobTimer = root.nest("write weight blob");
  llvm::Expected<ScratchFile> blob = ScratchFile::create("weights", "bin");
  if (!blob)
    return fail(sm, blob.takeError());
  if (llvm::Error error = blob->write([&](llvm::raw_fd_ostream &os) {
        return writeWeightBlob(layout, weights, os);
      }))
    return fail(sm, std::move(error));
  blobTimer.stop();

  EmbeddedData data;
  data.weightsFile = blob->path().str();
  data.weightsBytes = layout.totalBytes;
  std::optional<ScratchFile> tokenizer;
  if (!spec.tokenizer.path.empty()) {
    llvm::Expected<ScratchFile> copy = ScratchFile::create("tokenizer", "bin");
    if (!copy)
      return fail(sm, copy.takeError());
    if (llvm::Error error = copy->write(tokenizerBytes))
      return fail(sm, std::move(error));
    tokenizer.emplace(std::move(*copy));
    data.tokenizerFile = tokenizer->path().str();
    data.tokenizerBytes = static_cast<int64_t>(tokenizerBytes.size());
  }
  data.modelInfo = modelInfo(spec, layout, data.tokenizerBytes);

  llvm::LLVMContext llvmContext;
  mlir::TimingScope optimizeTimer = root.nest("translate and optimize LLVM IR");
  auto llvmModule = translateAndOptimize(*module, llvmContext, **tm, &data);
  if (!llvmModule)
    return fail(sm, llvmModule.takeError());
  optimizeTimer.stop();
  mlir::TimingScope objectTimer = root.nest("emit object");
  if (options.emit == "obj") {
    if (llvm::Error error = emitFile(**llvmModule, **tm, OutputKind::Object, options.output))
      return fail(sm, std::move(error));
    return true;
  }
  llvm::Expected<ScratchFile> object = ScratchFile::create("model", "o");
  if (!object)
    return fail(sm, object.takeError());
  if (llvm::Error error = object->write([&](llvm::raw_fd_ostream &os) {
        return emitFile(**llvmModule, **tm, OutputKind::Object, os);
      }))
    return fail(sm, std::move(error));
  objectTimer.stop();
  mlir::TimingScope linkTimer = root.nest("link executable");
  if (llvm::Error error = linkExecutable(object->path(), options.output))
    return fail(sm, std::move(error));
  return true;
}

} // namespace

const std::vector<std::string> &attnc::emitStages() {
  static const std::vector<std::string> stages = {"attn", "linalg", "vector", "llvm",
                                                  "ll",   "asm",    "obj",    "exe"};
  return stages;
}

bool attnc::compileModel(const ModelSpec &spec, const ModelWeights &weights,
                         llvm::StringRef tokenizerBytes, const CompileOptions &options,
                         llvm::SourceMgr &sm) {
  if (options.emit == "exe" && options.output == "-")
    return fail(sm, "an executable cannot be written to stdout: give -o FILE");
  if (options.emit == "obj" && options.output == "-")
    return fail(sm, "an object file cannot be written to stdout: give -o FILE");
  return CompileJob(spec, weights, tokenizerBytes, options, sm).run();
}
