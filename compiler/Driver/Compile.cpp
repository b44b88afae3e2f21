//===- Compile.cpp - The compile job of the attnc driver ------------------===//
//
// Builds the attn module of a model and lowers it stage by stage (the stages
// of compiler/Pipelines/Pipelines.h) through buildStagePipeline, the same
// functions attnc-opt runs for lit tests. Each stage can be printed
// (`--emit=STAGE`) or written with all the stages before it (`--dump-dir`, as
// NN-FILE, with index.md listing the passes and their wall time from MLIR's
// timing manager, which --timing prints). The LLVM module is translated and
// optimized once: the assembly, the object (assembled from that assembly
// when it is shown) and the executable derive from it. Object code embeds the
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
#include "dialects/attn/IR/AttnOps.h"
#include "runtime/include/attnrt/abi.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <functional>
#include <map>
#include <optional>

using namespace attnc;
using mlir::attnc::Stage;
using mlir::attnc::stageInfo;

namespace {

bool fail(llvm::SourceMgr &sm, const llvm::Twine &message) {
  return reportError(sm, llvm::SMLoc(), message);
}

bool fail(llvm::SourceMgr &sm, llvm::Error error) {
  return fail(sm, llvm::toString(std::move(error)));
}

/// A stage's number and file in the dump directory: "03-vector.mlir".
std::string dumpFileName(Stage stage) {
  unsigned number = static_cast<unsigned>(stage);
  return (number < 10 ? "0" : "") + std::to_string(number) + "-" + stageInfo(stage).file.str();
}

/// Keeps the rows of MLIR's timing report (a tree: the stages, under each
/// the passes or steps that produced it, and their nested passes) for
/// index.md.
class TimingRows : public mlir::OutputStrategy {
public:
  struct Row {
    unsigned indent;
    std::string name;
    double wall;
  };

  TimingRows() : mlir::OutputStrategy(llvm::nulls()) {}

  void printHeader(const mlir::TimeRecord &) override {}
  void printFooter() override {}
  void printTime(const mlir::TimeRecord &, const mlir::TimeRecord &) override {}
  void printListEntry(llvm::StringRef, const mlir::TimeRecord &, const mlir::TimeRecord &,
                      bool) override {}
  void printTreeEntry(unsigned indent, llvm::StringRef name, const mlir::TimeRecord &time,
                      const mlir::TimeRecord &) override {
    if (rows)
      rows->push_back({indent, name.trim().str(), time.wall});
  }
  void printTreeEntryEnd(unsigned, bool) override {}

