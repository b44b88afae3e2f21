//===- Pipelines.cpp - attnc pass pipelines -------------------------------===//
//
// Linalg on tensors -> vector on memrefs -> LLVM dialect, in the order that
// works on MLIR 19 (see shared/MLIR19-NOTES.md), and the registration of the
// pipelines for attnc-opt.
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
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attnc;

namespace {

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

  TileAndVectorizePassOptions tiling;
  tiling.maxWholeDim = options.maxWholeDim;
  tiling.maxTile = options.maxTile;
  tiling.tokenBlock = options.tokenBlock;
  pm.addNestedPass<func::FuncOp>(createTileAndVectorizePass(tiling));
  // No CSE before bufferization: it would merge the (now vectorized) zero
  // fills of different accumulators again, and each would be copied.
  pm.addPass(createCanonicalizerPass());

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
  pm.addNestedPass<func::FuncOp>(createParallelizePass());
}

void mlir::attnc::buildVectorToLLVMPipeline(OpPassManager &pm,
                                            const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createLowerVectorOpsPass());
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll(true)));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createLowerVectorOpsPass());
  addCleanup(pm);

  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // omp.parallel + omp.wsloop with the default (static) schedule and the
  // thread count the runtime sets (omp_set_num_threads): every iteration is
  // computed the same way on whichever thread runs it.
  pm.addPass(createConvertSCFToOpenMPPass());
  // It wraps each iteration in a memref.alloca_scope; the bodies allocate
  // nothing (attn-parallelize checks), so the canonicalizer inlines them,
  // before scf-to-cf would give them more than one block.
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
}

void mlir::attnc::buildPipeline(OpPassManager &pm, CompilePhase stopAfter,
                                const PipelineOptions &options) {
  buildAttnToLinalgPipeline(pm, stopAfter);
  if (stopAfter == CompilePhase::Attn || stopAfter == CompilePhase::Linalg)
    return;
  buildLinalgToVectorPipeline(pm, options);
  if (stopAfter == CompilePhase::Vector)
    return;
  buildVectorToLLVMPipeline(pm, options);
}

void mlir::attnc::registerPipelines() {
  static bool registered = [] {
    PassPipelineRegistration<>(
        "attnc-linalg-to-vector-pipeline",
        "Tile, vectorize and bufferize linalg on tensors (attn_decode on the "
        "stack)",
        [](OpPassManager &pm) { buildLinalgToVectorPipeline(pm); });
    PassPipelineRegistration<>(
        "attnc-vector-to-llvm-pipeline",
        "Lower vector code on memrefs to the LLVM dialect and check that "
        "attn_decode never allocates",
        [](OpPassManager &pm) { buildVectorToLLVMPipeline(pm); });
    PassPipelineRegistration<>(
        "attnc-pipeline", "The whole attnc pipeline, attn IR to LLVM dialect",
        [](OpPassManager &pm) { buildPipeline(pm, CompilePhase::LLVM); });
    return true;
  }();
  (void)registered;
}
