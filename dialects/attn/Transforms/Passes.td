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

#endif // ATTN_TRANSFORMS_PASSES_TD
