//===- TileAndVectorize.cpp - Tile linalg ops and vectorize the tiles -----===//
//
// attn-tile-and-vectorize: the one place where attnc decides how each linalg
// op of the model is scheduled. Every linalg op on tensors is tiled with
// scf.for loops (tile sizes from its iteration space, see chooseTileSizes),
// the tile is vectorized with linalg::vectorize, and the vector form is
// cleaned up so that, e.g., the packed linear layer
//   y[t, nb, j] += x[t, k] * W[nb, k, j]      dims (nb, t, j, k)
// becomes, per 16-wide k step, a vector.contract of vector<16> x vector<16x16>
// into a vector<16> accumulator that is carried in registers through the k
// loop (16 broadcast-FMAs on one zmm register per step after lowering).
// Over many tokens (prefill) the same generic is first register blocked
// (see blockTokens): 8 tokens x two 16-wide blocks per tile (one for the
// quantized linears), a vector<8x2x16> accumulator, so that each weight
// vector feeds 8 FMAs and each token value 2.
// The Q8_0 and Q4_0 linears (k split into 32-wide blocks with a scale each)
// are scheduled alike, one block of 32 k per step. So is the integer linear
// (a Q8_0 weight on a quantized input), whose tiles are emitted here as
// byte dot products, AVX-512 VNNI's (see emitInt8DotTile).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/attn/IR/AttnOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

#include <numeric>

