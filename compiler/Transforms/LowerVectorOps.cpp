//===- LowerVectorOps.cpp - Vector ops to what vector-to-llvm takes -------===//
//
// attn-lower-vector-ops: lowers the high-level vector ops that vectorization
// produces (vector.contract, multi_reduction, transpose, shape_cast, masks,
// n-D transfers) to 1-D vector arithmetic, with the strategies that give good
// x86 code: contractions as outer products (broadcast + FMA per reduction
// step, no horizontal shuffles; a matrix-vector step on bf16 or f16 weights
// in four FMA chains instead of one) except pure dot products, which become
// one multiply and a tree reduction, and the 16 dot products of a tile of keys,
// summed across lanes by one shuffle tree; a reduction to one value
// (softmax's max and sum of a key block) by halving steps on whole vectors,
// the other multi-reductions with the parallel dim innermost. Math ops get
// polynomial approximations so that exp (softmax, SiLU) stays in vector
// registers instead of calling expf per lane.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attnc {
#define GEN_PASS_DEF_LOWERVECTOROPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// A contraction whose iteration space has a single non-unit dim, a
/// reduction (q . k for one key, a row's sum of squares), becomes an
/// elementwise product and a vector.reduction: a tree of shuffles and adds
/// instead of the chain of scalar FMAs the outer-product lowering would
/// produce for it.
struct ContractionToReduction : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (!mlir::attnc::isUnmaskedSum(op))
      return failure();
    SmallVector<int64_t> bounds;
    op.getIterationBounds(bounds);
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    int64_t size = 1, nonUnit = 0;
    for (auto [bound, iterator] : llvm::zip(bounds, iterators)) {
      if (bound == 1)
        continue;
      if (iterator != vector::IteratorType::reduction)
        return failure();
      size = bound;
      ++nonUnit;
    }
    VectorType lhsType = op.getLhsType(), rhsType = op.getRhsType();
    Type elementType = lhsType.getElementType();
    if (nonUnit != 1 || !isa<FloatType>(elementType) ||
        rhsType.getElementType() != elementType ||
        lhsType.getNumElements() != size || rhsType.getNumElements() != size)
      return failure();
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (accType && accType.getNumElements() != 1)
      return failure();

    Location loc = op.getLoc();
    auto flatType = VectorType::get({size}, elementType);
    auto flatten = [&](Value v) -> Value {
      if (v.getType() == flatType)
        return v;
      return rewriter.create<vector::ShapeCastOp>(loc, flatType, v);
    };
    Value product =
        rewriter.create<arith::MulFOp>(loc, flatten(op.getLhs()), flatten(op.getRhs()));
    Value acc = op.getAcc();
    if (accType) {
      auto oneType = VectorType::get({1}, elementType);
      if (accType != oneType)
        acc = rewriter.create<vector::ShapeCastOp>(loc, oneType, acc);
      acc = rewriter.create<vector::ExtractOp>(loc, acc, ArrayRef<int64_t>{0});
    }
    Value sum = rewriter.create<vector::ReductionOp>(
        loc, vector::CombiningKind::ADD, product, acc);
    if (accType)
      sum = rewriter.create<vector::BroadcastOp>(loc, accType, sum);
    rewriter.replaceOp(op, sum);
    return success();
  }
};

/// Position of dim `d` among the results of `map`, or -1.
int64_t resultPosition(AffineMap map, int64_t d) {
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    if (auto dim = dyn_cast<AffineDimExpr>(expr); dim && dim.getPosition() == d)
      return int64_t(i);
  return -1;
}

