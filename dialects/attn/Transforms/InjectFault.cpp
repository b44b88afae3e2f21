//===- InjectFault.cpp - A planted miscompilation for verify's tests ------===//
//
// attn-inject-fault: the bug `attnc verify` and `attnc verify --causality`
// must find, planted on purpose (hidden `--inject-fault`, optimized pipeline
// only). The mask of every attn.mask is shifted by one position, so query i
// also sees key i + 1: the future leaks by one token.
//
//===----------------------------------------------------------------------===//
#include "dialects/attn/IR/AttnOps.h"
#include "dialects/attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::attn {
#define GEN_PASS_DEF_INJECTFAULTPASS
#include "dialects/attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

struct InjectFaultPass : attn::impl::InjectFaultPassBase<InjectFaultPass> {
  using InjectFaultPassBase::InjectFaultPassBase;

  void runOnOperation() override {
    if (fault != "mask-leak") {
      getOperation().emitError("attn-inject-fault: unknown fault '")
          << fault << "' (known: mask-leak)";
      return signalPassFailure();
    }
    OpBuilder b(&getContext());
    getOperation().walk([&](MaskOp mask) {
      b.setInsertionPoint(mask);
      Value one = b.create<arith::ConstantIndexOp>(mask.getLoc(), 1);
      Value later = b.create<arith::AddIOp>(mask.getLoc(), mask.getPosition(), one);
      mask.getPositionMutable().assign(later);
    });
  }
};

} // namespace