namespace mlir::attnc {
#define GEN_PASS_DEF_TILEANDVECTORIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attnc

using namespace mlir;

namespace {

/// The largest divisor of `size` that is at most `limit`.
int64_t largestDivisorAtMost(int64_t size, int64_t limit) {
  for (int64_t d = std::min(size, limit); d > 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

/// Whether `op` has `inputs` inputs, one init, and exactly these iterators
/// and indexing maps (how the linear generics of convert-attn-to-linalg are
/// recognized).
bool hasForm(linalg::LinalgOp op, unsigned inputs, ArrayRef<utils::IteratorType> iterators,
             ArrayRef<AffineMap> maps) {
  return op.getNumLoops() == iterators.size() && op.getNumDpsInputs() == inputs &&
         op.getNumDpsInits() == 1 && llvm::equal(op.getIteratorTypesArray(), iterators) &&
         llvm::equal(op.getIndexingMapsArray(), maps);
}

constexpr utils::IteratorType kParallel = utils::IteratorType::parallel;
constexpr utils::IteratorType kReduction = utils::IteratorType::reduction;

/// Whether `op` is the packed linear generic of convert-attn-to-linalg,
///   y[t, nb, j] += x[t, k] * W[nb, k, j]      dims (nb, t, j, k),
/// identified by its indexing maps and iterators (the body may widen the
/// weight element type first).
bool isPackedLinear(linalg::LinalgOp op) {
  MLIRContext *ctx = op.getContext();
  AffineExpr nb, t, j, k;
  bindDims(ctx, nb, t, j, k);
  return hasForm(op, 2, {kParallel, kParallel, kParallel, kReduction},
                 {AffineMap::get(4, 0, {t, k}, ctx), AffineMap::get(4, 0, {nb, k, j}, ctx),
                  AffineMap::get(4, 0, {t, nb, j}, ctx)});
}

/// Whether `op` is the Q8_0 linear generic of convert-attn-to-linalg,
///   y[t, nb, j] += x[t, kb, kk] * q[nb, kb, kk, j] * s[nb, kb, j]
/// dims (nb, t, kb, kk, j): the packed linear with k split into 32-wide
/// blocks (kb, kk), each block with one scale per output row, the lane dim
/// last.
bool isQ8Linear(linalg::LinalgOp op) {
  MLIRContext *ctx = op.getContext();
  AffineExpr nb, t, kb, kk, j;
  bindDims(ctx, nb, t, kb, kk, j);
  return hasForm(op, 3, {kParallel, kParallel, kReduction, kReduction, kParallel},
                 {AffineMap::get(5, 0, {t, kb, kk}, ctx),
                  AffineMap::get(5, 0, {nb, kb, kk, j}, ctx),
                  AffineMap::get(5, 0, {nb, kb, j}, ctx), AffineMap::get(5, 0, {t, nb, j}, ctx)});
}

/// Whether `op` is the Q4_0 linear generic of convert-attn-to-linalg,
///   y[t, nb, j] += x[t, kb, h, kk] * w(q[nb, kb, kk, j], h, s[nb, kb, j])
/// dims (nb, t, kb, h, kk, j): as Q8_0's, with the 32-wide block of k split
/// into the nibble h of a byte and the 16 bytes kk of a half block.
bool isQ4Linear(linalg::LinalgOp op) {
  MLIRContext *ctx = op.getContext();
  AffineExpr nb, t, kb, h, kk, j;
  bindDims(ctx, nb, t, kb, h, kk, j);
  return hasForm(op, 3, {kParallel, kParallel, kReduction, kReduction, kReduction, kParallel},
                 {AffineMap::get(6, 0, {t, kb, h, kk}, ctx),
                  AffineMap::get(6, 0, {nb, kb, kk, j}, ctx),
                  AffineMap::get(6, 0, {nb, kb, j}, ctx), AffineMap::get(6, 0, {t, nb, j}, ctx)});
}

/// The maps of the integer linear generic of convert-attn-to-linalg,
///   y[t, nb, j] += float(c[t, kb, kk] * q[nb, kb, kk, j]) * (d[t, kb] * s[nb, kb, j])
/// dims (nb, t, kb, kk, j), plus, with `withSums`, the block sums of the
/// kernel form (see addBlockSums), indexed as d.
SmallVector<AffineMap> integerLinearMaps(MLIRContext *ctx, bool withSums) {
  AffineExpr nb, t, kb, kk, j;
  bindDims(ctx, nb, t, kb, kk, j);
  SmallVector<AffineMap> maps = {
      AffineMap::get(5, 0, {t, kb, kk}, ctx), AffineMap::get(5, 0, {t, kb}, ctx),
      AffineMap::get(5, 0, {nb, kb, kk, j}, ctx), AffineMap::get(5, 0, {nb, kb, j}, ctx)};
  if (withSums)
    maps.push_back(AffineMap::get(5, 0, {t, kb}, ctx));
  maps.push_back(AffineMap::get(5, 0, {t, nb, j}, ctx));
  return maps;
}

/// Whether `op` is the integer linear generic (with `withSums`: its kernel
/// form), identified by its maps, iterators and the i8 codes and weight.
bool isIntegerLinear(linalg::LinalgOp op, bool withSums) {
  if (!hasForm(op, withSums ? 5 : 4, {kParallel, kParallel, kReduction, kReduction, kParallel},
               integerLinearMaps(op.getContext(), withSums)))
    return false;
  auto isI8 = [&](unsigned i) {
    return getElementTypeOrSelf(op.getDpsInputOperand(i)->get().getType()).isInteger(8);
  };
  return isI8(0) && isI8(2);
}

/// Either quantized linear generic (or the integer one): dims
/// (nb, t, kb, ..., j), one 32-wide block of k per kb.
bool isQuantizedLinear(linalg::LinalgOp op) {
  return isQ8Linear(op) || isQ4Linear(op) || isIntegerLinear(op, false) ||
         isIntegerLinear(op, true);
}

/// Any linear generic: dims (nb, t, ...).
bool isLinearGeneric(linalg::LinalgOp op) {
  return isPackedLinear(op) || isQuantizedLinear(op);
}

/// Output blocks per register tile of a linear over many tokens: two for an
/// f32 or bf16 packed linear with an even number of blocks (2 x tokenBlock
/// accumulators, 16 for 8 tokens, and each broadcast token value feeds two
/// FMAs: stories110M's f32 linears took 24% fewer cycles than with one block),
/// one for the quantized linears, whose per-block scale step already needs a
/// second register per accumulator (two blocks would spill).
int64_t packedBlocksPerTile(linalg::LinalgOp op) {
  int64_t blocks = op.getStaticLoopRanges()[0];
  return isPackedLinear(op) && !ShapedType::isDynamic(blocks) && blocks % 2 == 0 ? 2 : 1;
}

/// Output tiles below which a prompt's tokens are split in two halves as
/// well, so that each thread gets as much work: stories15M's 288-row
/// linears have 9 tiles of two blocks, 5 and 4 for two threads. With many
/// tiles the split is not needed and would read every weight twice.
constexpr int64_t kFewOutputTiles = 16;

/// The token loop of a register-blocked linear (see blockTokens): `op`
/// tiled by `tokenBlock` tokens, the loop peeled so that every full tile has
/// the static shape, the left-over tokens one at a time.
void tileTokenBlocks(IRRewriter &rewriter, linalg::LinalgOp op, int64_t tokenBlock) {
  MLIRContext *ctx = op.getContext();
  int64_t rank = op.getNumLoops();
  SmallVector<int64_t> sizes(rank, 0);
  sizes[1] = tokenBlock;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled) || tiled->loops.size() != 1)
    return;
  rewriter.replaceOp(op, tiled->replacements);
  auto tokenLoop = dyn_cast<scf::ForOp>(tiled->loops[0].getOperation());
  if (!tokenLoop)
    return;
  scf::ForOp remainder;
  if (failed(scf::peelForLoopAndSimplifyBounds(rewriter, tokenLoop, remainder)) ||
      !remainder)
    return; // the token count is a multiple of tokenBlock
  // The left-over tokens, one at a time: a static 1-token tile.
  linalg::LinalgOp rest;
  remainder.walk([&](linalg::LinalgOp inner) { rest = inner; });
  if (!rest)
    return;
  SmallVector<int64_t> singleSizes(rank, 0);
  singleSizes[1] = 1;
  scf::SCFTilingOptions single;
  single.setTileSizes(getAsIndexOpFoldResult(ctx, singleSizes));
  rewriter.setInsertionPoint(rest);
  FailureOr<scf::SCFTilingResult> one =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(rest.getOperation()), single);
  if (succeeded(one))
    rewriter.replaceOp(rest, one->replacements);
}

/// Register blocking of a packed linear over many tokens (prefill): the op is
/// tiled by packedBlocksPerTile output blocks, with the block loop outermost
/// (so that the weight blocks, K x 16 values each, stay in L1/L2 while every
/// token tile uses them, and the block loop can run in parallel), then by
/// `tokenBlock` tokens (tileTokenBlocks), every full tile with the static
/// shape tokenBlock x blocks x 16 (vectorized later with one accumulator per
/// token and block, each weight vector loaded once for all tokens) while the
/// < tokenBlock tokens left over run one at a time, as decode does. With
/// fewer than kFewOutputTiles output tiles, the tokens are first split in
/// two halves (a multiple of tokenBlock each, the second possibly empty or
/// shorter), and the halves run in parallel too: attn-parallelize makes the
/// two loops one. Returns whether `op` was rewritten.
bool blockTokens(IRRewriter &rewriter, linalg::LinalgOp op, int64_t tokenBlock) {
  if (tokenBlock <= 1 || !isLinearGeneric(op) || !op.hasPureTensorSemantics())
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // The block, lane and reduction dims must be static; t is blocked when it
  // is dynamic or larger than one register tile.
  for (auto [i, range] : llvm::enumerate(ranges))
    if (i != 1 && ShapedType::isDynamic(range))
      return false;
  if (!ShapedType::isDynamic(ranges[1]) && ranges[1] <= tokenBlock)
    return false;
  MLIRContext *ctx = op.getContext();
  const int64_t blocksPerTile = packedBlocksPerTile(op);
  const bool splitTokens = ranges[0] / blocksPerTile < kFewOutputTiles;
  // (blocks, half or all tokens, 0, ...).
  SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
  sizes[0] = rewriter.getIndexAttr(blocksPerTile);
  rewriter.setInsertionPoint(op);
  if (splitTokens) {
    // ceil(t / 2) rounded up to tokenBlock: ((t + 2 * tokenBlock - 1) floordiv
    // (2 * tokenBlock)) * tokenBlock.
    Location loc = op.getLoc();
    Range tokens = op.createLoopRanges(rewriter, loc)[1];
    AffineExpr t = getAffineSymbolExpr(0, ctx);
    sizes[1] = affine::makeComposedFoldedAffineApply(
        rewriter, loc, (t + 2 * tokenBlock - 1).floorDiv(2 * tokenBlock) * tokenBlock,
        {tokens.size});
  }
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled) || tiled->loops.size() != (splitTokens ? 2u : 1u))
    return false;
  rewriter.replaceOp(op, tiled->replacements);
  // Output blocks (and token halves) are independent: they run on all
  // cores (attn-parallelize).
  for (LoopLikeOpInterface loop : tiled->loops)
    loop->setAttr(mlir::attnc::kParallelLoopAttr, rewriter.getUnitAttr());
  if (auto tile = dyn_cast<linalg::LinalgOp>(tiled->tiledOps.back()))
    tileTokenBlocks(rewriter, tile, tokenBlock);
  return true;
}