/// The scores of 16 keys, a matrix-vector product whose matrix has the
/// reduction dim innermost (key rows of D floats, D a multiple of 16):
///   acc[j] += sum_d K[j, d] * q[d]        j < 16
/// Each row's product is folded to 16 lanes with FMAs, and the 16 partial
/// vectors are summed across lanes together, by a tree of shuffles and adds
/// (15 pairs: 8-lane, 4-lane, 2-lane, 1-lane blocks; the rows fed in
/// bit-reversed order so that lane j ends up holding row j). One tree per 16
/// keys instead of one horizontal reduction per key (about 10 instructions
/// each), and the outer-product lowering, which would first transpose the
/// 16 x D tile element by element, is not used.
struct RowDotsToReductionTree : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;
  static constexpr int64_t kRows = 16;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (!mlir::attnc::isUnmaskedSum(op))
      return failure();
    SmallVector<int64_t> bounds;
    op.getIterationBounds(bounds);
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    int64_t rowDim = -1, redDim = -1;
    for (auto [i, bound] : llvm::enumerate(bounds)) {
      if (bound == 1)
        continue;
      if (iterators[i] == vector::IteratorType::parallel && rowDim < 0 && bound == kRows)
        rowDim = int64_t(i);
      else if (iterators[i] == vector::IteratorType::reduction && redDim < 0)
        redDim = int64_t(i);
      else
        return failure();
    }
    if (rowDim < 0 || redDim < 0)
      return failure();
    int64_t depth = bounds[redDim];
    if (depth % kRows != 0)
      return failure();
    auto accType = dyn_cast<VectorType>(op.getAccType());
    Type f = op.getLhsType().getElementType();
    if (!accType || accType.getNumElements() != kRows || !isa<FloatType>(f) ||
        op.getRhsType().getElementType() != f || accType.getElementType() != f)
      return failure();
    // Which operand is the matrix (rows, then the reduction dim innermost).
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    auto isMatrix = [&](AffineMap map) {
      int64_t row = resultPosition(map, rowDim), red = resultPosition(map, redDim);
      return row >= 0 && red >= 0 && row < red;
    };
    auto isVector = [&](AffineMap map) {
      return resultPosition(map, rowDim) < 0 && resultPosition(map, redDim) >= 0;
    };
    Value matrix, vec;
    if (isMatrix(maps[0]) && isVector(maps[1])) {
      matrix = op.getLhs();
      vec = op.getRhs();
    } else if (isMatrix(maps[1]) && isVector(maps[0])) {
      matrix = op.getRhs();
      vec = op.getLhs();
    } else {
      return failure();
    }
    if (resultPosition(maps[2], rowDim) < 0)
      return failure();

    Location loc = op.getLoc();
    auto lanes = VectorType::get({kRows}, f);
    matrix = rewriter.create<vector::ShapeCastOp>(loc, VectorType::get({kRows, depth}, f),
                                                  matrix);
    vec = rewriter.create<vector::ShapeCastOp>(loc, VectorType::get({depth}, f), vec);
    auto chunk = [&](Value v, int64_t c) -> Value {
      return rewriter.create<vector::ExtractStridedSliceOp>(
          loc, v, ArrayRef<int64_t>{c * kRows}, ArrayRef<int64_t>{kRows}, ArrayRef<int64_t>{1});
    };
    SmallVector<Value> q;
    for (int64_t c = 0; c < depth / kRows; ++c)
      q.push_back(chunk(vec, c));
    // partial[j]: row j's products folded to 16 lanes.
    SmallVector<Value> partial;
    for (int64_t j = 0; j < kRows; ++j) {
      Value row = rewriter.create<vector::ExtractOp>(loc, matrix, ArrayRef<int64_t>{j});
      Value sum = rewriter.create<arith::MulFOp>(loc, chunk(row, 0), q[0]);
      for (int64_t c = 1; c < depth / kRows; ++c)
        sum = rewriter.create<vector::FMAOp>(loc, chunk(row, c), q[c], sum);
      partial.push_back(sum);
    }
    auto bitReversed = [](int64_t k) {
      return ((k & 1) << 3) | ((k & 2) << 1) | ((k & 4) >> 1) | ((k & 8) >> 3);
    };
    SmallVector<Value> level;
    for (int64_t k = 0; k < kRows; ++k)
      level.push_back(partial[bitReversed(k)]);
    // Each step halves the vectors: per group of 2b lanes, the low b lanes
    // of both operands against their high b lanes.
    for (int64_t b = kRows / 2; b >= 1; b /= 2) {
      SmallVector<int64_t> lo, hi;
      for (int64_t g = 0; g < kRows; g += 2 * b) {
        for (int64_t k = 0; k < b; ++k)
          lo.push_back(g + k), hi.push_back(g + b + k);
        for (int64_t k = 0; k < b; ++k)
          lo.push_back(kRows + g + k), hi.push_back(kRows + g + b + k);
      }
      SmallVector<Value> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2) {
        Value l = rewriter.create<vector::ShuffleOp>(loc, level[i], level[i + 1], lo);
        Value h = rewriter.create<vector::ShuffleOp>(loc, level[i], level[i + 1], hi);
        next.push_back(rewriter.create<arith::AddFOp>(loc, l, h));
      }
      level = std::move(next);
    }
    Value acc = rewriter.create<vector::ShapeCastOp>(loc, lanes, op.getAcc());
    Value result = rewriter.create<arith::AddFOp>(loc, level.front(), acc);
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, accType, result);
    return success();
  }
};

