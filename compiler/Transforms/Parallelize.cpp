//===- Parallelize.cpp - Marked scf.for loops to scf.parallel -------------===//
//
// attn-parallelize: the loops the schedules chose to run on all cores (the
// output-block loops of the linear layers, attn-tile-and-vectorize; the head
// loop of a prompt's attention, attn-tile-queries) become scf.parallel (two
// perfectly nested ones, a linear's output tiles and token halves, one 2-D
// scf.parallel), once the code is on memrefs and the loops carry no
// tensors. Sibling marked loops that do the same work per iteration on
// memory the others do not write (a token's wq, wk and wv; w1 and w3) first
// become one loop over all their iterations: one fork and join of the
// threads instead of one per loop. The choice of what runs in parallel stays
// with the schedules, next to the tile sizes; this pass only checks that a
// marked loop is safe and rewrites it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_PARALLELIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// The marked loop directly inside `loop`, when it is the only op of
/// `loop`'s body besides ops without memory effects that only compute its
/// operands or its body's values (subviews, index arithmetic), and its
/// bounds do not depend on `loop`: the two can run as one 2-D parallel loop
/// (a linear layer's output tiles x token halves, blockTokens).
scf::ForOp nestedMarkedLoop(scf::ForOp loop) {
  scf::ForOp inner;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto candidate = dyn_cast<scf::ForOp>(op);
        candidate && candidate->hasAttr(mlir::attnc::kParallelLoopAttr)) {
      if (inner)
        return nullptr;
      inner = candidate;
      continue;
    }
    if (!isMemoryEffectFree(&op) || op.getNumRegions() != 0)
      return nullptr;
  }
  if (!inner || inner.getNumRegionIterArgs() != 0 || !inner.getInductionVar().getType().isIndex())
    return nullptr;
  for (Value bound : {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
    if (!bound.getParentRegion()->isProperAncestor(&loop.getRegion()))
      return nullptr;
  return inner;
}

/// Whether `loop` holds another marked loop.
bool holdsMarkedLoop(scf::ForOp loop) {
  return loop.getBody()
      ->walk([](scf::ForOp inner) {
        return inner->hasAttr(mlir::attnc::kParallelLoopAttr) ? WalkResult::interrupt()
                                                              : WalkResult::advance();
      })
      .wasInterrupted();
}

/// The constant bounds of a marked loop that carries no values and holds no
/// marked loop, with at least one iteration: a candidate for merging.
struct Range {
  int64_t lower, step, trips;
};
std::optional<Range> mergeableRange(scf::ForOp loop) {
  // Trip counts far below int64's range, so that a run's sum cannot wrap.
  constexpr uint64_t kMaxTrips = uint64_t(1) << 40;
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!loop.getInductionVar().getType().isIndex() || !lower || !upper || !step ||
      *step <= 0 || *upper <= *lower || loop.getNumRegionIterArgs() != 0 ||
      holdsMarkedLoop(loop))
    return std::nullopt;
  const uint64_t span = uint64_t(*upper) - uint64_t(*lower); // > 0, exact in uint64
  const uint64_t trips = (span - 1) / uint64_t(*step) + 1;
  if (trips > kMaxTrips)
    return std::nullopt;
  return Range{*lower, *step, int64_t(trips)};
}

