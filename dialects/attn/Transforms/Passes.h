//===- Passes.h - attn dialect transformations ------------------*- C++ -*-===//
//
// Declarations and registration of the passes in Passes.td.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_TRANSFORMS_PASSES_H
#define ATTN_TRANSFORMS_PASSES_H

#include "dialects/attn/IR/AttnDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"

namespace mlir::attn {

class AttentionOp;

/// attn.attention as its four steps, built before `op` (which is left in
/// place): attn.scores -> attn.mask (unless the mask is none) ->
/// attn.softmax over the keys -> attn.weighted_sum. The pass below and the
/// builder's traced prefill (which records the probabilities) share it.
struct DecomposedAttention {
  Value probs;  // (heads, T, N), each row sums to 1
  Value result; // (T, heads, head_dim), op's result type
};
DecomposedAttention decomposeAttention(OpBuilder &b, AttentionOp op);

#define GEN_PASS_DECL
#include "dialects/attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/attn/Transforms/Passes.h.inc"

} // namespace mlir::attn

#endif // ATTN_TRANSFORMS_PASSES_H