/// A multi-reduction to one value (a key block's max or sum in softmax:
/// vector<1x1x16> over its last dim) as a tree of halving steps on whole
/// vectors, 16 -> 8 -> 4 -> 2 -> 1 lanes, then one step with the
/// accumulator. The InnerParallel lowering would fold the 16 lanes into the
/// accumulator one at a time, each a scalar op (for maximumf, with its NaN
/// and signed-zero checks) in one dependent chain. The max is the same
/// value in any order; a sum is added in tree order, the same on every
/// thread count.
struct RowReductionToTree : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source = op.getSourceVectorType();
    int64_t lanes = source.getNumElements();
    if (source.isScalable() || lanes < 4 || !llvm::isPowerOf2_64(lanes) ||
        !isa<FloatType>(source.getElementType()) || op->getParentOfType<vector::MaskOp>())
      return failure();
    // Every dim that is not reduced is a unit dim: one result value.
    for (auto [dim, size] : llvm::enumerate(source.getShape()))
      if (size != 1 && !op.isReducedDim(dim))
        return failure();
    Location loc = op.getLoc();
    Type f = source.getElementType();
    // The lanes as one vector: the last dim itself when the others are unit
    // dims (an extract, where a shape_cast would move each element).
    Value v = op.getSource();
    if (source.getRank() > 1 && source.getShape().back() == lanes)
      v = rewriter.create<vector::ExtractOp>(loc, v,
                                             SmallVector<int64_t>(source.getRank() - 1, 0));
    else if (source.getRank() > 1)
      v = rewriter.create<vector::ShapeCastOp>(loc, VectorType::get({lanes}, f), v);
    for (int64_t half = lanes / 2; half >= 1; half /= 2) {
      auto slice = [&](int64_t offset) -> Value {
        return rewriter.create<vector::ExtractStridedSliceOp>(
            loc, v, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{half}, ArrayRef<int64_t>{1});
      };
      v = vector::makeArithReduction(rewriter, loc, op.getKind(), slice(0), slice(half));
    }
    // v is vector<1>; the accumulator has the result's type (a vector of
    // one element, or the scalar when every dim is reduced).
    v = rewriter.create<vector::ExtractOp>(loc, v, ArrayRef<int64_t>{0});
    Value acc = op.getAcc();
    auto resultType = dyn_cast<VectorType>(op.getType());
    if (resultType)
      acc = rewriter.create<vector::ExtractOp>(loc, acc,
                                               SmallVector<int64_t>(resultType.getRank(), 0));
    Value result = vector::makeArithReduction(rewriter, loc, op.getKind(), v, acc);
    if (resultType)
      result = rewriter.create<vector::BroadcastOp>(loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// contract(x, extf(w), acc) of a matrix-vector step, `acc[j] +=
/// sum_k x[k] * w[k, j]` with w narrower than f32 (decode's bf16 and f16
/// linears) -> the reduction split into four parts,
///   contract(x[0:K/4], w[0:K/4], acc) + ((part 1 + part 2) + part 3),
/// parts 1 to 3 from zero. Lowered as outer products, the K FMAs were one
/// dependent chain through acc, which the loop over k carries: one FMA per
/// 4 cycles, 32 bytes of bf16 weights, which bound decode at about 24 GB/s
/// a thread (stories110M bf16 at `-t 1`: 24.5 GB/s). Now the carried chain
/// is K/4 FMAs and an add, and the other parts run beside it. f32 weights
/// are left alone: 64 bytes an FMA are already beyond a thread's read
/// bandwidth, and their sums stay bitwise as they were. The first part is
/// split again while it has 8 or more terms; the parts from zero are not.
struct SplitNarrowMatvecChain : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;
  static constexpr int64_t kParts = 4;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (!mlir::attnc::isUnmaskedSum(op))
      return failure();
    auto accType = dyn_cast<VectorType>(op.getAccType());
    VectorType lhsType = op.getLhsType(), rhsType = op.getRhsType();
    if (!accType || accType.getRank() != 1 || !accType.getElementType().isF32() ||
        lhsType.getRank() != 1 || rhsType.getRank() != 2 || lhsType.isScalable() ||
        rhsType.isScalable() || matchPattern(op.getAcc(), m_AnyZeroFloat()))
      return failure();
    auto widen = op.getRhs().getDefiningOp<arith::ExtFOp>();
    if (!widen || getElementTypeOrSelf(widen.getIn().getType()).getIntOrFloatBitWidth() >= 32)
      return failure();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    if (iterators.size() != 2)
      return failure();
    unsigned k = iterators[0] == vector::IteratorType::reduction ? 0 : 1, j = 1 - k;
    if (iterators[k] != vector::IteratorType::reduction ||
        iterators[j] != vector::IteratorType::parallel)
      return failure();
    MLIRContext *ctx = op.getContext();
    AffineExpr dk = getAffineDimExpr(k, ctx), dj = getAffineDimExpr(j, ctx);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (maps[0] != AffineMap::get(2, 0, {dk}, ctx) ||
        maps[1] != AffineMap::get(2, 0, {dk, dj}, ctx) ||
        maps[2] != AffineMap::get(2, 0, {dj}, ctx))
      return failure();
    int64_t terms = lhsType.getDimSize(0), lanes = rhsType.getDimSize(1);
    if (terms < 2 * kParts || terms % kParts != 0)
      return failure();
    int64_t part = terms / kParts;
    Location loc = op.getLoc();
    Value zero = rewriter.create<arith::ConstantOp>(loc, accType, rewriter.getZeroAttr(accType));
    SmallVector<Value> sums;
    for (int64_t p = 0; p < kParts; ++p) {
      Value x = rewriter.create<vector::ExtractStridedSliceOp>(
          loc, op.getLhs(), ArrayRef<int64_t>{p * part}, ArrayRef<int64_t>{part},
          ArrayRef<int64_t>{1});
      Value narrow = rewriter.create<vector::ExtractStridedSliceOp>(
          loc, widen.getIn(), ArrayRef<int64_t>{p * part, 0}, ArrayRef<int64_t>{part, lanes},
          ArrayRef<int64_t>{1, 1});
      Value w = rewriter.create<arith::ExtFOp>(
          loc, VectorType::get({part, lanes}, rewriter.getF32Type()), narrow);
      sums.push_back(rewriter.create<vector::ContractionOp>(
          loc, x, w, p == 0 ? op.getAcc() : zero, op.getIndexingMaps(), op.getIteratorTypes(),
          op.getKind()));
    }
    // The parts from zero in order, then the carried one.
    Value rest = sums[1];
    for (int64_t p = 2; p < kParts; ++p)
      rest = rewriter.create<arith::AddFOp>(loc, rest, sums[p]);
    rewriter.replaceOpWithNewOp<arith::AddFOp>(op, sums[0], rest);
    return success();
  }
};