/// The key axis of attention (scores, mask, the softmax steps, the weighted
/// sum): an op with one dynamic loop dim is tiled as chooseTileSizes
/// says but with `keyBlock` on that dim, and the loop over it is peeled, so
/// that every full tile has `keyBlock` static keys (vectorized 16 wide,
/// instead of one key per step) and the < keyBlock keys left over run one at
/// a time. Returns whether `op` was rewritten.
bool blockKeys(IRRewriter &rewriter, linalg::LinalgOp op, int64_t keyBlock,
               ArrayRef<int64_t> tileSizes) {
  if (keyBlock <= 1 || isPackedLinear(op) || !op.hasPureTensorSemantics())
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::count_if(ranges, ShapedType::isDynamic) != 1)
    return false;
  int64_t key = llvm::find_if(ranges, ShapedType::isDynamic) - ranges.begin();
  // The keys are innermost, or followed only by a reduction (the head dim
  // of the scores); a copy with a dynamic outer dim (a prompt's rows into
  // the cache) is not attention's key axis.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t d = key + 1; d < int64_t(ranges.size()); ++d)
    if (iterators[d] != utils::IteratorType::reduction)
      return false;
  SmallVector<int64_t> sizes(tileSizes);
  sizes[key] = keyBlock;
  MLIRContext *ctx = op.getContext();
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled) || tiled->loops.empty())
    return false;
  rewriter.replaceOp(op, tiled->replacements);
  auto keyLoop = dyn_cast<scf::ForOp>(tiled->loops.back().getOperation());
  if (!keyLoop)
    return true;
  scf::ForOp remainder;
  if (failed(scf::peelForLoopAndSimplifyBounds(rewriter, keyLoop, remainder)) || !remainder)
    return true;
  linalg::LinalgOp rest;
  remainder.walk([&](linalg::LinalgOp inner) { rest = inner; });
  if (!rest)
    return true;
  SmallVector<int64_t> single(sizes.size(), 0);
  single[key] = 1;
  scf::SCFTilingOptions one;
  one.setTileSizes(getAsIndexOpFoldResult(ctx, single));
  rewriter.setInsertionPoint(rest);
  FailureOr<scf::SCFTilingResult> ones =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(rest.getOperation()), one);
  if (succeeded(ones))
    rewriter.replaceOp(rest, ones->replacements);
  return true;
}

/// transpose(broadcast(s)) -> broadcast(s) when s has one element: every
/// element of the broadcast is s, in any order. The vectorizer produces such
/// pairs for an operand indexed by fewer dims than the iteration space (the
/// per-token sum of squares in rms_norm); left alone they lower to one
/// extract/insert pair per element.
struct TransposeOfSplatBroadcast : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto broadcast = op.getVector().getDefiningOp<vector::BroadcastOp>();
    if (!broadcast)
      return failure();
    auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType());
    if (sourceType && sourceType.getNumElements() != 1)
      return failure();
    Value source = broadcast.getSource();
    // vector<1x..x1xT> -> T first: a 1-element vector only broadcasts to
    // shapes whose trailing dims match its own.
    if (sourceType)
      source = rewriter.create<vector::ExtractOp>(
          op.getLoc(), source, SmallVector<int64_t>(sourceType.getRank(), 0));
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, op.getResultVectorType(),
                                                     source);
    return success();
  }
};

/// transpose(broadcast(s)) -> broadcast(shape_cast(s)) when the transpose
/// keeps the dims that carry s's values (the dims where s is not 1) in
/// their order: it then only moves broadcast and unit dims. The vectorizer
/// produces such pairs for every operand indexed by a subset of the dims
/// (the q8_0 linear's values and scales over the token dim); folded, the
/// elementwise ops on them can run on s's shape (ElementwiseOfBroadcasts)
/// instead of once per token.
struct TransposeOfBroadcast : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto broadcast = op.getVector().getDefiningOp<vector::BroadcastOp>();
    if (!broadcast)
      return failure();
    auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType());
    VectorType wide = broadcast.getResultVectorType();
    if (!sourceType || sourceType.isScalable() || wide.isScalable())
      return failure();
    int64_t rank = wide.getRank(), lead = rank - sourceType.getRank();
    // The dims of the broadcast that carry the source's values.
    SmallVector<bool> carries(rank, false);
    for (int64_t i = lead; i < rank; ++i)
      carries[i] = sourceType.getDimSize(i - lead) != 1;
    ArrayRef<int64_t> perm = op.getPermutation();
    int64_t first = -1, previous = -1;
    for (auto [k, from] : llvm::enumerate(perm)) {
      if (!carries[from])
        continue;
      if (from < previous)
        return failure(); // the values would be reordered
      previous = from;
      if (first < 0)
        first = k;
    }
    if (first < 0)
      return failure(); // one element: TransposeOfSplatBroadcast
    SmallVector<int64_t> shape;
    for (int64_t k = first; k < rank; ++k)
      shape.push_back(carries[perm[k]] ? wide.getDimSize(perm[k]) : 1);
    Value source = broadcast.getSource();
    if (ArrayRef<int64_t>(shape) != sourceType.getShape())
      source = rewriter.create<vector::ShapeCastOp>(
          op.getLoc(), VectorType::get(shape, sourceType.getElementType()), source);
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, op.getResultVectorType(), source);
    return success();
  }
};

/// The fixed-length vector result of `op` when it is an arith or math op
/// applied elementwise (one result, operands, no regions), else null: arith
/// and math ops have scalar forms; some other elementwise-mappable ops
/// (vector.fma) are defined on vectors only.
VectorType elementwiseVectorResult(Operation *op) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
      !OpTrait::hasElementwiseMappableTraits(op) || op->getNumResults() != 1 ||
      op->getNumOperands() == 0 || op->getNumRegions() != 0)
    return nullptr;
  auto type = dyn_cast<VectorType>(op->getResult(0).getType());
  return type && !type.isScalable() ? type : nullptr;
}

/// An elementwise op all of whose operands are broadcasts (of sources of
/// rank at most r, below the result's rank) or splat constants is computed
/// on the trailing r dims and broadcast: the leading dims are copies for
/// every operand. MLIR's
/// own sinking pattern needs every operand broadcast from one type; the
/// q8_0 dequantization multiplies a (32, 16) block by a 16-wide scale
/// vector, both broadcast over the tokens of a prefill tile.
struct ElementwiseOfBroadcasts : RewritePattern {
  ElementwiseOfBroadcasts(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    VectorType resultType = elementwiseVectorResult(op);
    if (!resultType)
      return failure();
    int64_t inner = 0;
    for (Value operand : op->getOperands()) {
      // A splat constant is a broadcast of its element (the Q4_0 nibble's
      // mask and offset).
      if (matchPattern(operand, m_Constant<SplatElementsAttr>(nullptr)))
        continue;
      auto broadcast = operand.getDefiningOp<vector::BroadcastOp>();
      if (!broadcast)
        return failure();
      if (auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType())) {
        if (sourceType.isScalable())
          return failure();
        inner = std::max<int64_t>(inner, sourceType.getRank());
      }
    }
    // All scalars: UniformElementwiseToScalar.
    if (inner == 0 || inner >= resultType.getRank())
      return failure();
    ArrayRef<int64_t> innerShape = resultType.getShape().take_back(inner);
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      auto type = VectorType::get(innerShape, getElementTypeOrSelf(operand.getType()));
      SplatElementsAttr splat;
      if (matchPattern(operand, m_Constant(&splat))) {
        operands.push_back(
            rewriter.create<arith::ConstantOp>(op->getLoc(), splat.resizeSplat(type)));
        continue;
      }
      Value source = operand.getDefiningOp<vector::BroadcastOp>().getSource();
      if (source.getType() != type)
        source = rewriter.create<vector::BroadcastOp>(op->getLoc(), type, source);
      operands.push_back(source);
    }
    Operation *narrow = rewriter.create(
        op->getLoc(), op->getName().getIdentifier(), operands,
        TypeRange{VectorType::get(innerShape, resultType.getElementType())}, op->getAttrs());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, resultType, narrow->getResult(0));
    return success();
  }
};

