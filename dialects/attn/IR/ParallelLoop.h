//===- ParallelLoop.h - The mark of a loop to run on all cores --*- C++ -*-===//
//
// Header only and free of the dialect's generated code, so that the passes
// after the attn dialect (compiler/Transforms) share it without depending on
// the dialect.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_PARALLELLOOP_H
#define ATTN_IR_PARALLELLOOP_H

#include "llvm/ADT/StringRef.h"

namespace mlir::attn {

/// The unit attribute on an scf.for whose iterations are independent and
/// worth running on all cores, put there by the schedules (attn-tile-queries,
/// attn-tile-and-vectorize); attn-parallelize turns such loops into
/// scf.parallel once the code is on memrefs.
inline constexpr llvm::StringLiteral kParallelLoopAttr = "attn.parallel";

} // namespace mlir::attn

#endif // ATTN_IR_PARALLELLOOP_H
