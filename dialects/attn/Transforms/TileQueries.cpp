//===- TileQueries.cpp - Attention of a prompt, one query row at a time ---===//
//
// attn-tile-queries: the attention of many queries (a prompt) as loops over
// heads and queries, each step the attention of one query of one head:
//
//   scf.for %h = 0 to heads          (on all cores; kv head %h / (heads / kv_heads))
//     scf.for %t = 0 to T
//       scores (1, 1, n) -> mask at position + %t -> softmax -> weighted sum
//
// where n, the keys the step reads, is every key (mask = none) or, for the
// masks that hide the future (causal, sliding window), only the keys up to
// the query's own position, min(position + %t + 1, N): the keys after it
// would be masked to -inf and take weight exactly 0, so leaving them out
// changes no bit of the result and halves the work of a prompt. Each step
// has one dynamic dim, the keys, like a decoded token's attention, so that
// attn-tile-and-vectorize steps over the keys in vector-wide tiles (a
// (heads, T, N) score tensor, with two dynamic dims, would run one key at a
// time) and the scores of a step are one row, not a T x N matrix.
//
// When the probabilities have other users (the traced prefill records them),
// the rows are kept whole (every key, the masked ones exactly 0) and put
// together again as (heads, T, N). A decoded token (one static query) gets
// the same loops, the query loop of one step folding away: its heads run on
// all cores. Each thread keeps its head's row of scores on its stack, so
// decode (which must not allocate) is tiled only where a row over the whole
// cache fits in `max-row-bytes`; longer contexts keep one serial (heads, 1,
// N) step in static storage.
// A schedule, not a semantic change: attnc verify's plain reference path
// does without it.
//
//===----------------------------------------------------------------------===//
#include "dialects/attn/IR/AttnOps.h"
#include "dialects/attn/IR/ParallelLoop.h"
#include "dialects/attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"