/// contract(a, broadcast(b)) -> contract(a, b) with b's map dropping the
/// broadcast's leading non-unit dims, when those are parallel dims of a
/// (b is the same for each of their indices) and the broadcast does not
/// stretch b's own dims. MLIR's CombineContractBroadcast leaves the q8_0
/// prefill tile's contraction alone (the dequantized block broadcast over
/// its 8 tokens), which then lowers one copy per token.
struct ContractOfLeadingBroadcast : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    for (int operand = 0; operand < 2; ++operand) {
      Value value = operand == 0 ? op.getLhs() : op.getRhs();
      auto broadcast = value.getDefiningOp<vector::BroadcastOp>();
      if (!broadcast)
        continue;
      auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType());
      VectorType wide = broadcast.getResultVectorType();
      if (!sourceType || sourceType.isScalable() || sourceType.getRank() == 0)
        continue;
      int64_t drop = wide.getRank() - sourceType.getRank();
      if (drop == 0 ||
          sourceType.getShape() != wide.getShape().take_back(sourceType.getRank()))
        continue;
      AffineMap map = maps[operand];
      // The broadcast dims indexed by the other input go (b is the same for
      // each of their indices), a non-unit one only if parallel (a reduction
      // over copies would change the sum); unit dims of b alone stay (every
      // dim of a contraction is an input's). At least one non-unit dim goes
      // and a contracting pair remains.
      bool ok = true, dropped = false;
      SmallVector<AffineExpr> results;
      SmallVector<int64_t> shape;
      for (int64_t i = 0; ok && i < drop; ++i) {
        unsigned dim = map.getDimPosition(i);
        bool unit = wide.getDimSize(i) == 1;
        if (!maps[1 - operand].isFunctionOfDim(dim)) {
          ok = unit;
          results.push_back(map.getResult(i));
          shape.push_back(1);
          continue;
        }
        if (!unit) {
          ok = iterators[dim] == vector::IteratorType::parallel;
          dropped = true;
        }
      }
      ok = ok && dropped;
      bool contracting = false;
      for (int64_t i = drop; ok && i < map.getNumResults(); ++i) {
        unsigned dim = map.getDimPosition(i);
        contracting |= iterators[dim] == vector::IteratorType::reduction &&
                       maps[1 - operand].isFunctionOfDim(dim);
      }
      ok = ok && contracting;
      if (!ok)
        continue;
      for (int64_t i = drop; i < map.getNumResults(); ++i)
        results.push_back(map.getResult(i));
      llvm::append_range(shape, sourceType.getShape());
      maps[operand] = AffineMap::get(map.getNumDims(), 0, results, op.getContext());
      Value source = broadcast.getSource();
      if (ArrayRef<int64_t>(shape) != sourceType.getShape())
        source = rewriter.create<vector::ShapeCastOp>(
            op.getLoc(), VectorType::get(shape, sourceType.getElementType()), source);
      Value lhs = operand == 0 ? source : op.getLhs();
      Value rhs = operand == 1 ? source : op.getRhs();
      rewriter.replaceOpWithNewOp<vector::ContractionOp>(
          op, lhs, rhs, op.getAcc(), rewriter.getAffineMapArrayAttr(maps),
          op.getIteratorTypes(), op.getKind());
      return success();
    }
    return failure();
  }
};

/// contract(a, w * broadcast(s)) -> contract(a, w, 0) * s + acc, when the
/// broadcast only adds dims that the contraction reduces over and s's own
/// dims are the trailing dims of the accumulator: a factor that is the same
/// for every term of a sum is applied once to the sum. The q8_0 linear's
/// scales (one per 32 inputs and output row) then cost one multiply per
/// block of 32 inputs instead of one per weight vector: per 16 weights a
/// sign-extending load, a conversion and an FMA.
struct ContractOfScaledOperand : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (!mlir::attnc::isUnmaskedSum(op))
      return failure();
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (!accType || !isa<FloatType>(accType.getElementType()))
      return failure();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    for (int operand = 0; operand < 2; ++operand) {
      Value value = operand == 0 ? op.getLhs() : op.getRhs();
      auto valueType = cast<VectorType>(value.getType());
      // The product may be reshaped by leading unit dims (prefill's tiles).
      Value inner = value;
      if (auto reshape = value.getDefiningOp<vector::ShapeCastOp>()) {
        VectorType source = reshape.getSourceVectorType();
        ArrayRef<int64_t> shape = valueType.getShape();
        int64_t extra = valueType.getRank() - source.getRank();
        if (reshape->hasOneUse() && extra >= 0 &&
            shape.take_back(source.getRank()) == source.getShape() &&
            llvm::all_of(shape.take_front(extra), [](int64_t d) { return d == 1; }))
          inner = reshape.getSource();
      }
      auto mul = inner.getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      for (int factor = 0; factor < 2; ++factor) {
        auto broadcast = mul->getOperand(factor).getDefiningOp<vector::BroadcastOp>();
        if (!broadcast)
          continue;
        auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType());
        VectorType wide = broadcast.getResultVectorType();
        if (!sourceType || sourceType.getRank() == 0 ||
            sourceType.getShape() != wide.getShape().take_back(sourceType.getRank()))
          continue;
        // The operand's leading dims, which s does not have: reductions (or
        // of size 1), so s is the same for every term of each sum.
        int64_t drop = valueType.getRank() - sourceType.getRank();
        AffineMap map = maps[operand];
        bool ok = drop > 0;
        for (int64_t i = 0; ok && i < drop; ++i)
          ok = iterators[map.getDimPosition(i)] == vector::IteratorType::reduction ||
               valueType.getDimSize(i) == 1;
        // s's dims: parallel, and the accumulator's trailing dims in order.
        AffineMap accMap = maps[2];
        int64_t rank = sourceType.getRank();
        ok = ok && accMap.getNumResults() >= rank;
        for (int64_t i = 0; ok && i < rank; ++i) {
          unsigned dim = map.getDimPosition(drop + i);
          ok = iterators[dim] == vector::IteratorType::parallel &&
               accMap.getDimPosition(accMap.getNumResults() - rank + i) == dim;
        }
        if (!ok || accType.getShape().take_back(rank) != sourceType.getShape())
          continue;
        Location loc = op.getLoc();
        Value unscaled = mul->getOperand(1 - factor);
        if (inner != value)
          unscaled = rewriter.create<vector::ShapeCastOp>(loc, valueType, unscaled);
        Value zero = rewriter.create<arith::ConstantOp>(loc, accType,
                                                        rewriter.getZeroAttr(accType));
        Value lhs = operand == 0 ? unscaled : op.getLhs();
        Value rhs = operand == 1 ? unscaled : op.getRhs();
        Value sum = rewriter.create<vector::ContractionOp>(
            loc, lhs, rhs, zero, op.getIndexingMaps(), op.getIteratorTypes(), op.getKind());
        Value scale = broadcast.getSource();
        if (sourceType != accType)
          scale = rewriter.create<vector::BroadcastOp>(loc, accType, scale);
        Value scaled = rewriter.create<arith::MulFOp>(loc, sum, scale);
        rewriter.replaceOpWithNewOp<arith::AddFOp>(op, op.getAcc(), scaled);
        return success();
      }
    }
    return failure();
  }
};

