//===- AttnToLinalg.h - attn ops to linalg on tensors -----------*- C++ -*-===//
//
// The patterns of `convert-attn-to-linalg`, public so that a pipeline can mix
// them with its own: every attn op except `attn.attention` (which must be
// decomposed first by `attn-decompose-attention`) becomes linalg on tensors
// plus tensor/arith/math ops, with the KV cache accessed through memref
// subviews and bufferization ops.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
#define ATTNC_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::attn {

/// Adds the conversion patterns of every attn op except `attn.attention`.
/// They are OpConversionPatterns meant for `applyPartialConversion` with the
/// attn dialect illegal (they never change types, so no type converter).
void populateAttnToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::attn

#endif // ATTNC_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
