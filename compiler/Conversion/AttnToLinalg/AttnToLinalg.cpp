//===- AttnToLinalg.cpp - The convert-attn-to-linalg pass -----------------===//
//
// The thin pass around populateAttnToLinalgPatterns: a partial conversion with
// the attn dialect illegal. `attn.attention` has no lowering of its own (its
// four steps do, after attn-decompose-attention), so the pass refuses a module
// that still has one with an error that names the missing pass, instead of
// the conversion driver's generic "failed to legalize".
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "compiler/Conversion/AttnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"

#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

void mlir::attn::populateAttnToLinalgPatterns(RewritePatternSet &patterns) {
  detail::populateLayersToLinalgPatterns(patterns);
  detail::populateVariantsToLinalgPatterns(patterns);
  detail::populateAttentionToLinalgPatterns(patterns);
}

namespace {

struct ConvertAttnToLinalgPass
    : mlir::attn::impl::ConvertAttnToLinalgPassBase<ConvertAttnToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool undecomposed = false;
    module.walk([&](AttentionOp op) {
      op.emitOpError("must be decomposed before conversion to linalg: run "
                     "--attn-decompose-attention before --convert-attn-to-linalg");
      undecomposed = true;
    });
    if (undecomposed)
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<AttnDialect>();
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
                           tensor::TensorDialect>();
    // Everything else (func, builtin, ...) is not ours to convert: partial
    // conversion leaves it as it is.
    RewritePatternSet patterns(&getContext());
    populateAttnToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