/// contract(a, b) with two reduction dims r1, r2 that are adjacent (r1
/// then r2) in both inputs -> contract(shape_cast(a), shape_cast(b)) over
/// one reduction dim r1 * r2. The Q4_0 linear contracts each 32-wide block
/// of k as (h, kk), the nibble and the byte: vector<2x16> x vector<2x16x16>
/// lowers to shuffles (the unrolled contraction transposes), while the
/// merged vector<32> x vector<32x16> is Q8_0's, 32 broadcast FMAs. Applied
/// in the second cleanup round, once the contraction has absorbed its
/// operands' broadcasts and transposes.
struct MergeAdjacentReductionDims : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (isa_and_nonnull<vector::MaskOp>(op->getParentOp()))
      return failure();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    auto lhsType = op.getLhsType(), rhsType = op.getRhsType();
    if (lhsType.isScalable() || rhsType.isScalable())
      return failure();
    // The result position of dim `d` in input `i`'s map, or -1.
    auto position = [&](int i, unsigned d) -> int64_t {
      std::optional<unsigned> at = maps[i].getResultPosition(getAffineDimExpr(d, op.getContext()));
      return at ? int64_t(*at) : -1;
    };
    for (unsigned r1 = 0; r1 < iterators.size(); ++r1) {
      if (iterators[r1] != vector::IteratorType::reduction)
        continue;
      for (unsigned r2 = 0; r2 < iterators.size(); ++r2) {
        if (r2 == r1 || iterators[r2] != vector::IteratorType::reduction)
          continue;
        int64_t l1 = position(0, r1), l2 = position(0, r2);
        int64_t h1 = position(1, r1), h2 = position(1, r2);
        if (l1 < 0 || h1 < 0 || l2 != l1 + 1 || h2 != h1 + 1)
          continue;
        // Dims after r2 move down by one; r1 takes both.
        auto renumber = [&](unsigned d) { return d > r2 ? d - 1 : d; };
        unsigned numDims = iterators.size() - 1;
        SmallVector<AffineMap> merged;
        for (AffineMap map : maps) {
          SmallVector<AffineExpr> results;
          for (AffineExpr e : map.getResults()) {
            unsigned d = cast<AffineDimExpr>(e).getPosition();
            if (d != r2)
              results.push_back(getAffineDimExpr(renumber(d), op.getContext()));
          }
          merged.push_back(AffineMap::get(numDims, 0, results, op.getContext()));
        }
        SmallVector<Attribute> mergedIterators;
        for (unsigned d = 0; d < iterators.size(); ++d)
          if (d != r2)
            mergedIterators.push_back(op.getIteratorTypes()[d]);
        auto collapse = [&](Value v, VectorType type, int64_t at) -> Value {
          SmallVector<int64_t> shape(type.getShape());
          shape[at] *= shape[at + 1];
          shape.erase(shape.begin() + at + 1);
          return rewriter.create<vector::ShapeCastOp>(
              op.getLoc(), VectorType::get(shape, type.getElementType()), v);
        };
        Value lhs = collapse(op.getLhs(), lhsType, l1);
        Value rhs = collapse(op.getRhs(), rhsType, h1);
        rewriter.replaceOpWithNewOp<vector::ContractionOp>(
            op, lhs, rhs, op.getAcc(), rewriter.getAffineMapArrayAttr(merged),
            rewriter.getArrayAttr(mergedIterators), op.getKind());
        return success();
      }
    }
    return failure();
  }
};

/// The scalar every element of `v` equals, if `v` is a broadcast of one
/// element or a splat constant (created at the rewriter's insertion point).
Value uniformScalar(PatternRewriter &rewriter, Location loc, Value v) {
  if (auto broadcast = v.getDefiningOp<vector::BroadcastOp>()) {
    Value source = broadcast.getSource();
    auto sourceType = dyn_cast<VectorType>(source.getType());
    if (!sourceType)
      return source;
    if (sourceType.getNumElements() != 1)
      return nullptr;
    return rewriter.create<vector::ExtractOp>(
        loc, source, SmallVector<int64_t>(sourceType.getRank(), 0));
  }
  SplatElementsAttr splat;
  if (matchPattern(v, m_Constant(&splat)))
    return rewriter.create<arith::ConstantOp>(loc, splat.getSplatValue<TypedAttr>());
  return nullptr;
}

/// An elementwise op all of whose operands are uniform (broadcasts of one
/// element, splat constants) is computed once on scalars and broadcast:
/// rms_norm's 1 / sqrt(sum / n + eps) is otherwise computed for every lane
/// of a vector<64x1> and transposed.
struct UniformElementwiseToScalar : RewritePattern {
  UniformElementwiseToScalar(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    VectorType resultType = elementwiseVectorResult(op);
    if (!resultType)
      return failure();
    // Match first (no IR change), then rewrite.
    for (Value operand : op->getOperands()) {
      auto broadcast = operand.getDefiningOp<vector::BroadcastOp>();
      auto sourceType =
          broadcast ? dyn_cast<VectorType>(broadcast.getSourceType()) : VectorType();
      bool uniform = (broadcast && (!sourceType || sourceType.getNumElements() == 1)) ||
                     matchPattern(operand, m_Constant<SplatElementsAttr>(nullptr));
      if (!uniform)
        return failure();
    }
    // Constants alone are left to the folder.
    if (llvm::all_of(op->getOperands(), [](Value v) {
          return matchPattern(v, m_Constant());
        }))
      return failure();
    SmallVector<Value> scalars;
    for (Value operand : op->getOperands())
      scalars.push_back(uniformScalar(rewriter, op->getLoc(), operand));
    Operation *scalarOp = rewriter.create(
        op->getLoc(), op->getName().getIdentifier(), scalars,
        TypeRange{resultType.getElementType()}, op->getAttrs());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, resultType,
                                                     scalarOp->getResult(0));
    return success();
  }
};