/// Whether one iteration of `a` and one of `b` do the same work, so that a
/// static split of their merged iterations keeps the threads' shares equal:
/// the same operations with the same attributes and result types, nested
/// alike. Values from outside the loops may differ where they cannot change
/// the amount of work: buffers of the same element type and rank (the
/// weights and outputs of different layers), floats and vectors of one type.
/// Constants (a reduction's bound) must be equal, and other integers and
/// indices the same value.
bool sameWorkPerIteration(scf::ForOp a, scf::ForOp b) {
  DenseMap<Value, Value> inside; // a's values defined in a, to b's
  inside[a.getInductionVar()] = b.getInductionVar();
  auto sameOperand = [&](Value x, Value y) {
    if (auto it = inside.find(x); it != inside.end())
      return it->second == y;
    if (x.getParentRegion() && a.getRegion().isAncestor(x.getParentRegion()))
      return false; // defined in a but not yet mapped: a use before its definition
    if (y.getParentRegion() && b.getRegion().isAncestor(y.getParentRegion()))
      return false;
    if (x == y)
      return true;
    Attribute cx, cy;
    const bool constantX = matchPattern(x, m_Constant(&cx));
    const bool constantY = matchPattern(y, m_Constant(&cy));
    if (constantX || constantY)
      return constantX && constantY && cx == cy;
    if (auto mx = dyn_cast<MemRefType>(x.getType())) {
      auto my = dyn_cast<MemRefType>(y.getType());
      return my && mx.getElementType() == my.getElementType() && mx.getRank() == my.getRank();
    }
    return x.getType() == y.getType() && !x.getType().isIntOrIndex();
  };
  SmallVector<Operation *> opsA, opsB;
  a.getBody()->walk([&](Operation *op) { opsA.push_back(op); });
  b.getBody()->walk([&](Operation *op) { opsB.push_back(op); });
  if (opsA.size() != opsB.size())
    return false;
  // The walks are post-order: an op's nested ops come before it. So the
  // block arguments of every region are paired first, then the ops in order
  // (each op's results before their uses).
  for (auto [x, y] : llvm::zip(opsA, opsB)) {
    if (x->getNumRegions() != y->getNumRegions())
      return false;
    for (auto [rx, ry] : llvm::zip(x->getRegions(), y->getRegions())) {
      if (rx.getBlocks().size() != ry.getBlocks().size())
        return false;
      for (auto [bx, by] : llvm::zip(rx.getBlocks(), ry.getBlocks())) {
        if (bx.getNumArguments() != by.getNumArguments())
          return false;
        for (auto [ax, ay] : llvm::zip(bx.getArguments(), by.getArguments()))
          inside[ax] = ay;
      }
    }
  }
  for (auto [x, y] : llvm::zip(opsA, opsB)) {
    if (x->getName() != y->getName() || x->getNumOperands() != y->getNumOperands() ||
        x->getResultTypes() != y->getResultTypes() ||
        x->getAttrDictionary() != y->getAttrDictionary())
      return false;
    for (auto [ox, oy] : llvm::zip(x->getOperands(), y->getOperands()))
      if (!sameOperand(ox, oy))
        return false;
    for (auto [rx, ry] : llvm::zip(x->getResults(), y->getResults()))
      inside[rx] = ry;
  }
  return true;
}

/// The memory `loop` reads and writes, or nothing if an operation in it has
/// effects this pass cannot place (no interface, or an effect on no value).
struct Accesses {
  SmallVector<Value> reads, writes;
};
std::optional<Accesses> accessesOf(scf::ForOp loop) {
  Accesses result;
  WalkResult walk = loop.getBody()->walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance(); // its nested operations are visited
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return isMemoryEffectFree(op) ? WalkResult::advance() : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (const MemoryEffects::EffectInstance &effect : list) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
        continue; // a buffer of the body: private to its iteration
      Value value = effect.getValue();
      if (!value)
        return WalkResult::interrupt();
      (isa<MemoryEffects::Read>(effect.getEffect()) ? result.reads : result.writes)
          .push_back(value);
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return std::nullopt;
  return result;
}

/// Whether no memory one of `x` and `y` writes is read or written by the
/// other.
bool independent(const Accesses &x, const Accesses &y, AliasAnalysis &aliases) {
  auto disjoint = [&](ArrayRef<Value> writes, const Accesses &other) {
    for (Value w : writes)
      for (ArrayRef<Value> list : {ArrayRef<Value>(other.reads), ArrayRef<Value>(other.writes)})
        for (Value v : list)
          if (!aliases.alias(w, v).isNo())
            return false;
    return true;
  };
  return disjoint(x.writes, y) && disjoint(y.writes, x);
}