/// attn.dot_i8 with 16 lanes -> AVX-512 VNNI's `vpdpbusd` on zmm registers
/// (llvm.x86.avx512.vpdpbusd.512: accumulator, unsigned bytes, signed bytes,
/// each as <16 x i32>).
struct DotI8ToVnni : OpRewritePattern<attn::DotI8Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(attn::DotI8Op op, PatternRewriter &rewriter) const override {
    auto lanes = cast<VectorType>(op.getAcc().getType());
    if (lanes.getDimSize(0) != 16)
      return failure();
    Location loc = op.getLoc();
    Value lhs = rewriter.create<vector::BitCastOp>(loc, lanes, op.getLhs());
    Value rhs = rewriter.create<vector::BitCastOp>(loc, lanes, op.getRhs());
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, lanes, rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
        ValueRange{op.getAcc(), lhs, rhs});
    return success();
  }
};

/// attn.dot_i8 as what it computes: the bytes widened to i32 (zero- and
/// sign-extended), multiplied, and each lane's 4 products added to it.
struct DotI8ToWideningOps : OpRewritePattern<attn::DotI8Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(attn::DotI8Op op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t lanes = op.getAcc().getType().getDimSize(0);
    Type i32 = rewriter.getI32Type();
    auto wide = VectorType::get({4 * lanes}, i32);
    Value products = rewriter.create<arith::MulIOp>(
        loc, rewriter.create<arith::ExtUIOp>(loc, wide, op.getLhs()),
        rewriter.create<arith::ExtSIOp>(loc, wide, op.getRhs()));
    Value grouped = rewriter.create<vector::ShapeCastOp>(
        loc, VectorType::get({lanes, 4}, i32), products);
    rewriter.replaceOpWithNewOp<vector::MultiDimReductionOp>(
        op, grouped, op.getAcc(), ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
    return success();
  }
};