  /// Where the rows go (the strategy is owned by the timing manager).
  std::vector<Row> *rows = nullptr;
};

int64_t maskCode(MaskKind mask) {
  switch (mask) {
  case MaskKind::Causal:
    return ATTN_MASK_CAUSAL;
  case MaskKind::None:
    return ATTN_MASK_NONE;
  case MaskKind::SlidingWindow:
    return ATTN_MASK_SLIDING_WINDOW;
  }
  llvm_unreachable("unknown mask kind");
}

/// AttnModelInfo for `spec`, field by field in the order abi.h declares.
std::vector<int64_t> modelInfo(const ModelSpec &spec, const WeightLayout &layout,
                               int64_t tokenizerBytes) {
  return {ATTN_ABI_VERSION,  spec.vocabSize,       spec.contextLength,  spec.dim,
          spec.layers,       spec.attention.heads, spec.attention.kvHeads,
          spec.headDim(),    layout.totalBytes,    tokenizerBytes,      kPrefillChunk,
          spec.tokens.bos,   spec.tokens.eos,      spec.tokens.addBos ? 1 : 0,
          maskCode(spec.attention.mask),
          spec.attention.mask == MaskKind::SlidingWindow ? spec.attention.window : 0};
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
        emitStage(*mlir::attnc::stageNamed(options.emit)), context(registry()) {
    pipelineOptions.debugInfo = options.debugInfo;
    pipelineOptions.reference = options.reference;
    pipelineOptions.injectFault = options.injectFault;
    for (const std::string &name : options.stackOnlyFunctions)
      pipelineOptions.stackOnlyFunctions.push_back(name);
  }
  ~CompileJob() {
    // MLIR's manager prints a report when destroyed, if enabled: only the
    // one --timing asked for (after a failure, what was measured so far).
    if (!printReport)
      timing.setEnabled(false);
  }

  bool run();

private:
  /// Writes the stage to `os`; `dump` when it goes to the dump directory.
  using Printer = std::function<llvm::Error(llvm::raw_ostream &os, bool dump)>;

  /// Starts timing `stage` (and stops the stage before).
  void startStage(Stage stage) {
    current = mlir::TimingScope();
    current = root.nest(stageInfo(stage).name);
  }
  /// Runs the pipeline that produces MLIR stage `stage`.
  bool lower(Stage stage);
  /// Writes `stage` to the dump directory (if any) and to the output when it
  /// is the stage asked for; sets `done` then.
  bool stageReached(Stage stage, const Printer &print);
  bool emitMachineCode();
  /// The weight blob and tokenizer written to `files`; returns the assembly
  /// that embeds them and the model record (EmbeddedData.cpp).
  llvm::Expected<std::string> embeddedData(std::vector<ScratchFile> &files,
                                           bool appendWeights = false);
  /// -o exe without --dump-dir: one object per entry point, in parallel.
  bool emitExecutableInParallel(llvm::Module &llvmModule, unsigned optLevel);
  /// Stops the timers, prints the --timing report, writes index.md.
  bool finish();
  bool writeIndex(const std::vector<TimingRows::Row> &rows);

  const ModelSpec &spec;
  const ModelWeights &weights;
  llvm::StringRef tokenizerBytes;
  const CompileOptions &options;
  llvm::SourceMgr &sm;
  Stage emitStage;
  mlir::attnc::PipelineOptions pipelineOptions;
  bool done = false;
  /// The stages written so far, in order.
  std::vector<Stage> reached;
  // The timing manager outlives its scopes (members die in reverse order).
  mlir::DefaultTimingManager timing;
  bool printReport = false;
  mlir::TimingScope root, current;
  // The context outlives the module built in it.
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  WeightLayout layout;
};

bool CompileJob::stageReached(Stage stage, const Printer &print) {
  reached.push_back(stage);
  if (!options.dumpDir.empty()) {
    std::string file = dumpFileName(stage);
    mlir::TimingScope write = current.nest(llvm::StringRef("write " + file));
    llvm::SmallString<256> path(options.dumpDir);
    llvm::sys::path::append(path, file);
    if (llvm::Error error = writeOutput(path, [&](llvm::raw_fd_ostream &os) {
          return print(os, /*dump=*/true);
        }))
      return fail(sm, std::move(error));
  }
  if (stage != emitStage)
    return true;
  done = true;
  mlir::TimingScope write = current.nest(llvm::StringRef("write the output"));
  if (llvm::Error error = writeOutput(options.output, [&](llvm::raw_fd_ostream &os) {
        return print(os, /*dump=*/false);
      }))
    return fail(sm, std::move(error));
  return true;
}

bool CompileJob::lower(Stage stage) {
  startStage(stage);
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return fail(sm, "invalid pass manager options");
  if (options.printIRAfterAll)
    pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                        [](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  // Last, as MLIR asks: the other instrumentations are not timed.
  if (timing.isEnabled())
    pm.enableTiming(current);
  mlir::attnc::buildStagePipeline(pm, stage, pipelineOptions);
  if (mlir::failed(pm.run(*module)))
    return fail(sm, llvm::Twine("internal error: lowering '") + spec.name + "' to " +
                        stageInfo(stage).name + " failed");
  return true;
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
  // --mlir-timing (and its display options) set up the manager; --timing
  // is the same report.
  mlir::applyDefaultTimingManagerCLOptions(timing);
  printReport = options.timing || timing.isEnabled();
  timing.setEnabled(printReport || !options.dumpDir.empty());
  root = timing.getRootScope();
  if (options.printIRAfterAll)
    context.disableMultithreading(); // one module printed at a time
  // Diagnostics of the passes show the description line their op came from.
  mlir::SourceMgrDiagnosticHandler diagnostics(sm, &context);

  startStage(Stage::Attn);
  {
    mlir::TimingScope build = current.nest(llvm::StringRef("build the attn IR"));
    layout = planWeightLayout(spec, &weights, options.weightType);
    module = buildModelModule(context, spec, layout, options.trace, options.int8Activations);
    if (mlir::failed(mlir::verify(*module)))
      return fail(sm, "internal error: the attn module of '" + spec.name + "' does not verify");
    if (options.int8Activations) {
      bool quantized = false;
      module->walk([&](mlir::attn::LinearOp op) { quantized |= op.getInputQuant().has_value(); });
      if (!quantized)
        mlir::emitWarning(module->getLoc())
            << "--int8-activations quantizes the inputs of q8_0 matrices only, and '"
            << spec.name << "' has none (see --weight-type): nothing is quantized";
    }
  }
  Printer printModule = [&](llvm::raw_ostream &os, bool dump) {
    // The dumps carry the op locations; --emit prints as MLIR's flags say
    // (--mlir-print-debuginfo).
    mlir::OpPrintingFlags flags;
    if (dump)
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
    module->print(os, flags.assumeVerified());
    return llvm::Error::success();
  };
  if (!stageReached(Stage::Attn, printModule))
    return false;
  for (const mlir::attnc::StageInfo &info : mlir::attnc::allStages()) {
    if (done)
      return finish();
    if (info.stage == Stage::Attn || !mlir::attnc::isMlirStage(info.stage))
      continue;
    if (!lower(info.stage) || !stageReached(info.stage, printModule))
      return false;
  }
  if (done)
    return finish();
  return emitMachineCode() && finish();
}

bool CompileJob::emitMachineCode() {
  // The LLVM module is translated and optimized once; the assembly, the
  // object and the executable all derive from it.
  startStage(Stage::LL);
  auto tm = createTargetMachine();
  if (!tm)
    return fail(sm, tm.takeError());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    mlir::TimingScope step = current.nest(llvm::StringRef("translate to LLVM IR"));
    auto translated = translateToLLVMIR(*module, llvmContext, **tm);
    if (!translated)
      return fail(sm, translated.takeError());
    llvmModule = std::move(*translated);
  }
  // The reference path stays plain: -O1 has no loop vectorizer.
  const unsigned optLevel = options.reference ? 1 : 3;
  // Straight to an executable, nothing dumped: the functions are optimized
  // and compiled on every core (ParallelCodegen.cpp).
  if (emitStage == Stage::Exe && options.dumpDir.empty())
    return emitExecutableInParallel(*llvmModule, optLevel);
  {
    mlir::TimingScope step = current.nest(
        llvm::StringRef(options.reference ? "optimize (LLVM -O1)" : "optimize (LLVM -O3)"));
    optimizeLLVMModule(*llvmModule, **tm, optLevel);
  }
  if (!stageReached(Stage::LL, [&](llvm::raw_ostream &os, bool) {
        llvmModule->print(os, nullptr);
        return llvm::Error::success();
      }))
    return false;
  if (done)
    return true;

  // The assembly of the kernels, when it is shown; the object is then
  // assembled from it (with the embedded data) rather than generated again.
  std::optional<llvm::SmallString<0>> assembly;
  if (emitStage == Stage::Asm || !options.dumpDir.empty()) {
    startStage(Stage::Asm);
    assembly.emplace();
    {
      mlir::TimingScope step = current.nest(llvm::StringRef("codegen to assembly"));
      llvm::raw_svector_ostream os(*assembly);
      if (llvm::Error error = emitFile(*llvmModule, **tm, OutputKind::Assembly, os))
        return fail(sm, std::move(error));
    }
    if (!stageReached(Stage::Asm, [&](llvm::raw_ostream &os, bool) {
          os << *assembly;
          return llvm::Error::success();
        }))
      return false;
    if (done)
      return true;
  }

  startStage(Stage::Obj);
  std::vector<ScratchFile> dataFiles;
  llvm::Expected<std::string> dataAsm = embeddedData(dataFiles);
  if (!dataAsm)
    return fail(sm, dataAsm.takeError());

  llvm::Expected<ScratchFile> object = ScratchFile::create("model", "o");
  if (!object)
    return fail(sm, object.takeError());
  {
    mlir::TimingScope step =
        current.nest(llvm::StringRef(assembly ? "assemble model.s" : "codegen to object"));
    if (llvm::Error error = object->write([&](llvm::raw_fd_ostream &os) {
          if (assembly)
            return assembleObject(*dataAsm + "\n" + assembly->str().str(), **tm, os);
          llvmModule->appendModuleInlineAsm(*dataAsm);
          return emitFile(*llvmModule, **tm, OutputKind::Object, os);
        }))
      return fail(sm, std::move(error));
  }
  if (!stageReached(Stage::Obj, [&](llvm::raw_ostream &os, bool) -> llvm::Error {
        auto bytes = llvm::MemoryBuffer::getFile(object->path(), /*IsText=*/false,
                                                 /*RequiresNullTerminator=*/false);
        if (!bytes)
          return llvm::createStringError(bytes.getError(), "cannot read the object '" +
                                                               object->path() + "': " +
                                                               bytes.getError().message());
        os << (*bytes)->getBuffer();
        return llvm::Error::success();
      }))
    return false;
  if (done)
    return true;

  startStage(Stage::Exe);
  {
    mlir::TimingScope step = current.nest(llvm::StringRef("link"));
    if (llvm::Error error = linkExecutable(object->path(), options.output))
      return fail(sm, std::move(error));
  }
  reached.push_back(Stage::Exe);
  return true;
}

llvm::Expected<std::string> CompileJob::embeddedData(std::vector<ScratchFile> &files,
                                                     bool appendWeights) {
  // The packed weight blob and the tokenizer's checked bytes, assembled into
  // the object with .incbin from private files; the blob is files[0], and
  // with `appendWeights` it is left out of the object, for the link to
  // append to the executable (abi.h).
  llvm::Expected<ScratchFile> blob = ScratchFile::create("weights", "bin");
  if (!blob)
    return blob.takeError();
  {
    mlir::TimingScope step = current.nest(llvm::StringRef("write the weight blob"));
    if (llvm::Error error = blob->write([&](llvm::raw_fd_ostream &os) {
          return writeWeightBlob(layout, weights, os);
        }))
      return std::move(error);
  }
  EmbeddedData data;
  if (!appendWeights)
    data.weightsFile = blob->path().str();
  data.weightsBytes = layout.totalBytes;
  files.push_back(std::move(*blob));
  if (!spec.tokenizer.path.empty()) {
    llvm::Expected<ScratchFile> copy = ScratchFile::create("tokenizer", "bin");
    if (!copy)
      return copy.takeError();
    if (llvm::Error error = copy->write(tokenizerBytes))
      return std::move(error);
    data.tokenizerFile = copy->path().str();
    data.tokenizerBytes = static_cast<int64_t>(tokenizerBytes.size());
    files.push_back(std::move(*copy));
  }
  data.modelInfo = modelInfo(spec, layout, data.tokenizerBytes);
  return embeddedDataAsm(data);
}

bool CompileJob::emitExecutableInParallel(llvm::Module &llvmModule, unsigned optLevel) {
  startStage(Stage::Obj);
  std::vector<ScratchFile> dataFiles;
  // An executable: the weights are appended after the link, not assembled
  // into the object, which would copy them through memory twice more.
  llvm::Expected<std::string> dataAsm = embeddedData(dataFiles, /*appendWeights=*/true);
  if (!dataAsm)
    return fail(sm, dataAsm.takeError());
  const unsigned parts = codegenPartitions(llvmModule);
  std::vector<ScratchFile> objects;
  std::vector<std::string> paths;
  // The code partitions, then the embedded data's object.
  for (unsigned i = 0; i <= parts; ++i) {
    llvm::Expected<ScratchFile> object = ScratchFile::create("model", "o");
    if (!object)
      return fail(sm, object.takeError());
    paths.push_back(object->path().str());
    objects.push_back(std::move(*object));
  }
  {
    mlir::TimingScope step = current.nest(llvm::StringRef(
        std::string(optLevel == 3 ? "optimize (LLVM -O3)" : "optimize (LLVM -O1)") +
        " and codegen, " + std::to_string(parts) + " partitions in parallel"));
    CodegenOptions codegen;
    codegen.optLevel = optLevel;
    llvm::ArrayRef<std::string> code(paths);
    if (llvm::Error error = emitObjectsInParallel(llvmModule, *dataAsm, paths.back(),
                                                  code.drop_back(), codegen))
      return fail(sm, std::move(error));
  }
  startStage(Stage::Exe);
  {
    mlir::TimingScope step = current.nest(llvm::StringRef("link"));
    if (llvm::Error error = linkObjects(paths, options.output, dataFiles.front().path()))
      return fail(sm, std::move(error));
  }
  reached.push_back(Stage::Obj);
  reached.push_back(Stage::Exe);
  return true;
}

bool CompileJob::finish() {
  current = mlir::TimingScope();
  root = mlir::TimingScope();
  if (printReport)
    timing.dumpAsTree(); // MLIR's report, to stderr; the timers stay
  // Reported: the manager's destructor prints nothing more.
  timing.setEnabled(false);
  if (options.dumpDir.empty())
    return true;
  std::vector<TimingRows::Row> rows;
  auto collect = std::make_unique<TimingRows>();
  collect->rows = &rows;
  timing.setOutput(std::move(collect));
  timing.dumpAsTree();
  return writeIndex(rows);
}

bool CompileJob::writeIndex(const std::vector<TimingRows::Row> &rows) {
  // The rows under each stage's timer (indent 0: the stages).
  std::map<std::string, std::vector<TimingRows::Row>> steps;
  std::map<std::string, double> stageTime;
  std::string stage;
  for (const TimingRows::Row &row : rows) {
    if (row.indent == 0) {
      stage = row.name;
      stageTime[stage] = row.wall;
    } else {
      steps[stage].push_back(row);
    }
  }
  auto seconds = [](double s) { return llvm::formatv("{0:F4}", s).str(); };
  llvm::SmallString<256> path(options.dumpDir);
  llvm::sys::path::append(path, "index.md");
  if (llvm::Error error = writeOutput(path, [&](llvm::raw_fd_ostream &os) {
        os << "# Stages of " << spec.name << "\n\n"
           << "Written by `attnc compile --dump-dir`: one file per stage, each the stage\n"
              "before it after the passes listed under it, with their wall time in seconds\n"
              "(MLIR's timing report, which `attnc compile --timing` prints). The `.mlir`\n"
              "files carry the op locations, which point back to the description.\n\n"
           << "| # | stage | file | produced by | wall time (s) |\n"
           << "|---|---|---|---|---|\n";
        for (Stage s : reached) {
          const mlir::attnc::StageInfo &info = stageInfo(s);
          std::string file = info.file.empty() ? "`" + options.output + "` (-o)"
                                               : "`" + dumpFileName(s) + "`";
          std::string by = !info.pipeline.empty() ? "`attnc-opt --" + info.pipeline.str() + "`"
                           : s == Stage::Attn     ? "the builder"
                                                  : "LLVM";
          os << "| " << llvm::format("%02u", unsigned(s)) << " | " << info.name << " | " << file
             << " | " << by << " | " << seconds(stageTime[info.name.str()]) << " |\n";
        }
        for (Stage s : reached) {
          const mlir::attnc::StageInfo &info = stageInfo(s);
          os << "\n## " << llvm::format("%02u", unsigned(s)) << " " << info.name << "\n\n"
             << info.summary << ".\n\n";
          for (const TimingRows::Row &row : steps[info.name.str()])
            os << std::string(row.indent - 2, ' ') << "- " << row.name << ": "
               << seconds(row.wall) << "\n";
        }
        return llvm::Error::success();
      }))
    return fail(sm, std::move(error));
  return true;
}

} // namespace

const std::vector<std::string> &attnc::emitStages() {
  static const std::vector<std::string> stages = [] {
    std::vector<std::string> names;
    for (const mlir::attnc::StageInfo &info : mlir::attnc::allStages())
      names.push_back(info.name.str());
    return names;
  }();
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
