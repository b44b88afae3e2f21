//===- AttnToLinalgPipeline.cpp - attn IR to linalg on tensors ------------===//
//
// The prefix of the pipeline that belongs to the attn dialect: decomposition
// of attn.attention and the conversion to linalg on tensors. Kept in its own
// file (and library dependency) so that the rest of the pipeline builds and
// is tested on hand-written linalg without the attn dialect.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Conversion/Passes.h"
#include "dialects/attn/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

void mlir::attnc::buildDecomposePipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(attn::createDecomposeAttentionPass());
}

void mlir::attnc::buildAttnToLinalgPipeline(OpPassManager &pm, const PipelineOptions &options) {
  if (!options.injectFault.empty()) {
    attn::InjectFaultPassOptions fault;
    fault.fault = options.injectFault;
    pm.addNestedPass<func::FuncOp>(attn::createInjectFaultPass(fault));
  }
  // The attention of a prompt one query row at a time (a schedule: the
  // plain reference path of attnc verify keeps the whole score matrix).
  if (!options.reference) {
    attn::TileQueriesPassOptions queries;
    queries.maxRowBytes = options.maxAllocaBytes; // a row is a private alloca
    queries.keyBlock = options.maxTile;          // the keys of one vector step
    pm.addNestedPass<func::FuncOp>(attn::createTileQueriesPass(queries));
  }
  pm.addPass(attn::createConvertAttnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