/// Merges each run of sibling marked loops (only operations without memory
/// effects or regions between them) that do the same work per iteration on
/// independent memory into one marked loop over all their iterations:
///
///   scf.for %i = 0 to n1 + n2 + ... {
///     if %i < n1 { body 1 at lower1 + %i * step1 }
///     else if %i < n1 + n2 { body 2 at lower2 + (%i - n1) * step2 } ...
///   } {attn.parallel}
///
/// The operations between the loops move before the first: they compute
/// views and offsets that the later bodies use.
void mergeSiblings(func::FuncOp func, AliasAnalysis &aliases, IRRewriter &rewriter) {
  SmallVector<scf::ForOp> marked;
  func.walk([&](scf::ForOp loop) {
    if (loop->hasAttr(mlir::attnc::kParallelLoopAttr))
      marked.push_back(loop);
  });
  llvm::SmallPtrSet<Operation *, 16> taken;
  for (scf::ForOp first : marked) {
    if (taken.contains(first))
      continue;
    std::optional<Range> firstRange = mergeableRange(first);
    std::optional<Accesses> firstAccesses = firstRange ? accessesOf(first) : std::nullopt;
    if (!firstAccesses)
      continue;
    // The run, with each loop's range and accesses.
    SmallVector<scf::ForOp> run = {first};
    SmallVector<Range> ranges = {*firstRange};
    SmallVector<Accesses> accesses = {*firstAccesses};
    for (Operation *op = first->getNextNode(); op; op = op->getNextNode()) {
      auto next = dyn_cast<scf::ForOp>(op);
      if (!next || !next->hasAttr(mlir::attnc::kParallelLoopAttr)) {
        if (!isMemoryEffectFree(op) || op->getNumRegions() != 0)
          break;
        continue;
      }
      std::optional<Range> nextRange = mergeableRange(next);
      std::optional<Accesses> nextAccesses;
      if (!nextRange || !sameWorkPerIteration(first, next) ||
          !(nextAccesses = accessesOf(next)) ||
          !llvm::all_of(accesses, [&](const Accesses &earlier) {
            return independent(earlier, *nextAccesses, aliases);
          }))
        break;
      run.push_back(next);
      ranges.push_back(*nextRange);
      accesses.push_back(*nextAccesses);
    }
    if (run.size() < 2)
      continue;
    for (scf::ForOp loop : run)
      taken.insert(loop);
    // The effect-free operations between the loops of the run, before it.
    for (Operation *op = first->getNextNode(); op != run.back();) {
      Operation *next = op->getNextNode();
      if (!isa<scf::ForOp>(op) || !llvm::is_contained(run, cast<scf::ForOp>(op)))
        op->moveBefore(first);
      op = next;
    }

    // Located at all the loops it replaces (--emit=vector shows each
    // layer's lines).
    SmallVector<Location> locations;
    for (scf::ForOp loop : run)
      locations.push_back(loop.getLoc());
    Location loc = rewriter.getFusedLoc(locations);
    rewriter.setInsertionPoint(first);
    int64_t total = 0;
    for (const Range &range : ranges)
      total += range.trips;
    // The constants of the bounds and offsets, once each, before the loop.
    DenseMap<int64_t, Value> constants;
    Operation *before = first;
    auto index = [&](int64_t v) -> Value {
      Value &c = constants[v];
      if (!c) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(before);
        c = rewriter.create<arith::ConstantIndexOp>(loc, v);
      }
      return c;
    };
    auto merged = rewriter.create<scf::ForOp>(loc, index(0), index(total), index(1));
    merged->setAttr(mlir::attnc::kParallelLoopAttr, rewriter.getUnitAttr());
    before = merged; // the loops, `first` among them, are erased below
    // if-else cascade, one branch per loop; the last loop is the last else.
    rewriter.setInsertionPoint(merged.getBody()->getTerminator());
    Value i = merged.getInductionVar();
    int64_t start = 0;
    for (auto [k, loop, range] : llvm::enumerate(run, ranges)) {
      // Each loop but the last in the then-branch of a test; the next in its
      // else-branch.
      Block *target = rewriter.getInsertionBlock();
      Block *next = nullptr;
      if (k + 1 < run.size()) {
        Value inRange = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, i,
                                                       index(start + range.trips));
        auto branch = rewriter.create<scf::IfOp>(loc, inRange, /*withElseRegion=*/true);
        target = branch.thenBlock();
        next = branch.elseBlock();
      }
      // lower + (i - start) * step
      rewriter.setInsertionPoint(target->getTerminator());
      Value iv = i;
      if (start != 0)
        iv = rewriter.create<arith::SubIOp>(loc, iv, index(start));
      if (range.step != 1)
        iv = rewriter.create<arith::MulIOp>(loc, iv, index(range.step));
      if (range.lower != 0)
        iv = rewriter.create<arith::AddIOp>(loc, iv, index(range.lower));
      rewriter.eraseOp(loop.getBody()->getTerminator());
      rewriter.inlineBlockBefore(loop.getBody(), target->getTerminator(), {iv});
      rewriter.eraseOp(loop);
      start += range.trips;
      if (next)
        rewriter.setInsertionPoint(next->getTerminator());
    }
  }
}

