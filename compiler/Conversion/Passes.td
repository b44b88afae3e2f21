//===- Passes.td - Conversions out of the attn dialect --------------------===//
//
// Each conversion is a public populate...Patterns function plus a thin pass.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_PASSES_TD
#define ATTNC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalgPass : Pass<"convert-attn-to-linalg", "ModuleOp"> {
  let summary = "Lower attn ops to linalg, tensor, arith, math and bufferization ops";
  let description = [{
    Every attn op becomes linalg on tensors: weights are slices of the blob,
    the KV cache is read through `bufferization.to_tensor` of a subview and
    written with `bufferization.materialize_in_destination`. Runs after
    `attn-decompose-attention`: `attn.attention` itself is not converted.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // ATTNC_CONVERSION_PASSES_TD