/// The kernel form of every integer linear generic in `func`: the same
/// generic with a fifth input, the block sums
///   sums[t, kb] = -128 * sum_kk c[t, kb, kk]      (i32)
/// (one generic per distinct codes tensor, tiled and vectorized as any
/// other), which its body does not read: it rides along so that tiling
/// slices it with the codes, for emitInt8DotTile, whose unsigned-by-signed
/// dot products see the weight plus 128 and subtract 128 times the codes'
/// sum.
void addBlockSums(IRRewriter &rewriter, func::FuncOp func) {
  SmallVector<linalg::GenericOp> linears;
  func.walk([&](linalg::GenericOp op) {
    if (op.hasPureTensorSemantics() && isIntegerLinear(op, false))
      linears.push_back(op);
  });
  MLIRContext *ctx = func.getContext();
  DenseMap<Value, Value> sumsOf;
  for (linalg::GenericOp op : linears) {
    Location loc = op.getLoc();
    Value codes = op.getDpsInputOperand(0)->get();
    Value &sums = sumsOf[codes];
    if (!sums) {
      rewriter.setInsertionPointAfterValue(codes);
      Type i32 = rewriter.getI32Type();
      SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, codes, 0),
                                         tensor::getMixedSize(rewriter, loc, codes, 1)};
      Value empty = rewriter.create<tensor::EmptyOp>(loc, sizes, i32);
      Value zeroI32 = rewriter.create<arith::ConstantIntOp>(loc, 0, 32);
      Value zero =
          rewriter.create<linalg::FillOp>(loc, ValueRange{zeroI32}, ValueRange{empty})
              .getResult(0);
      AffineExpr t, kb, kk;
      bindDims(ctx, t, kb, kk);
      sums = rewriter
                 .create<linalg::GenericOp>(
                     loc, zero.getType(), ValueRange{codes}, ValueRange{zero},
                     ArrayRef<AffineMap>{AffineMap::get(3, 0, {t, kb, kk}, ctx),
                                         AffineMap::get(3, 0, {t, kb}, ctx)},
                     ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                                   utils::IteratorType::parallel,
                                                   utils::IteratorType::reduction},
                     [](OpBuilder &b, Location loc, ValueRange args) {
                       Type i32 = b.getI32Type();
                       Value code = b.create<arith::ExtSIOp>(loc, i32, args[0]);
                       Value term = b.create<arith::MulIOp>(
                           loc, code, b.create<arith::ConstantIntOp>(loc, -128, 32));
                       b.create<linalg::YieldOp>(
                           loc, ValueRange{b.create<arith::AddIOp>(loc, args[1], term)});
                     })
                 .getResult(0);
    }
    rewriter.setInsertionPoint(op);
    SmallVector<Value> inputs = op.getDpsInputs();
    inputs.push_back(sums);
    auto kernel = rewriter.create<linalg::GenericOp>(
        loc, op->getResultTypes(), inputs, op.getDpsInits(), integerLinearMaps(ctx, true),
        op.getIteratorTypesArray(), [&](OpBuilder &b, Location loc, ValueRange args) {
          // The old body on the new arguments, the sums (argument 4) unread.
          IRMapping mapping;
          Block *body = op.getBody();
          for (unsigned i = 0; i < 4; ++i)
            mapping.map(body->getArgument(i), args[i]);
          mapping.map(body->getArgument(4), args[5]);
          for (Operation &inner : body->getOperations())
            b.clone(inner, mapping);
        });
    rewriter.replaceOp(op, kernel->getResults());
  }
}

/// One tile of the integer linear's kernel form, (1 block, T tokens, 1 block
/// of k, 32, 16 lanes), emitted as attn.dot_i8 ops (AVX-512 VNNI's
/// `vpdpbusd`, where the target has it): each adds to a 32-bit lane the four
/// products of unsigned bytes of its second operand and signed bytes of its
/// third. The tile's 32 x 16 weights (rows kk, lanes j, as stored) are
/// regrouped once per tile, for all its tokens, into 8
/// vectors of 16 lanes x 4 consecutive kk (a byte shuffle: vpermb) and made
/// unsigned by adding 128 (the sign bit flipped); each token's 32 codes are
/// 8 groups of 4 bytes, each broadcast to every lane (folded into the
/// instruction's memory operand). So per token 8 instructions sum the
/// block's 512 products into 16 lanes, starting from the block sum that
/// takes back the 128s; the exact integer sum is then converted and scaled
/// by d * s as the generic does. Fails (leaving the tile to the generic
/// vectorizer) unless the tile has that static shape.
LogicalResult emitInt8DotTile(RewriterBase &rewriter, linalg::GenericOp tile) {
  if (!isIntegerLinear(tile, true) || !tile.hasPureTensorSemantics())
    return failure();
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  constexpr int64_t kBlock = 32, kLanes = 16, kGroup = 4, kGroups = kBlock / kGroup;
  int64_t tokens = ranges[1];
  if (ranges[0] != 1 || ShapedType::isDynamic(tokens) || ranges[2] != 1 ||
      ranges[3] != kBlock || ranges[4] != kLanes)
    return failure();
  for (Value operand : tile->getOperands())
    if (!cast<RankedTensorType>(operand.getType()).hasStaticShape())
      return failure();
  Location loc = tile.getLoc();
  Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
  Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
  // The whole of an operand as a vector of `shape` (its own static shape
  // with the unit dims dropped).
  auto read = [&](Value operand, ArrayRef<int64_t> shape, Type element) -> Value {
    auto type = cast<RankedTensorType>(operand.getType());
    SmallVector<Value> zeros(type.getRank(), zero);
    SmallVector<bool> inBounds(type.getRank(), true);
    Value whole = rewriter.create<vector::TransferReadOp>(
        loc, VectorType::get(type.getShape(), element), operand, zeros, inBounds);
    return rewriter.create<vector::ShapeCastOp>(loc, VectorType::get(shape, element), whole);
  };
  Value codes = tile.getDpsInputOperand(0)->get();
  Value scales = tile.getDpsInputOperand(1)->get();
  Value sums = tile.getDpsInputOperand(4)->get();
  // The block's 32 x 16 weights are contiguous: flattened, each group of
  // 4 rows is one 64-byte read (a (32, 16) -> (8, 64) shape_cast would
  // lower to one extract and insert per byte).
  Value block = tile.getDpsInputOperand(2)->get();
  auto blockType = cast<RankedTensorType>(block.getType());
  ReassociationIndices all(blockType.getRank());
  std::iota(all.begin(), all.end(), 0);
  Value flatBlock = rewriter.create<tensor::CollapseShapeOp>(
      loc, block, ArrayRef<ReassociationIndices>{all});
  Value weightScales = read(tile.getDpsInputOperand(3)->get(), {kLanes}, f32);
  Value init = tile.getDpsInitOperand(0)->get();
  Value acc = read(init, {tokens, kLanes}, f32);

  // Rows kk of 16 bytes -> lanes j of 4 bytes: byte 4 j + g of a group
  // vector is row 4 i + g, lane j, of its 4 x 16 slice of the weights.
  SmallVector<int64_t> regroup;
  for (int64_t j = 0; j < kLanes; ++j)
    for (int64_t g = 0; g < kGroup; ++g)
      regroup.push_back(g * kLanes + j);
  auto byteVector = VectorType::get({kGroup * kLanes}, i8);
  auto laneVector = VectorType::get({kLanes}, i32);
  Value signBits = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(byteVector, rewriter.getIntegerAttr(i8, -128)));
  SmallVector<Value> unsignedWeights;
  for (int64_t i = 0; i < kGroups; ++i) {
    Value rows = rewriter.create<vector::TransferReadOp>(
        loc, byteVector, flatBlock,
        ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, i * kGroup * kLanes)},
        ArrayRef<bool>{true});
    Value lanes = rewriter.create<vector::ShuffleOp>(loc, rows, rows, regroup);
    unsignedWeights.push_back(rewriter.create<arith::XOrIOp>(loc, lanes, signBits));
  }
  auto dot = [&](Value accumulator, Value unsignedBytes, Value signedBytes) {
    return rewriter
        .create<attn::DotI8Op>(loc, accumulator.getType(), accumulator, unsignedBytes,
                               signedBytes)
        .getResult();
  };
  Value result = acc;
  auto codeVector = VectorType::get({kBlock}, i8);
  for (int64_t t = 0; t < tokens; ++t) {
    // Token t's scalars and codes, each read on its own (1-D vectors: a
    // (T, 32) read would be bit-cast in 2-D).
    Value token = rewriter.create<arith::ConstantIndexOp>(loc, t);
    Value sum = rewriter.create<vector::BroadcastOp>(
        loc, laneVector, rewriter.create<tensor::ExtractOp>(loc, sums, ValueRange{token, zero}));
    Value tokenCodes = rewriter.create<vector::BitCastOp>(
        loc, VectorType::get({kGroups}, i32),
        rewriter.create<vector::TransferReadOp>(loc, codeVector, codes,
                                                ValueRange{token, zero, zero},
                                                ArrayRef<bool>{true}));
    for (int64_t i = 0; i < kGroups; ++i) {
      Value group = rewriter.create<vector::BroadcastOp>(
          loc, laneVector, rewriter.create<vector::ExtractOp>(loc, tokenCodes, i));
      Value groupBytes = rewriter.create<vector::BitCastOp>(loc, byteVector, group);
      sum = dot(sum, unsignedWeights[i], groupBytes);
    }
    Value value = rewriter.create<arith::SIToFPOp>(loc, VectorType::get({kLanes}, f32), sum);
    Value scale = rewriter.create<arith::MulFOp>(
        loc,
        rewriter.create<vector::BroadcastOp>(
            loc, weightScales.getType(),
            rewriter.create<tensor::ExtractOp>(loc, scales, ValueRange{token, zero})),
        weightScales);
    Value partial = rewriter.create<vector::ExtractOp>(loc, acc, t);
    Value next = rewriter.create<arith::AddFOp>(
        loc, partial, rewriter.create<arith::MulFOp>(loc, value, scale));
    result = rewriter.create<vector::InsertOp>(loc, next, result, t);
  }
  auto initType = cast<RankedTensorType>(init.getType());
  Value shaped = rewriter.create<vector::ShapeCastOp>(
      loc, VectorType::get(initType.getShape(), f32), result);
  SmallVector<Value> zeros(initType.getRank(), zero);
  SmallVector<bool> inBounds(initType.getRank(), true);
  Value written =
      rewriter.create<vector::TransferWriteOp>(loc, shaped, init, zeros, inBounds).getResult();
  rewriter.replaceOp(tile, written);
  return success();
}