struct ParallelizePass : mlir::attnc::impl::ParallelizePassBase<ParallelizePass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    mergeSiblings(getOperation(), getAnalysis<AliasAnalysis>(), rewriter);
    SmallVector<scf::ForOp> marked;
    // Outermost first: a marked loop directly inside another is merged into
    // it and no longer visited.
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (loop->hasAttr(mlir::attnc::kParallelLoopAttr))
        marked.push_back(loop);
    });
    llvm::SmallPtrSet<Operation *, 8> merged;
    for (scf::ForOp loop : marked) {
      if (merged.contains(loop))
        continue;
      if (loop.getNumRegionIterArgs() != 0) {
        loop.emitOpError("marked ") << mlir::attnc::kParallelLoopAttr
                                    << " still carries values: its iterations are not independent";
        return signalPassFailure();
      }
      if (!loop.getInductionVar().getType().isIndex()) {
        loop.emitOpError("marked ") << mlir::attnc::kParallelLoopAttr << " counts in "
                                    << loop.getInductionVar().getType()
                                    << ": scf.parallel needs an index induction variable";
        return signalPassFailure();
      }
      // Carries no values either (nestedMarkedLoop checks).
      scf::ForOp inner = nestedMarkedLoop(loop);
      // Buffers allocated in the body are private to an iteration: heap
      // allocations are, and convert-scf-to-openmp wraps the body in a
      // memref.alloca_scope. What must not happen, a buffer of the body
      // hoisted out and shared by the threads, attn-promote-allocs-to-stack
      // avoids for marked loops.
      rewriter.setInsertionPoint(loop);
      SmallVector<Value> lower = {loop.getLowerBound()}, upper = {loop.getUpperBound()},
                        steps = {loop.getStep()};
      if (inner) {
        lower.push_back(inner.getLowerBound());
        upper.push_back(inner.getUpperBound());
        steps.push_back(inner.getStep());
        merged.insert(inner);
      }
      auto parallel = rewriter.create<scf::ParallelOp>(loop.getLoc(), lower, upper, steps);
      Block *body = parallel.getBody();
      Operation *end = body->getTerminator();
      // The new body holds just its scf.reduce terminator: move the loop's
      // operations (but not its scf.yield) in front of it, with the inner
      // loop's operations in the place of the inner loop.
      if (inner) {
        rewriter.eraseOp(inner.getBody()->getTerminator());
        rewriter.inlineBlockBefore(inner.getBody(), inner, {parallel.getInductionVars()[1]});
        rewriter.eraseOp(inner);
      }
      rewriter.eraseOp(loop.getBody()->getTerminator());
      rewriter.inlineBlockBefore(loop.getBody(), end, {parallel.getInductionVars()[0]});
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
