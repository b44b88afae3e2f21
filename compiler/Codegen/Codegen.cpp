//===- Codegen.cpp - LLVM dialect to LLVM IR, assembly or object ----------===//
//
// Translation with the builtin and LLVM dialect translations, host target
// selection, LLVM's default O3 pipeline (new pass manager, the
// TargetMachine's cost model), and emission through the legacy codegen pass
// manager, the only path to an object file in LLVM 19. Files are written
// through compiler/Support/OutputFile.h like every other output of attnc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Codegen.h"

#include "compiler/Support/OutputFile.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCAsmBackend.h"
#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCCodeEmitter.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCObjectFileInfo.h"
#include "llvm/MC/MCObjectWriter.h"
#include "llvm/MC/MCParser/MCAsmParser.h"
#include "llvm/MC/MCParser/MCTargetAsmParser.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCStreamer.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace llvm;

namespace {

void initializeNativeTarget() {
  static bool done = [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    // Module-level assembly (.incbin of the weights) is parsed by the
    // target's assembly parser when an object is emitted.
    InitializeNativeTargetAsmParser();
    // X86's domain reassignment (GPR <-> AVX-512 mask registers) is
    // quadratic in function size: 12 of the 23 s of codegen for stories15M
    // (measured). It is turned off unless the command line asks for it.
    StringMap<cl::Option *> &registered = cl::getRegisteredOptions();
    auto it = registered.find("disable-x86-domain-reassignment");
    if (it != registered.end() && it->second->getNumOccurrences() == 0)
      it->second->addOccurrence(0, it->first(), "true");
    return true;
  }();
  (void)done;
}

} // namespace

/// As `opt -O<n>` builds it. (MLIR's makeOptimizingTransformer was measured
/// to leave stories15M's module 2.7x larger, mostly unscalarized <1 x float>
/// code from the attention loops, and made compilation 5x slower: 33 s
/// instead of 7 s.)
void attnc::optimizeLLVMModule(Module &module, TargetMachine &tm, unsigned optLevel) {
  if (optLevel == 0)
    return;
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions tuning;
  tuning.SLPVectorization = optLevel > 1;
  PassBuilder builder(&tm, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = optLevel == 1   ? OptimizationLevel::O1
                            : optLevel == 2 ? OptimizationLevel::O2
                                            : OptimizationLevel::O3;
  ModulePassManager passes = builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, mam);
}

namespace {

std::string hostFeatures() {
  SubtargetFeatures features;
  for (const StringMapEntry<bool> &f : sys::getHostCPUFeatures())
    features.AddFeature(f.getKey(), f.getValue());
  return features.getString();
}

} // namespace

Expected<std::unique_ptr<TargetMachine>>
attnc::createTargetMachine(const CodegenOptions &options) {
  initializeNativeTarget();
  std::string triple = sys::getProcessTriple();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "no target for " + triple + ": " + error);
  std::string cpu = options.cpu.empty() ? sys::getHostCPUName().str() : options.cpu;
  std::string features = options.features.empty() ? hostFeatures() : options.features;

  TargetOptions targetOptions;
  // fmul+fadd -> FMA. The model is fp32 inference where contraction only
  // makes results closer to the exact ones.
  targetOptions.AllowFPOpFusion = FPOpFusion::Fast;
  CodeGenOptLevel level =
      options.optLevel >= 3 ? CodeGenOptLevel::Aggressive
      : options.optLevel == 0 ? CodeGenOptLevel::None : CodeGenOptLevel::Default;
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt, level));
  if (!tm)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for " + triple);
  return tm;
}

Expected<std::unique_ptr<Module>>
attnc::translateToLLVMIR(mlir::ModuleOp module, LLVMContext &context, TargetMachine &tm) {
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "attnc");
  if (!llvmModule)
    return createStringError(inconvertibleErrorCode(),
                             "translation of the LLVM dialect to LLVM IR failed");
  llvmModule->setTargetTriple(tm.getTargetTriple().str());
  llvmModule->setDataLayout(tm.createDataLayout());

  // The vector code is written for 512-bit registers; without
  // min-legal-vector-width the backend may split every vector<16xf32> into
  // two halves. (prefer-vector-width=512 as well made LLVM's own
  // vectorizers blow the code up 3x and codegen 7x slower, for no gain.)
  bool avx512 = tm.getTargetFeatureString().contains("+avx512f");
  for (Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
    if (avx512)
      f.addFnAttr("min-legal-vector-width", "512");
  }
  return llvmModule;
}

Expected<std::unique_ptr<Module>>
attnc::translateAndOptimize(mlir::ModuleOp module, LLVMContext &context,
                            TargetMachine &tm, const EmbeddedData *data,
                            const CodegenOptions &options) {
  Expected<std::unique_ptr<Module>> llvmModule = translateToLLVMIR(module, context, tm);
  if (!llvmModule)
    return llvmModule.takeError();
  if (data) {
    Expected<std::string> text = embeddedDataAsm(*data);
    if (!text)
      return text.takeError();
    (*llvmModule)->appendModuleInlineAsm(*text);
  }
  optimizeLLVMModule(**llvmModule, tm, options.optLevel);
  return llvmModule;
}