/// Adds the canonicalization patterns of every loaded op and dialect, as the
/// canonicalize pass does, so the cleanup runs to a fixpoint together with
/// the folds it enables (one-trip loops, affine.min of constants, ...).
void addCanonicalizationPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
}

struct TileAndVectorizePass
    : mlir::attnc::impl::TileAndVectorizePassBase<TileAndVectorizePass> {
  using TileAndVectorizePassBase::TileAndVectorizePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();

    // CSE merges the zero-fills of all linear layers into one; each user
    // then copies it into its accumulator buffer. One fill (and empty) per
    // use lets bufferization initialize every accumulator in place.
    SmallVector<linalg::FillOp> sharedFills;
    func.walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && fill->getNumResults() == 1 &&
          !fill->hasOneUse() && !fill->use_empty())
        sharedFills.push_back(fill);
    });
    for (linalg::FillOp fill : sharedFills) {
      for (OpOperand &use :
           llvm::make_early_inc_range(llvm::drop_begin(fill->getUses(), 1))) {
        OpBuilder builder(fill);
        IRMapping mapping;
        if (Operation *init = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
          mapping.map(init->getResult(0), builder.clone(*init)->getResult(0));
        use.set(builder.clone(*fill, mapping)->getResult(0));
      }
    }

    // An elementwise generic that reads the tensor it overwrites (the scale,
    // mask and softmax steps of attention: ins(%s) outs(%s)) is read through
    // its output argument only. Tiled, the input slice would be read from
    // the original tensor while the loop writes the iter_arg, and one-shot
    // bufferization would copy the whole tensor (per step: a scores-sized
    // buffer and copy in decode) to keep the reads valid.
    {
      SmallVector<Operation *> generics;
      func.walk([&](linalg::GenericOp op) {
        if (op.hasPureTensorSemantics())
          generics.push_back(op);
      });
      RewritePatternSet patterns(ctx);
      linalg::populateEraseUnnecessaryInputsPatterns(patterns);
      GreedyRewriteConfig config;
      config.strictMode = GreedyRewriteStrictness::ExistingOps;
      (void)applyOpPatternsAndFold(generics, std::move(patterns), config);
    }

    // Likewise CSE merges the per-layer `extract_slice (tensor.empty)` that
    // the scores of each layer are computed into (a context-sized buffer
    // sliced to the keys in the cache). Shared, every layer but one would
    // get a fresh buffer of the slice's dynamic size from bufferization: a
    // heap allocation in attn_prefill, and in attn_decode a buffer whose
    // size comes from the input. One empty and slice per use keeps every
    // layer's scores in a static buffer of its own.
    SmallVector<tensor::ExtractSliceOp> sharedSlices;
    func.walk([&](tensor::ExtractSliceOp slice) {
      if (slice.getSource().getDefiningOp<tensor::EmptyOp>() && !slice->hasOneUse() &&
          !slice->use_empty())
        sharedSlices.push_back(slice);
    });
    for (tensor::ExtractSliceOp slice : sharedSlices) {
      Operation *empty = slice.getSource().getDefiningOp();
      for (OpOperand &use :
           llvm::make_early_inc_range(llvm::drop_begin(slice->getUses(), 1))) {
        OpBuilder builder(slice);
        IRMapping mapping;
        mapping.map(empty->getResult(0), builder.clone(*empty)->getResult(0));
        use.set(builder.clone(*slice, mapping)->getResult(0));
      }
    }

    IRRewriter rewriter(ctx);
    addBlockSums(rewriter, func);
    // Prefill's linear layers: token blocks with a peeled remainder. The
    // canonicalization afterwards turns the full tiles' sizes (affine.min
    // folded to tokenBlock by the peeling) into static shapes.
    {
      SmallVector<linalg::LinalgOp> linears;
      func.walk([&](linalg::LinalgOp op) {
        if (op.hasPureTensorSemantics() && isLinearGeneric(op))
          linears.push_back(op);
      });
      bool changed = false;
      for (linalg::LinalgOp op : linears)
        changed |= blockTokens(rewriter, op, tokenBlock);
      // Attention's steps over the keys: 16-key tiles, a peeled remainder.
      SmallVector<linalg::LinalgOp> overKeys;
      func.walk([&](linalg::LinalgOp op) {
        if (op.hasPureTensorSemantics() && !isPackedLinear(op))
          overKeys.push_back(op);
      });
      for (linalg::LinalgOp op : overKeys)
        changed |= blockKeys(rewriter, op, maxTile,
                             mlir::attnc::chooseTileSizes(op, maxWholeDim, maxTile, tokenBlock));
      if (changed) {
        RewritePatternSet patterns(ctx);
        addCanonicalizationPatterns(patterns);
        if (failed(applyPatternsAndFoldGreedily(func, std::move(patterns))))
          return signalPassFailure();
      }
    }

    // Collect first: tiling creates new linalg ops that must not be visited.
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });

    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> tileSizes =
          mlir::attnc::chooseTileSizes(op, maxWholeDim, maxTile, tokenBlock);
      Operation *tile = op;
      bool linear = isLinearGeneric(op);
      if (llvm::any_of(tileSizes, [](int64_t s) { return s != 0; })) {
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(ctx, tileSizes));
        rewriter.setInsertionPoint(op);
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), options);
        if (failed(tiled)) {
          op.emitWarning("attn-tile-and-vectorize: tiling failed, left as is");
          continue;
        }
        rewriter.replaceOp(op, tiled->replacements);
        tile = tiled->tiledOps.back();
        // The output blocks of a linear layer (decode, short prompts) run
        // on all cores; tileUsingSCF makes one loop per tiled dim, in order.
        if (linear && tileSizes[0] != 0 && !tiled->loops.empty())
          tiled->loops[0]->setAttr(mlir::attnc::kParallelLoopAttr, rewriter.getUnitAttr());
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(tile)) {
        rewriter.setInsertionPoint(generic);
        if (succeeded(emitInt8DotTile(rewriter, generic)))
          continue;
      }
      // Not every tile is vectorizable: those stay as (tiled) linalg and
      // become scalar loops later.
      if (failed(linalg::vectorizeOpPrecondition(tile, {}, {},
                                                 /*vectorizeNDExtract=*/true)))
        continue;
      rewriter.setInsertionPoint(tile);
      (void)linalg::vectorize(rewriter, tile, {}, {},
                              /*vectorizeNDExtract=*/true);
    }

    // Two rounds: broadcasts and transposes must be folded into
    // vector.contract while its operands still have the full iteration-space
    // rank; only then are the leading unit dims cast away (the
    // vector.extract ops that casting inserts would block those folds).
    RewritePatternSet contractPatterns(ctx);
    mlir::attnc::populateVectorCleanupPatterns(contractPatterns);
    addCanonicalizationPatterns(contractPatterns);
    if (failed(applyPatternsAndFoldGreedily(func, std::move(contractPatterns))))
      return signalPassFailure();

    RewritePatternSet patterns(ctx);
    mlir::attnc::populateVectorCleanupPatterns(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    // Only now that the broadcasts are folded into the contractions (a
    // merged contraction no longer matches them).
    patterns.add<MergeAdjacentReductionDims>(ctx);
    addCanonicalizationPatterns(patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));
    if (failed(applyPatternsAndFoldGreedily(func, frozen)))
      return signalPassFailure();

    if (hoistAccumulators) {
      // Innermost loops first, so that a read/write pair hoisted out of an
      // inner loop can be hoisted further when the outer loop is invariant.
      SmallVector<LoopLikeOpInterface> loops;
      func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (LoopLikeOpInterface loop : loops)
        (void)hoistLoopInvariantSubsets(rewriter, loop);
      if (failed(applyPatternsAndFoldGreedily(func, frozen)))
        return signalPassFailure();
    }
  }
};

} // namespace