/// Rewrites allowed per op of the input. The models take fewer than one
/// (stories15M in f32, bf16, q4_0 and q8_0 with int8 activations, measured).
constexpr int64_t kRewritesPerOp = 64;

struct LowerVectorOpsPass
    : mlir::attnc::impl::LowerVectorOpsPassBase<LowerVectorOpsPass> {
  using LowerVectorOpsPassBase::LowerVectorOpsPassBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    mlir::attnc::populateLowerVectorOpsPatterns(patterns, int8DotProduct);
    // n-D broadcasts are lowered after the rest: their lowering makes an
    // insert that fills its destination, which the insert canonicalization
    // turns back into the broadcast; in one rewrite set the two loop without
    // end (a broadcast of vector<32xi8> to vector<1x32xi8>).
    RewritePatternSet broadcasts(ctx);
    vector::populateVectorBroadcastLoweringPatterns(broadcasts);
    if (failed(applyBounded(std::move(patterns))) || failed(applyBounded(std::move(broadcasts))))
      return signalPassFailure();
  }

  /// Applies `patterns` with a bound on the rewrites, far above what any
  /// model needs, so that a cycle among upstream patterns ends in an error
  /// instead of a hang.
  LogicalResult applyBounded(RewritePatternSet &&patterns) {
    int64_t ops = 0;
    getOperation()->walk([&](Operation *) { ++ops; });
    GreedyRewriteConfig config;
    config.maxNumRewrites = kRewritesPerOp * (ops + 1);
    if (succeeded(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns), config)))
      return success();
    // Not the op itself: its text may be megabytes.
    emitError(getOperation()->getLoc())
        << "attn-lower-vector-ops: the vector rewrites did not converge within "
        << config.maxNumRewrites << " rewrites";
    return failure();
  }
};

} // namespace

void mlir::attnc::populateLowerVectorOpsPatterns(RewritePatternSet &patterns,
                                                  bool int8DotProduct) {
  MLIRContext *ctx = patterns.getContext();
  // VNNI first where it applies (16 lanes); the widening form otherwise.
  if (int8DotProduct)
    patterns.add<DotI8ToVnni>(ctx, /*benefit=*/2);
  patterns.add<DotI8ToWideningOps>(ctx);
  vector::VectorTransformsOptions options;
  options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct)
      .setVectorMultiReductionLowering(
          vector::VectorMultiReductionLowering::InnerParallel)
      .setVectorTransposeLowering(vector::VectorTransposeLowering::EltWise);

  vector::populateVectorToVectorCanonicalizationPatterns(patterns);
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  patterns.add<ContractionToReduction>(ctx, /*benefit=*/2);
  patterns.add<RowDotsToReductionTree>(ctx, /*benefit=*/2);
  patterns.add<RowReductionToTree>(ctx, /*benefit=*/2);
  patterns.add<SplitNarrowMatvecChain>(ctx, /*benefit=*/3);
  vector::populateVectorContractLoweringPatterns(patterns, options);
  vector::populateVectorOuterProductLoweringPatterns(patterns);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, options.vectorMultiReductionLowering);
  vector::populateVectorTransposeLoweringPatterns(patterns, options);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
  vector::populateVectorMaskOpLoweringPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorTransferLoweringPatterns(patterns,
                                                 /*maxTransferRank=*/1);
  // Gathers (the packed embedding table, rope's pair swap) as scalar loads:
  // n-D gathers with a leading unit dim otherwise make this pattern set
  // loop without end (measured on stories260K prefill).
  vector::populateVectorGatherLoweringPatterns(patterns);
  populateMathPolynomialApproximationPatterns(patterns);
  // Folds of the extract/insert chains the unrolling above leaves behind.
  vector::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
  vector::InsertOp::getCanonicalizationPatterns(patterns, ctx);
  vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
  vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
}
