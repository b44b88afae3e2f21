//===- ModelBuilder.h - ModelSpec to attn IR --------------------*- C++ -*-===//
//
// Builds the `attn` module of a model (the Toy tutorial's "MLIRGen" step): two
// functions from the same layer code, `attn_prefill` for any number of
// tokens and `attn_decode` for exactly one, with the signature
// runtime/include/attnrt/abi.h documents.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BUILDER_MODELBUILDER_H
#define ATTNC_BUILDER_MODELBUILDER_H

#include "compiler/Builder/WeightLayout.h"
#include "compiler/Frontend/ModelSpec.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace attnc {

/// Tokens one `attn_prefill` call handles at most (the runtime chunks longer
/// prompts); it bounds the prefill logits buffer.
constexpr int64_t kPrefillChunk = 64;

/// The attn-dialect module of `spec` whose weights live where `layout` says;
/// with `trace`, it also has `attn_trace` (abi.h), the prefill that records
/// hidden states and attention weights for attnc verify and --attention-out.
/// With `int8Activations`, every linear layer with a q8_0 weight quantizes
/// its input too (attn.linear's `input_quant`) and multiplies in integers.
mlir::OwningOpRef<mlir::ModuleOp> buildModelModule(mlir::MLIRContext &context,
                                                   const ModelSpec &spec,
                                                   const WeightLayout &layout,
                                                   bool trace = false,
                                                   bool int8Activations = false);

} // namespace attnc

#endif // ATTNC_BUILDER_MODELBUILDER_H
