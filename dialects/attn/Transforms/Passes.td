//===- Passes.td - attn dialect transformations ---------------------------===//
//
// Rewrites within the attn dialect (before conversion to linalg).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_TRANSFORMS_PASSES_TD
#define ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeAttentionPass : Pass<"attn-decompose-attention", "func::FuncOp"> {
  let summary = "Split attn.attention into scores, mask, softmax and weighted_sum";
  let description = [{
    `attn.attention` becomes `attn.scores` (q . k * scale, applied once) ->
    `attn.mask` (omitted for mask = none) -> `attn.softmax` over the key axis
    -> `attn.weighted_sum` of the values, keeping heads, kv_heads, the mask
    kind, its window and the cache offset.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
}

def TileQueriesPass : Pass<"attn-tile-queries", "func::FuncOp"> {
  let summary = "Attention of many queries as loops over heads and queries, one row of scores per step";
  let description = [{
    Each decomposed attention with more than one query (scores -> mask ->
    softmax -> weighted_sum over (heads, T, N)) becomes `scf.for` over the
    heads and the queries whose body is the attention of one query of one
    head over the keys it may see: every key for mask = none, only the keys
    up to its own position for causal and sliding-window masks (the others
    would take weight exactly 0). The steps then have the keys as their one
    dynamic dim, as in decode, and are tiled and vectorized over them.
    Probabilities that other ops read (the traced prefill) are kept whole
    and reassembled. A decoded token's attention (one query) becomes the
    loop over its heads alone, when one head's row of scores over the whole
    cache fits in `max-row-bytes` (each thread keeps it on its stack).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxRowBytes", "max-row-bytes", "int64_t", /*default=*/"65536",
           "Largest row of scores (bytes, over the cache's full length) for which a "
           "decoded token's heads run on all cores">,
    Option<"keyBlock", "key-block", "int64_t", /*default=*/"16",
           "Keys per vector step of attn-tile-and-vectorize: a trimmed row is rounded "
           "up to whole blocks where the keys allow (1: not rounded)">
  ];
}

def InjectFaultPass : Pass<"attn-inject-fault", "func::FuncOp"> {
  let summary = "Plant a known bug (a test aid for attnc verify; never in a normal build)";
  let description = [{
    A deliberate miscompilation, so that tests can show that `attnc verify`
    and `attnc verify --causality` catch it. `fault=mask-leak`: every
    `attn.mask` treats its queries as one position later than they are, so
    each query also sees the next key (the classic off-by-one of a causal
    mask that leaks the future). attnc adds this pass only for the hidden
    `--inject-fault` option, in the optimized pipeline only.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"fault", "fault", "std::string", /*default=*/"\"mask-leak\"",
           "The fault to plant: mask-leak">
  ];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