SmallVector<int64_t> mlir::attnc::chooseTileSizes(linalg::LinalgOp op,
                                                  int64_t maxWholeDim,
                                                  int64_t maxTile,
                                                  int64_t tokenBlock) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t lastParallel = -1;
  for (auto [i, it] : llvm::enumerate(iterators))
    if (it == utils::IteratorType::parallel)
      lastParallel = i;

  // Dynamic dims (the key axis in decode, tokens in prefill) step by 1 so
  // that every tile has a static shape. Tiling the key axis of mask and
  // softmax by 16 with masked vectorization would be faster, but MLIR 19's
  // vectorizer emits vector.mask ops that fail verification for these
  // tiles (in our attempt on MLIR 19; not investigated further).
  // The full token tiles of a packed linear (see blockTokens) keep their
  // tokens whole: one accumulator per token, all fed by each weight vector.
  bool tokensWhole = isLinearGeneric(op) && !ShapedType::isDynamic(ranges[1]) &&
                     ranges[1] <= std::max<int64_t>(tokenBlock, 1);
  // A Q8_0 or Q4_0 linear steps through k one 32-wide block (one scale
  // vector) at a time: a contraction of 32 x 16 dequantized weights per
  // step (Q4_0: both nibbles of 16 x 16 bytes, h whole).
  bool quantized = isQuantizedLinear(op);
  SmallVector<int64_t> sizes;
  for (auto [i, it] : llvm::enumerate(iterators)) {
    int64_t range = ranges[i];
    if (tokensWhole && i == 1) {
      sizes.push_back(0);
      continue;
    }
    // A register tile of blockTokens (one or two output blocks) is already
    // inside the block loop that runs on all cores.
    if (tokensWhole && i == 0 && mlir::attnc::enclosingParallelLoop(op)) {
      sizes.push_back(0);
      continue;
    }
    if (quantized && i >= 2) { // kb by 1, (h,) kk and j whole
      sizes.push_back(i == 2 && range != 1 ? 1 : 0);
      continue;
    }
    if (ShapedType::isDynamic(range)) {
      sizes.push_back(1);
      continue;
    }
    // Tile size 0 = the whole dim, without a loop around it.
    bool whole = range <= maxWholeDim;
    if (it == utils::IteratorType::parallel && (int64_t)i != lastParallel) {
      sizes.push_back(range == 1 ? 0 : 1);
      continue;
    }
    // The last parallel dim of a reduction over a whole inner dim (the
    // 32-value blocks of a quantized input: (t, kb, kk)) is cut so that a
    // tile has at most maxWholeDim x maxTile elements: whole, (K / 32) x 32
    // would be a K-element vector per token (LLVM took 4 s longer on
    // stories110M's).
    if (it == utils::IteratorType::parallel && i + 1 == ranges.size() - 1 &&
        iterators.back() == utils::IteratorType::reduction &&
        !ShapedType::isDynamic(ranges.back()) && ranges.back() <= maxWholeDim &&
        range * ranges.back() > maxWholeDim * maxTile) {
      int64_t tile = largestDivisorAtMost(range, maxWholeDim * maxTile / ranges.back());
      sizes.push_back(tile == range ? 0 : tile);
      continue;
    }
    int64_t tile = whole ? 0 : largestDivisorAtMost(range, maxTile);
    sizes.push_back(tile == range ? 0 : tile);
  }
  return sizes;
}

void mlir::attnc::populateVectorCleanupPatterns(RewritePatternSet &patterns) {
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
  vector::populateSinkVectorBroadcastPatterns(patterns);
  patterns.add<TransposeOfSplatBroadcast, TransposeOfBroadcast, UniformElementwiseToScalar,
               ElementwiseOfBroadcasts, ContractOfLeadingBroadcast, ContractOfScaledOperand>(
      patterns.getContext());
}