namespace mlir::attn {
#define GEN_PASS_DEF_TILEQUERIESPASS
#include "dialects/attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The decomposed attention scores -> [mask] -> softmax -> weighted_sum.
struct Chain {
  ScoresOp scores;
  MaskOp mask; // null for mask = none
  SoftmaxOp softmax;
  WeightedSumOp sum;
};

/// The length of the cache that `key` reads, when it is a cache read of a
/// static cache.
std::optional<int64_t> cacheLength(Value key) {
  auto read = key.getDefiningOp<CacheReadOp>();
  if (!read)
    return std::nullopt;
  int64_t length = cast<MemRefType>(read.getCache().getType()).getDimSize(2);
  if (ShapedType::isDynamic(length))
    return std::nullopt;
  return length;
}

/// The chain that ends in `sum`, when its intermediate values feed only the
/// next step (the probabilities may have other users) and it has more than
/// one query, or one query whose row of scores over the whole cache fits in
/// `maxRowBytes`.
std::optional<Chain> matchChain(WeightedSumOp sum, DominanceInfo &dominance,
                                int64_t maxRowBytes) {
  Chain chain;
  chain.sum = sum;
  chain.softmax = sum.getProbs().getDefiningOp<SoftmaxOp>();
  if (!chain.softmax || chain.softmax.getAxis() != 2)
    return std::nullopt;
  Value input = chain.softmax.getInput();
  if (!input.hasOneUse())
    return std::nullopt;
  chain.mask = input.getDefiningOp<MaskOp>();
  if (chain.mask) {
    input = chain.mask.getScores();
    if (!input.hasOneUse())
      return std::nullopt;
  }
  chain.scores = input.getDefiningOp<ScoresOp>();
  if (!chain.scores)
    return std::nullopt;
  auto query = cast<RankedTensorType>(chain.scores.getQuery().getType());
  if (ShapedType::isDynamic(query.getDimSize(1)) || ShapedType::isDynamic(query.getDimSize(2)))
    return std::nullopt;
  if (query.getDimSize(0) == 1) {
    std::optional<int64_t> length = cacheLength(chain.scores.getKey());
    if (!length || *length > maxRowBytes / int64_t(sizeof(float)) || !chain.softmax->hasOneUse())
      return std::nullopt;
  }
  // The loops are built where the softmax was (after everything the scores
  // and the mask read): the values must exist there.
  if (!dominance.properlyDominates(sum.getValue(), chain.softmax))
    return std::nullopt;
  return chain;
}

/// `v`'s size along `dim`, as an index value.
Value dimOf(OpBuilder &b, Location loc, Value v, int64_t dim) {
  return b.createOrFold<tensor::DimOp>(loc, v, dim);
}

void tileQueries(Chain chain, int64_t keyBlock) {
  ScoresOp scores = chain.scores;
  OpBuilder b(chain.softmax);
  Location loc = chain.sum.getLoc();
  Value query = scores.getQuery(), key = scores.getKey(), value = chain.sum.getValue();
  auto queryType = cast<RankedTensorType>(query.getType());
  Type f32 = queryType.getElementType();
  int64_t heads = scores.getHeads(), group = heads / scores.getKvHeads();
  int64_t headDim = queryType.getDimSize(2);

  bool recordProbs = !chain.softmax->hasOneUse();
  bool trim = chain.mask && !recordProbs && chain.mask.getMask() != MaskKind::none;

  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value queries = dimOf(b, loc, query, 0);
  Value keys = dimOf(b, loc, key, 1);
  auto resultType = cast<RankedTensorType>(chain.sum.getType());
  SmallVector<Value> inits;
  inits.push_back(b.create<tensor::EmptyOp>(
      loc, resultType.getShape(), f32,
      resultType.isDynamicDim(0) ? ValueRange{queries} : ValueRange{}));
  if (recordProbs) {
    auto probsType = cast<RankedTensorType>(chain.softmax.getType());
    SmallVector<Value> dynamic;
    if (probsType.isDynamicDim(1))
      dynamic.push_back(queries);
    if (probsType.isDynamicDim(2))
      dynamic.push_back(keys);
    inits.push_back(b.create<tensor::EmptyOp>(loc, probsType.getShape(), f32, dynamic));
  }

  Value headCount = b.create<arith::ConstantIndexOp>(loc, heads);
  auto headLoop = b.create<scf::ForOp>(
      loc, zero, headCount, one, inits,
      [&](OpBuilder &b, Location loc, Value h, ValueRange perHead) {
        Value kvHead =
            b.create<arith::DivUIOp>(loc, h, b.create<arith::ConstantIndexOp>(loc, group));
        auto queryLoop = b.create<scf::ForOp>(
            loc, zero, queries, one, perHead,
            [&](OpBuilder &b, Location loc, Value t, ValueRange acc) {
              Value position;
              Value len = keys;
              if (chain.mask) {
                position = b.create<arith::AddIOp>(loc, chain.mask.getPosition(), t);
                if (trim) {
                  // The keys up to the query's own position, rounded up to
                  // whole key blocks while there are keys: the few masked
                  // keys of the last block take weight exactly 0, and the
                  // row needs no key-at-a-time remainder.
                  Value upTo = b.create<arith::AddIOp>(loc, position, one);
                  if (keyBlock > 1) {
                    Value block = b.create<arith::ConstantIndexOp>(loc, keyBlock);
                    Value last = b.create<arith::ConstantIndexOp>(loc, keyBlock - 1);
                    Value blocks = b.create<arith::DivUIOp>(
                        loc, b.create<arith::AddIOp>(loc, upTo, last), block);
                    upTo = b.create<arith::MulIOp>(loc, blocks, block);
                  }
                  len = b.create<arith::MinUIOp>(loc, upTo, keys);
                }
              }
              OpFoldResult o0 = b.getIndexAttr(0), o1 = b.getIndexAttr(1);
              SmallVector<OpFoldResult> unit = {o1, o1, o1};
              Value q = b.create<tensor::ExtractSliceOp>(
                  loc, query, SmallVector<OpFoldResult>{t, h, o0},
                  SmallVector<OpFoldResult>{o1, o1, b.getIndexAttr(headDim)}, unit);
              auto rows = [&](Value kv) -> Value {
                int64_t hd = cast<RankedTensorType>(kv.getType()).getDimSize(2);
                return b.create<tensor::ExtractSliceOp>(
                    loc, kv, SmallVector<OpFoldResult>{kvHead, o0, o0},
                    SmallVector<OpFoldResult>{o1, len, b.getIndexAttr(hd)}, unit);
              };
              Value k = rows(key), v = rows(value);
              auto rowType = RankedTensorType::get({1, 1, ShapedType::kDynamic}, f32);
              Value row = b.create<ScoresOp>(scores.getLoc(), rowType, q, k,
                                             b.getI64IntegerAttr(1), b.getI64IntegerAttr(1),
                                             scores.getScaleAttr());
              if (chain.mask)
                row = b.create<MaskOp>(chain.mask.getLoc(), rowType, row, position,
                                       chain.mask.getMaskAttr(), chain.mask.getWindowAttr());
              Value probs = b.create<SoftmaxOp>(chain.softmax.getLoc(), rowType, row,
                                                chain.softmax.getAxisAttr());
              auto outType = RankedTensorType::get(
                  {1, 1, cast<RankedTensorType>(value.getType()).getDimSize(2)}, f32);
              Value out = b.create<WeightedSumOp>(chain.sum.getLoc(), outType, probs, v,
                                                  b.getI64IntegerAttr(1),
                                                  b.getI64IntegerAttr(1));
              SmallVector<Value> next;
              next.push_back(b.create<tensor::InsertSliceOp>(
                  loc, out, acc[0], SmallVector<OpFoldResult>{t, h, o0},
                  SmallVector<OpFoldResult>{o1, o1, b.getIndexAttr(outType.getDimSize(2))},
                  unit));
              if (recordProbs)
                next.push_back(b.create<tensor::InsertSliceOp>(
                    loc, probs, acc[1], SmallVector<OpFoldResult>{h, t, o0},
                    SmallVector<OpFoldResult>{o1, o1, len}, unit));
              b.create<scf::YieldOp>(loc, next);
            });
        b.create<scf::YieldOp>(loc, queryLoop.getResults());
      });

  // Heads are independent: they run on all cores (each with its own score
  // row; attn-promote-allocs-to-stack keeps a marked loop's buffers in it).
  headLoop->setAttr(kParallelLoopAttr, b.getUnitAttr());

  chain.sum.replaceAllUsesWith(headLoop.getResult(0));
  chain.sum.erase();
  if (recordProbs)
    chain.softmax.replaceAllUsesWith(headLoop.getResult(1));
  chain.softmax.erase();
  if (chain.mask)
    chain.mask.erase();
  scores.erase();
}

struct TileQueriesPass : attn::impl::TileQueriesPassBase<TileQueriesPass> {
  using TileQueriesPassBase::TileQueriesPassBase;

  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    SmallVector<Chain> chains;
    getOperation().walk([&](WeightedSumOp sum) {
      if (std::optional<Chain> chain = matchChain(sum, dominance, maxRowBytes))
        chains.push_back(*chain);
    });
    for (Chain chain : chains)
      tileQueries(chain, keyBlock);
  }
};

} // namespace
