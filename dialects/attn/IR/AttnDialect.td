//===- AttnDialect.td - The attn dialect and its base op class ------------===//
//
// `attn` describes a transformer at the level of its description file:
// embedding lookup, norms, linear layers with packed weights, rotary
// positions, attention with an explicit mask kind and cache offset, KV-cache
// reads and writes. Ops carry their semantics as attributes (heads, kv_heads,
// scale, mask kind, softmax axis) so that verifiers can reject what cannot be
// right and lowerings never rely on conventions.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DIALECT_TD
#define ATTN_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Transformer language-model operations";
  let description = [{
    Operations at the level of a transformer description: weights come from a
    flat, packed weight blob; activations are `(tokens, features)` tensors;
    the KV cache is a pair of `(layers, kv_heads, context, head_dim)` memrefs.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

// Every shaped operand and result of an attn op has an element count and a
// byte size that fit in int64 (the lowering and the runtime compute both in
// int64; a wrapped size would pass every later check and corrupt memory).
// Verified before each op's own verifier, which may then multiply dims freely.
def Attn_SizesFitInt64 : NativeOpTrait<"SizesFitInt64"> {
  let cppNamespace = "::mlir::attn";
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, !listconcat([Attn_SizesFitInt64], traits)>;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def Attn_MaskKind : I32EnumAttr<"MaskKind", "which keys a query may attend to", [
    I32EnumAttrCase<"none", 0>,           // every key
    I32EnumAttrCase<"causal", 1>,         // key position <= query position
    I32EnumAttrCase<"sliding_window", 2>  // query - window < key <= query
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_MaskKindAttr : EnumAttr<Attn_Dialect, Attn_MaskKind, "mask"> {
  // The ops take the mask in their attribute dictionary, where EnumAttr's
  // default "$value" format would print `#attn.mask causal`, which does not
  // parse back: use the bracketed `#attn.mask<causal>`.
  let assemblyFormat = "`<` $value `>`";
}

def Attn_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how attn.gelu computes the Gaussian CDF", [
    I32EnumAttrCase<"none", 0>,  // 0.5 x (1 + erf(x / sqrt 2)), exact
    I32EnumAttrCase<"tanh", 1>   // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_GeluApproximationAttr
    : EnumAttr<Attn_Dialect, Attn_GeluApproximation, "gelu"> {
  let assemblyFormat = "`<` $value `>`";
}

def Attn_RopePairs : I32EnumAttr<"RopePairs", "which lanes of a head attn.rope rotates together", [
    I32EnumAttrCase<"adjacent", 0>,  // (x[2i], x[2i+1]): Meta, llama2.c, GGUF
    I32EnumAttrCase<"halves", 1>     // (x[i], x[i + HD/2]): Hugging Face, GPT-NeoX
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_RopePairsAttr : EnumAttr<Attn_Dialect, Attn_RopePairs, "rope_pairs"> {
  let assemblyFormat = "`<` $value `>`";
}

def Attn_QuantFormat : I32EnumAttr<"QuantFormat",
    "how the i8 weight of attn.linear / attn.embedding holds its values", [
    I32EnumAttrCase<"q8_0", 0>,  // one int8 q per weight, weight = q * scale
    I32EnumAttrCase<"q4_0", 1>   // two 4-bit codes a byte, weight = (q - 8) * scale
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_QuantFormatAttr : EnumAttr<Attn_Dialect, Attn_QuantFormat, "quant"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // ATTN_DIALECT_TD
