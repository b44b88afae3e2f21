//===- Pipelines.cpp - attnc pass pipelines -------------------------------===//
//
// The table of stages, linalg on tensors -> vector on memrefs -> LLVM
// dialect in the order that works on MLIR 19 (see shared/MLIR19-NOTES.md),
// and the registration of the stage pipelines for attnc-opt.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::attnc;

namespace {

const StageInfo kStages[] = {
    {Stage::Attn, "attn", "attn.mlir", "", "the model as attn ops, as built from the description"},
    {Stage::AttnDecomposed, "attn-decomposed", "attn-decomposed.mlir",
     "attnc-decompose-pipeline",
     "attention decomposed into scores, mask, softmax and weighted sum"},
    {Stage::Linalg, "linalg", "linalg.mlir", "attnc-attn-to-linalg-pipeline",
     "everything as linalg on tensors"},
    {Stage::Vector, "vector", "vector.mlir", "attnc-linalg-to-vector-pipeline",
     "tiled, vectorized, bufferized (vector on memrefs)"},
    {Stage::LLVM, "llvm", "llvm.mlir", "attnc-vector-to-llvm-pipeline", "the LLVM dialect"},
    {Stage::LL, "ll", "model.ll", "", "LLVM IR after -O3 for the host CPU"},
    {Stage::Asm, "asm", "model.s", "", "assembly of that LLVM IR"},
    {Stage::Obj, "obj", "model.o", "", "the object, with the weights and tokenizer embedded"},
    {Stage::Exe, "exe", "", "", "the object linked with the runtime"},
};

void addCleanup(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

bufferization::OneShotBufferizationOptions bufferizationOptions() {
  bufferization::OneShotBufferizationOptions options;
  // Function arguments are plain memrefs in the C ABI (abi.h): identity
  // layouts, no result buffers (results are written through out-memrefs).
  options.bufferizeFunctionBoundaries = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Copies between strided views (cache slices) as linalg.copy, which
  // becomes loops: memref.copy of a non-contiguous view would lower to a
  // call into MLIR's C runner library, which the runtime does not link.
  options.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                        Value to) -> LogicalResult {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  return options;
}

} // namespace

void mlir::attnc::buildLinalgToVectorPipeline(OpPassManager &pm,
                                              const PipelineOptions &options) {
  // Results go straight into the destination memrefs (logits, KV cache):
  // the tensor.empty a result is computed into is replaced by its
  // destination. This runs first, before any CSE could merge the empties of
  // different destinations (see attn-fold-reshapes-into-destinations).
  pm.addNestedPass<func::FuncOp>(createFoldReshapesIntoDestinationsPass());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  addCleanup(pm);

  if (!options.reference) {
    TileAndVectorizePassOptions tiling;
    tiling.maxWholeDim = options.maxWholeDim;
    tiling.maxTile = options.maxTile;
    tiling.tokenBlock = options.tokenBlock;
    pm.addNestedPass<func::FuncOp>(createTileAndVectorizePass(tiling));
    // No CSE before bufferization: it would merge the (now vectorized) zero
    // fills of different accumulators again, and each would be copied.
    pm.addPass(createCanonicalizerPass());
  }

  pm.addPass(bufferization::createOneShotBufferizePass(bufferizationOptions()));
  addCleanup(pm);

  PromoteAllocsToStackPassOptions stack;
  stack.functions = options.stackOnlyFunctions;
  stack.maxAllocaBytes = options.maxAllocaBytes;
  stack.stackBudgetBytes = options.stackBudgetBytes;
  pm.addPass(createPromoteAllocsToStackPass(stack));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  addCleanup(pm);
  // The loops attn-tile-and-vectorize marked (the output blocks of the linear
  // layers) become scf.parallel, later OpenMP work-sharing loops.
  if (!options.reference)
    pm.addNestedPass<func::FuncOp>(createParallelizePass());
}

void mlir::attnc::buildVectorToLLVMPipeline(OpPassManager &pm,
                                            const PipelineOptions &options) {
  LowerVectorOpsPassOptions lowering;
  lowering.int8DotProduct = options.int8DotProduct;
  pm.addNestedPass<func::FuncOp>(createLowerVectorOpsPass(lowering));
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll(true)));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createLowerVectorOpsPass(lowering));
  addCleanup(pm);

  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // omp.parallel + omp.wsloop with the default (static) schedule and the
  // thread count the runtime sets (omp_set_num_threads): every iteration is
  // computed the same way on whichever thread runs it.
  pm.addPass(createConvertSCFToOpenMPPass());
  // It wraps each iteration in a memref.alloca_scope; the canonicalizer
  // inlines those whose body allocates nothing (the linear layers), before
  // scf-to-cf would give them more than one block; the others (attention's
  // private score rows) give their stack back every iteration.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToCFPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  // Sums of many floats (rms_norm, softmax) as tree reductions.
  vectorToLLVM.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  // The omp ops' own index-typed operands and block arguments.
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanup(pm);

  CheckStackOnlyPassOptions check;
  check.functions = options.stackOnlyFunctions;
  check.maxStackBytes = options.stackBudgetBytes;
  pm.addPass(createCheckStackOnlyPass(check));
  if (options.debugInfo)
    pm.addPass(LLVM::createDIScopeForLLVMFuncOpPass());
}

llvm::ArrayRef<StageInfo> mlir::attnc::allStages() { return kStages; }

const StageInfo &mlir::attnc::stageInfo(Stage stage) {
  return kStages[static_cast<size_t>(stage)];
}

std::optional<Stage> mlir::attnc::stageNamed(llvm::StringRef name) {
  for (const StageInfo &info : kStages)
    if (info.name == name)
      return info.stage;
  return std::nullopt;
}

void mlir::attnc::buildStagePipeline(OpPassManager &pm, Stage stage,
                                     const PipelineOptions &options) {
  switch (stage) {
  case Stage::AttnDecomposed:
    return buildDecomposePipeline(pm);
  case Stage::Linalg:
    return buildAttnToLinalgPipeline(pm, options);
  case Stage::Vector:
    return buildLinalgToVectorPipeline(pm, options);
  case Stage::LLVM:
    return buildVectorToLLVMPipeline(pm, options);
  default: // the builder's output, or LLVM's stages
    return;
  }
}

void mlir::attnc::buildPipeline(OpPassManager &pm, Stage last,
                                const PipelineOptions &options) {
  for (const StageInfo &info : kStages)
    if (info.stage <= last && isMlirStage(info.stage))
      buildStagePipeline(pm, info.stage, options);
}

void mlir::attnc::registerPipelines() {
  static bool registered = [] {
    for (const StageInfo &info : kStages) {
      if (info.pipeline.empty())
        continue;
      Stage stage = info.stage;
      PassPipelineRegistration<>(
          info.pipeline, ("The passes that produce attnc's " + info.name + " stage: " +
                          info.summary).str(),
          [stage](OpPassManager &pm) { buildStagePipeline(pm, stage); });
    }
    PassPipelineRegistration<>(
        "attnc-pipeline", "The whole attnc pipeline, attn IR to LLVM dialect",
        [](OpPassManager &pm) { buildPipeline(pm, Stage::LLVM); });
    return true;
  }();
  (void)registered;
}

bool mlir::attnc::hostHasInt8DotProduct() {
  return llvm::sys::getHostCPUFeatures().lookup("avx512vnni");
}