Error attnc::emitFile(Module &module, TargetMachine &tm, OutputKind kind,
                      raw_pwrite_stream &os) {
  if (kind == OutputKind::LLVMIR) {
    module.print(os, nullptr);
    return Error::success();
  }
  legacy::PassManager pm;
  CodeGenFileType type = kind == OutputKind::Object ? CodeGenFileType::ObjectFile
                                                    : CodeGenFileType::AssemblyFile;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit this file type");
  pm.run(module);
  return Error::success();
}

Error attnc::assembleObject(StringRef assembly, TargetMachine &tm, raw_pwrite_stream &os) {
  const Target &target = tm.getTarget();
  const Triple &triple = tm.getTargetTriple();
  const MCTargetOptions &mcOptions = tm.Options.MCOptions;
  // The assembler's messages name the stage; the first error is returned.
  SourceMgr sources;
  std::string firstError;
  sources.setDiagHandler(
      [](const SMDiagnostic &diagnostic, void *context) {
        auto &error = *static_cast<std::string *>(context);
        if (diagnostic.getKind() == SourceMgr::DK_Error && error.empty()) {
          raw_string_ostream message(error);
          diagnostic.print("model.s", message, /*ShowColors=*/false);
        }
      },
      &firstError);
  sources.AddNewSourceBuffer(MemoryBuffer::getMemBufferCopy(assembly, "model.s"), SMLoc());

  std::unique_ptr<MCRegisterInfo> registers(target.createMCRegInfo(triple.str()));
  std::unique_ptr<MCAsmInfo> asmInfo(target.createMCAsmInfo(*registers, triple.str(), mcOptions));
  std::unique_ptr<MCSubtargetInfo> subtarget(target.createMCSubtargetInfo(
      triple.str(), tm.getTargetCPU(), tm.getTargetFeatureString()));
  std::unique_ptr<MCInstrInfo> instructions(target.createMCInstrInfo());
  if (!registers || !asmInfo || !subtarget || !instructions)
    return createStringError(inconvertibleErrorCode(),
                             "no assembler for " + triple.str());
  MCContext context(triple, asmInfo.get(), registers.get(), subtarget.get(), &sources,
                    &mcOptions);
  std::unique_ptr<MCObjectFileInfo> objectInfo(
      target.createMCObjectFileInfo(context, /*PIC=*/true));
  context.setObjectFileInfo(objectInfo.get());
  std::unique_ptr<MCAsmBackend> backend(
      target.createMCAsmBackend(*subtarget, *registers, mcOptions));
  std::unique_ptr<MCCodeEmitter> emitter(target.createMCCodeEmitter(*instructions, context));
  if (!backend || !emitter)
    return createStringError(inconvertibleErrorCode(),
                             "no object writer for " + triple.str());
  std::unique_ptr<MCObjectWriter> writer = backend->createObjectWriter(os);
  std::unique_ptr<MCStreamer> streamer(target.createMCObjectStreamer(
      triple, context, std::move(backend), std::move(writer), std::move(emitter), *subtarget));
  std::unique_ptr<MCAsmParser> parser(createMCAsmParser(sources, context, *streamer, *asmInfo));
  std::unique_ptr<MCTargetAsmParser> targetParser(
      target.createMCAsmParser(*subtarget, *parser, *instructions, mcOptions));
  if (!streamer || !targetParser)
    return createStringError(inconvertibleErrorCode(), "no assembler for " + triple.str());
  parser->setTargetParser(*targetParser);
  if (parser->Run(/*NoInitialTextSection=*/false) || !firstError.empty())
    return createStringError(inconvertibleErrorCode(),
                             "assembling the model failed: " +
                                 (firstError.empty() ? std::string("unknown error")
                                                     : StringRef(firstError).rtrim().str()));
  return Error::success();
}

Error attnc::emitFile(Module &module, TargetMachine &tm, OutputKind kind,
                      StringRef outputPath) {
  return writeOutput(outputPath, [&](raw_fd_ostream &os) -> Error {
    if (kind != OutputKind::Object || os.supportsSeeking())
      return emitFile(module, tm, kind, os);
    // The ELF writer patches its header with pwrite: a FIFO gets the object
    // through a buffer, as llc does.
    buffer_ostream buffered(os);
    return emitFile(module, tm, kind, buffered);
  });
}

Error attnc::compileToFile(mlir::ModuleOp module, const EmbeddedData *data,
                           OutputKind kind, StringRef outputPath,
                           const CodegenOptions &options) {
  Expected<std::unique_ptr<TargetMachine>> tm = createTargetMachine(options);
  if (!tm)
    return tm.takeError();
  LLVMContext context;
  Expected<std::unique_ptr<Module>> llvmModule =
      translateAndOptimize(module, context, **tm, data, options);
  if (!llvmModule)
    return llvmModule.takeError();
  return emitFile(**llvmModule, **tm, kind, outputPath);
}
