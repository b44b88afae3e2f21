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
