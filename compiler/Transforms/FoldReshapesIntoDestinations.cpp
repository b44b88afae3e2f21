//===- FoldReshapesIntoDestinations.cpp - Reshape the destination instead ===//
//
// attn-fold-reshapes-into-destinations: prepares materialize_in_destination
// ops so that empty-tensor elimination can compute their values in place.
// The linear layer computes its
// output as (T, NB, B) blocks and collapses it to (T, N); when that result
// is materialized into a memref (the logits), the collapse sits between the
// tensor.empty and the destination and keeps empty-tensor elimination from
// seeing that the result could be computed in place. Expanding the
// destination view instead removes the copy (128 KB per decode step for a
// 32000-entry vocabulary). Likewise the view of the destination (a KV-cache
// subview at `pos`) is moved before the computation of the value, and every
// use of a tensor.empty gets its own (see splitSharedEmptyTensors). Must run
// right before eliminate-empty-tensors, with no CSE in between.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_FOLDRESHAPESINTODESTINATIONSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// Sizes of `dest` expanded to `shape`, computed from `dest` alone: in each
/// reassociation group at most one size is dynamic, the destination's size
/// divided by the group's static sizes.
SmallVector<OpFoldResult> expandedSizes(OpBuilder &b, Location loc, Value dest,
                                        RankedTensorType shape,
                                        ArrayRef<ReassociationIndices> groups) {
  SmallVector<OpFoldResult> sizes;
  for (auto [destDim, group] : llvm::enumerate(groups)) {
    int64_t staticProduct = 1;
    for (int64_t d : group)
      if (!shape.isDynamicDim(d))
        staticProduct *= shape.getDimSize(d);
    for (int64_t d : group) {
      if (!shape.isDynamicDim(d)) {
        sizes.push_back(b.getIndexAttr(shape.getDimSize(d)));
        continue;
      }
      Value size = b.create<memref::DimOp>(loc, dest, destDim);
      if (staticProduct != 1)
        size = b.create<arith::DivUIOp>(
            loc, size, b.create<arith::ConstantIndexOp>(loc, staticProduct));
      sizes.push_back(size);
    }
  }
  return sizes;
}

struct CollapsedSourceToExpandedDestination
    : OpRewritePattern<bufferization::MaterializeInDestinationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bufferization::MaterializeInDestinationOp op,
                                PatternRewriter &rewriter) const override {
    auto collapse = op.getSource().getDefiningOp<tensor::CollapseShapeOp>();
    auto destType = dyn_cast<MemRefType>(op.getDest().getType());
    if (!collapse || !destType)
      return failure();
    RankedTensorType srcType = collapse.getSrcType();
    SmallVector<ReassociationIndices> reassociation =
        collapse.getReassociationIndices();
    FailureOr<MemRefType> expandedType = memref::ExpandShapeOp::computeExpandedType(
        destType, srcType.getShape(), reassociation);
    if (failed(expandedType))
      return failure();
    auto dynamicIn = [&](const ReassociationIndices &group) {
      return llvm::count_if(group, [&](int64_t d) {
        return srcType.isDynamicDim(d);
      });
    };
    if (llvm::any_of(reassociation, [&](const ReassociationIndices &group) {
          return dynamicIn(group) > 1;
        }))
      return failure();
    // The view is created right after the destination is defined, so that
    // empty-tensor elimination can use it in place of the tensor.empty the
    // result is computed into (which comes earlier than this op).
    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfterValue(op.getDest());
    SmallVector<OpFoldResult> sizes =
        expandedSizes(rewriter, loc, op.getDest(), srcType, reassociation);
    Value expanded = rewriter.create<memref::ExpandShapeOp>(
        loc, *expandedType, op.getDest(), reassociation, sizes);
    rewriter.setInsertionPoint(op);
    rewriter.create<bufferization::MaterializeInDestinationOp>(
        loc, Type(), collapse.getSrc(), expanded, op.getRestrict(),
        op.getWritable());
    rewriter.eraseOp(op);
    return success();
  }
};

/// Moves the pure view ops that compute `dest` (e.g. the memref.subview of
/// the KV cache at `pos`) as early as their operands allow, so that the
/// tensor.empty the materialized value was computed into can be replaced by
/// the destination (empty-tensor elimination needs the destination to
/// dominate the tensor.empty).
void hoistDestinationViews(Value dest) {
  Operation *view = dest.getDefiningOp();
  if (!view || !isa<ViewLikeOpInterface>(view) || !isPure(view))
    return;
  for (Value operand : view->getOperands())
    hoistDestinationViews(operand);
  Block *block = view->getBlock();
  Operation *lastDef = nullptr;
  for (Value operand : view->getOperands()) {
    Operation *def = operand.getDefiningOp();
    if (!def)
      continue;
    Operation *inBlock = block->findAncestorOpInBlock(*def);
    if (inBlock && (!lastDef || lastDef->isBeforeInBlock(inBlock)))
      lastDef = inBlock;
  }
  if (lastDef)
    view->moveAfter(lastDef);
  else
    view->moveBefore(&block->front());
}

/// Gives every use of a tensor.empty its own tensor.empty. CSE merges equal
/// empties (the K and V cache slots of every layer are all
/// tensor<KVH x T x HD>), and MLIR 19's empty-tensor elimination then
/// replaces *all* uses of the merged op by the first destination it finds:
/// later layers' results get computed into layer 0's cache slot, which is
/// read again at the next position (measured: wrong logits from the second
/// call on). One empty per use keeps each replacement to its own result.
void splitSharedEmptyTensors(func::FuncOp func) {
  SmallVector<tensor::EmptyOp> shared;
  func.walk([&](tensor::EmptyOp op) {
    if (!op->hasOneUse() && !op->use_empty())
      shared.push_back(op);
  });
  OpBuilder builder(func.getContext());
  for (tensor::EmptyOp op : shared) {
    for (OpOperand &use : llvm::make_early_inc_range(
             llvm::drop_begin(op->getUses(), 1))) {
      builder.setInsertionPoint(op);
      use.set(builder.clone(*op)->getResult(0));
    }
  }
}

struct FoldReshapesIntoDestinationsPass
    : mlir::attnc::impl::FoldReshapesIntoDestinationsPassBase<
          FoldReshapesIntoDestinationsPass> {
  using FoldReshapesIntoDestinationsPassBase::FoldReshapesIntoDestinationsPassBase;

  void runOnOperation() override {
    splitSharedEmptyTensors(getOperation());
    getOperation().walk([](bufferization::MaterializeInDestinationOp op) {
      if (isa<BaseMemRefType>(op.getDest().getType()))
        hoistDestinationViews(op.getDest());
    });
    RewritePatternSet patterns(&getContext());
    patterns.add<CollapsedSourceToExpandedDestination>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
