//===- AttnOps.td - attn dialect operations --------------------------------===//
//
// The operations a transformer description is built from (the Llama family's
// and the GPT-2 / original Transformer variants: LayerNorm, GELU, ReLU, biases,
// learned and sinusoidal positions, both RoPE pair layouts), and the four ops
// `attn.attention` is decomposed into (scores, mask, softmax, weighted_sum) so
// that each step of attention is visible, verified and tested on its own.
// Shapes: T tokens, D model width, H heads, KVH kv heads, HD head width, N keys
// (the cache length), L layers, S context length.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "dialects/attn/IR/AttnDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def F32Tensor1D : 1DTensorOf<[F32]>;
def F32Tensor2D : 2DTensorOf<[F32]>;
def F32Tensor3D : 3DTensorOf<[F32]>;
def F32Cache : MemRefRankOf<[F32], [4]>;
// A weight as stored in the blob: f32, or bf16 / f16 widened to f32 where it
// is read, or the bytes of a Q8_0 or Q4_0 matrix (with its f32 scales, one
// per 32 values along a row, in a second operand; the consumer's `quant`
// attribute says which format the bytes are in).
def WeightTensor : RankedTensorOf<[F32, BF16, F16, I8]>;
def WeightTensor3D : 3DTensorOf<[F32, BF16, F16, I8]>;
def ScalesTensor : RankedTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Weights and activations
//===----------------------------------------------------------------------===//

def Attn_WeightOp : Attn_Op<"weight", [Pure]> {
  let summary = "a named tensor stored in the flat weight blob";
  let description = [{
    The tensor of static shape `type($result)` that starts `offset` bytes
    into the byte blob `blob`, stored in its own element type (f32, bf16,
    f16, or i8 for the bytes of a Q8_0 or Q4_0 matrix, whose f32 scales are
    a weight of their own). The offset is a multiple of the element size, so every element is
    naturally aligned; the weight layout starts each tensor on a 64-byte line.
    Linear weights are stored packed in blocks of B output rows,
    `(out / B, in, B)`, so that a block streams contiguously.

    A per-layer tensor read inside the loop over layers takes the layer
    index: it then starts `offset + layer_index * layer_stride` bytes into
    the blob (`layer_stride` in bytes, a multiple of the element size), the weight layout
    placing layer l's copy of each per-layer tensor at a constant stride.
  }];
  let arguments = (ins 1DTensorOf<[I8]>:$blob, StrAttr:$name, I64Attr:$offset,
                       Optional<Index>:$layer_index, OptionalAttr<I64Attr>:$layer_stride);
  let results = (outs WeightTensor:$result);
  let assemblyFormat = [{
    $name `at` $offset (`+` $layer_index^ `*` $layer_stride)? `in` $blob attr-dict `:` type($blob) `->` type($result)
  }];
  let builders = [
    // A tensor at a static offset (no layer index).
    OpBuilder<(ins "Type":$result, "Value":$blob, "StringAttr":$name, "IntegerAttr":$offset), [{
      build($_builder, $_state, result, blob, name, offset, /*layer_index=*/Value(),
            /*layer_stride=*/IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_EmbeddingOp : Attn_Op<"embedding", [Pure]> {
  let summary = "rows of an embedding table, one per token";
  let description = [{
    `result[t, :] = table[tokens[t], :]`. The table is `(V, D)` or packed
    `(V / B, D, B)` (then row v is `table[v / B, :, v % B]`), which lets a tied
    classifier and the embedding share one copy. A bf16 or f16 table is
    widened to f32 as it is read. An i8 table is quantized and takes its
    `scales`, one per 32 values along a row, `(V, D / 32)` or packed
    `(V / B, D / 32, B)`. With `quant` q8_0 (the default) the table holds
    one int8 per value: `result[t, d] = table[v, d] * scales[v, d / 32]`
    (packed indexing alike). With `quant` q4_0 it holds two 4-bit codes a
    byte, `(V, D / 2)` or packed `(V / B, D / 2, B)`: value d of row v is
    code `(table[v, 16 (d / 32) + d % 16] >> (4 ((d % 32) / 16))) & 15`
    (the low nibble for d % 32 < 16), and
    `result[t, d] = (code - 8) * scales[v, d / 32]`.
  }];
  let arguments = (ins WeightTensor:$table, 1DTensorOf<[I32]>:$tokens,
                       Optional<ScalesTensor>:$scales,
                       DefaultValuedAttr<Attn_QuantFormatAttr,
                                         "::mlir::attn::QuantFormat::q8_0">:$quant);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = [{
    $table `[` $tokens `]` (`scales` $scales^)? attr-dict `:` type($table) `,` type($tokens) (`,` type($scales)^)? `->` type($result)
  }];
  let builders = [
    // A table in a float type (no scales).
    OpBuilder<(ins "Type":$result, "Value":$table, "Value":$tokens), [{
      build($_builder, $_state, result, table, tokens, /*scales=*/Value(),
            ::mlir::attn::QuantFormat::q8_0);
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_RmsNormOp : Attn_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalisation of each row";
  let description = [{
    `result[t, :] = input[t, :] * weight / sqrt(mean(input[t, :]^2) + epsilon)`.
  }];
  let arguments = (ins F32Tensor2D:$input, F32Tensor1D:$weight, F32Attr:$epsilon);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` type($input) `,` type($weight)";
  let hasVerifier = 1;
}

def Attn_LinearOp : Attn_Op<"linear", [Pure]> {
  let summary = "x times the transpose of a packed weight matrix";
  let description = [{
    `result[t, nb * B + j] = sum_k input[t, k] * weight[nb, k, j]`, where
    `weight` is the `(out, in)` matrix packed as `(out / B, in, B)`. A bf16
    or f16 weight is widened to f32 in registers; products and sums are f32.

    An i8 weight is quantized and takes `scales`, `(out / B, in / 32, B)`
    f32, one per 32 values along k (in a multiple of 32); it is dequantized
    in registers. With `quant` q8_0 (the default) the weight is one int8 per
    value, `(out / B, in, B)`, and stands for
    `weight[nb, k, j] * scales[nb, k / 32, j]`. With `quant` q4_0 it holds
    two 4-bit codes a byte, `(out / B, in / 2, B)`: byte
    `weight[nb, 16 kb + i, j]` (i < 16) holds the code of k = 32 kb + i in
    its low nibble and that of k = 32 kb + 16 + i in its high nibble, and a
    code q stands for `(q - 8) * scales[nb, kb, j]`.

    With `input_quant` q8_0 (a q8_0 weight only) the input is quantized
    too, as llama.cpp quantizes activations for its integer dot products:
    each 32-value block of a row to int8 codes
    `c = round_even(x / d)` with the block's scale `d = max|x| / 127`
    (f32 arithmetic; a block of zeros has d = 0 and codes 0), and
    `result[t, nb * B + j] = sum_kb (sum_kk c * weight) * (d * scales)`:
    integer products, summed exactly per block, then scaled.
  }];
  let arguments = (ins F32Tensor2D:$input, WeightTensor3D:$weight,
                       Optional<F32Tensor3D>:$scales,
                       DefaultValuedAttr<Attn_QuantFormatAttr,
                                         "::mlir::attn::QuantFormat::q8_0">:$quant,
                       OptionalAttr<Attn_QuantFormatAttr>:$input_quant);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight (`scales` $scales^)? attr-dict `:` type($input) `,` type($weight) (`,` type($scales)^)? `->` type($result)
  }];
  let builders = [
    // A float weight (no scales).
    OpBuilder<(ins "Type":$result, "Value":$input, "Value":$weight), [{
      build($_builder, $_state, result, input, weight, /*scales=*/Value(),
            ::mlir::attn::QuantFormat::q8_0, /*input_quant=*/nullptr);
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_RopeOp : Attn_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of (T, heads, head_dim)";
  let description = [{
    Rotates pair i (0 <= i < head_dim / 2) of every head of token t by the
    angle `(position + t) * theta^(-2i / head_dim)`: `position` is the
    absolute position of the first token (the KV-cache offset). `pairs` says
    which two lanes form pair i: `adjacent` (the default) `(x[2i], x[2i+1])`
    as Meta's checkpoints, llama2.c and GGUF lay heads out; `halves`
    `(x[i], x[i + head_dim / 2])` as Hugging Face and GPT-NeoX do
    ("rotate half"). The first lane of a pair becomes `a cos - b sin`, the
    second `a sin + b cos`.
  }];
  let arguments = (ins F32Tensor3D:$input, Index:$position, F32Attr:$theta,
                       DefaultValuedAttr<Attn_RopePairsAttr,
                                         "::mlir::attn::RopePairs::adjacent">:$pairs);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = "$input `,` $position attr-dict `:` type($input)";
  let builders = [
    // The adjacent layout, as before `pairs` existed (the attribute-typed
    // builder ODS generates has no default for it).
    OpBuilder<(ins "Type":$result, "Value":$input, "Value":$position, "FloatAttr":$theta), [{
      build($_builder, $_state, result, input, position, theta,
            RopePairsAttr::get($_builder.getContext(), RopePairs::adjacent));
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_SwigluOp : Attn_Op<"swiglu", [Pure, AllTypesMatch<["gate", "up", "result"]>]> {
  let summary = "silu(gate) * up";
  let arguments = (ins F32Tensor2D:$gate, F32Tensor2D:$up);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def Attn_AddOp : Attn_Op<"add", [Pure, AllTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "elementwise sum (the residual connection)";
  let arguments = (ins F32Tensor2D:$lhs, F32Tensor2D:$rhs);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Attn_LayerNormOp : Attn_Op<"layer_norm", [Pure, AllTypesMatch<["input", "result"]>,
                                                AllTypesMatch<["weight", "bias"]>]> {
  let summary = "layer normalisation of each row, with weight and bias";
  let description = [{
    `result[t, :] = (input[t, :] - mean) / sqrt(var + epsilon) * weight + bias`,
    with the mean and the biased variance (divided by the row width) of row t,
    in f32.
  }];
  let arguments = (ins F32Tensor2D:$input, F32Tensor1D:$weight, F32Tensor1D:$bias,
                       F32Attr:$epsilon);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Attn_GeluOp : Attn_Op<"gelu", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "GELU activation, exact or with the tanh approximation";
  let description = [{
    `none`: `0.5 x (1 + erf(x / sqrt(2)))`; `tanh`:
    `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))` (GPT-2's `gelu_new`).
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       Attn_GeluApproximationAttr:$approximation);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Attn_ReluOp : Attn_Op<"relu", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "max(x, 0) elementwise";
  let arguments = (ins RankedTensorOf<[F32]>:$input);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Attn_BiasAddOp : Attn_Op<"bias_add", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "a bias vector added to every row";
  let description = [{
    `result[t, d] = input[t, d] + bias[d]`: the bias of a linear layer.
  }];
  let arguments = (ins F32Tensor2D:$input, F32Tensor1D:$bias);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = "$input `,` $bias attr-dict `:` type($input) `,` type($bias)";
  let hasVerifier = 1;
}

def Attn_LearnedPositionsOp
    : Attn_Op<"learned_positions", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "add rows of a learned position-embedding table";
  let description = [{
    `result[t, :] = input[t, :] + table[position + t, :]`: `position` is the
    absolute position of the first token (the KV-cache offset) and the table
    is `(context, D)`. The caller keeps `position + T` within the table (the
    runtime bounds positions by the context length).
  }];
  let arguments = (ins F32Tensor2D:$input, F32Tensor2D:$table, Index:$position);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $table `,` $position attr-dict `:` type($input) `,` type($table)
  }];
  let hasVerifier = 1;
}

def Attn_SinusoidalPositionsOp
    : Attn_Op<"sinusoidal_positions", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "add the fixed sinusoidal position encoding";
  let description = [{
    `result[t, :] = input[t, :] + PE(position + t)` with, for the row width D,
    `PE[p, 2i] = sin(p * base^(-2i / D))` and `PE[p, 2i + 1] = cos(p * base^(-2i / D))`
    (the original Transformer's encoding with `base` = 10000, no sqrt(D)
    scaling of the input).
  }];
  let arguments = (ins F32Tensor2D:$input, Index:$position, F32Attr:$base);
  let results = (outs F32Tensor2D:$result);
  let assemblyFormat = "$input `,` $position attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

def Attn_CacheWriteOp : Attn_Op<"cache_write"> {
  let summary = "store the keys or values of T tokens in the cache";
  let description = [{
    `cache[layer, h, position + t, :] = value[t, h, :]` for every token t and
    kv head h. The layer is either static (`layer`, `[2]`) or the dynamic
    `layer_index` of the loop over layers (`[%l]`): exactly one is given.
  }];
  let arguments = (ins F32Tensor3D:$value,
                       Arg<F32Cache, "the cache", [MemWrite]>:$cache,
                       Index:$position, Optional<Index>:$layer_index,
                       OptionalAttr<I64Attr>:$layer);
  let assemblyFormat = [{
    $value `into` $cache `[` custom<CacheLayer>($layer_index, $layer) `]` `at` $position attr-dict `:` type($value) `,` type($cache)
  }];
  let builders = [
    // A static layer.
    OpBuilder<(ins "Value":$value, "Value":$cache, "Value":$position, "int64_t":$layer), [{
      build($_builder, $_state, value, cache, position, /*layer_index=*/Value(),
            $_builder.getI64IntegerAttr(layer));
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_CacheReadOp : Attn_Op<"cache_read"> {
  let summary = "the first `length` positions of one layer of the cache";
  let description = [{
    `result[h, n, :] = cache[layer, h, n, :]` for n < length: shape
    (kv_heads, length, head_dim). The layer is static (`layer`) or dynamic
    (`layer_index`), as for cache_write.
  }];
  let arguments = (ins Arg<F32Cache, "the cache", [MemRead]>:$cache,
                       Index:$length, Optional<Index>:$layer_index,
                       OptionalAttr<I64Attr>:$layer);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = [{
    $cache `[` custom<CacheLayer>($layer_index, $layer) `]` `len` $length attr-dict `:` type($cache) `->` type($result)
  }];
  let builders = [
    // A static layer.
    OpBuilder<(ins "Type":$result, "Value":$cache, "Value":$length, "int64_t":$layer), [{
      build($_builder, $_state, result, cache, length, /*layer_index=*/Value(),
            $_builder.getI64IntegerAttr(layer));
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention and its decomposition
//===----------------------------------------------------------------------===//

def Attn_AttentionOp : Attn_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention with grouped KV heads";
  let description = [{
    For query (T, heads, HD) and keys/values (kv_heads, N, HD): query head h
    reads kv head h / (heads / kv_heads); query t sits at absolute position
    `position + t`, key n at position n; `mask` says which keys it may see;
    scores are `q . k * scale`, normalised by a softmax over the keys.
    Result: (T, heads, HD).
  }];
  let arguments = (ins F32Tensor3D:$query, F32Tensor3D:$key, F32Tensor3D:$value,
                       Index:$position, I64Attr:$heads, I64Attr:$kv_heads,
                       F32Attr:$scale, Attn_MaskKindAttr:$mask,
                       DefaultValuedAttr<I64Attr, "0">:$window);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $position attr-dict `:` type($query) `,` type($key) `,` type($value) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_ScoresOp : Attn_Op<"scores", [Pure]> {
  let summary = "scaled query-key dot products";
  let description = [{
    `result[h, t, n] = scale * sum_d query[t, h, d] * key[h / (heads / kv_heads), n, d]`:
    (heads, T, N). The scale is applied here and nowhere else.
  }];
  let arguments = (ins F32Tensor3D:$query, F32Tensor3D:$key, I64Attr:$heads,
                       I64Attr:$kv_heads, F32Attr:$scale);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = [{
    $query `,` $key attr-dict `:` type($query) `,` type($key) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_MaskOp : Attn_Op<"mask", [Pure, AllTypesMatch<["scores", "result"]>]> {
  let summary = "set the scores of keys a query may not see to -inf";
  let description = [{
    On scores (heads, T, N): query t is at absolute position `position + t`
    and key n at n. Hidden entries become -inf (not a large negative number,
    which would round away in narrow float types and still take weight).
  }];
  let arguments = (ins F32Tensor3D:$scores, Index:$position,
                       Attn_MaskKindAttr:$mask, DefaultValuedAttr<I64Attr, "0">:$window);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = "$scores `,` $position attr-dict `:` type($scores)";
  let hasVerifier = 1;
}

def Attn_SoftmaxOp : Attn_Op<"softmax", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "max-subtracted softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis`. A slice that is all -inf
    (every key hidden) gives zeros, not NaN.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, I64Attr:$axis);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Attn_WeightedSumOp : Attn_Op<"weighted_sum", [Pure]> {
  let summary = "attention probabilities times values";
  let description = [{
    `result[t, h, d] = sum_n probs[h, t, n] * value[h / (heads / kv_heads), n, d]`:
    (T, heads, HD).
  }];
  let arguments = (ins F32Tensor3D:$probs, F32Tensor3D:$value, I64Attr:$heads,
                       I64Attr:$kv_heads);
  let results = (outs F32Tensor3D:$result);
  let assemblyFormat = [{
    $probs `,` $value attr-dict `:` type($probs) `,` type($value) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Tracing (attnc verify, --attention-out)
//===----------------------------------------------------------------------===//

def Attn_DotI8Op : Attn_Op<"dot_i8", [Pure, AllTypesMatch<["acc", "result"]>,
                                       AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "lane-wise dot products of 4 unsigned by 4 signed bytes";
  let description = [{
    A vector-level op of the integer linear's kernel (emitted by
    attn-tile-and-vectorize, lowered by attn-lower-vector-ops):
    `result[i] = acc[i] + sum_{k < 4} zext(lhs[4i + k]) * sext(rhs[4i + k])`
    in i32 (wrapping), for N lanes and 4N bytes. With AVX-512 VNNI and 16
    lanes it is one `vpdpbusd`; otherwise it is lowered to widening
    multiplies and adds.
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = "$acc `,` $lhs `,` $rhs attr-dict `:` type($lhs) `into` type($acc)";
  let hasVerifier = 1;
}

def Attn_TraceOp : Attn_Op<"trace"> {
  let summary = "copy an intermediate value into the trace buffer";
  let description = [{
    `buffer[offset + i] = value[i]` for every element of `value`, in
    row-major order. Only `attn_trace`, the prefill variant that
    `attnc compile --trace` adds for `attnc verify` and the executable's
    `--attention-out`, has these; `point` names what is recorded (its layout
    is in runtime/include/attnrt/abi.h).
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$value,
                       Arg<MemRefRankOf<[F32], [1]>, "the trace buffer", [MemWrite]>:$buffer,
                       Index:$offset, StrAttr:$point);
  let assemblyFormat = [{
    $point $value `into` $buffer `[` $offset `]` attr-dict `:` type($value) `,` type($buffer)
  }];
}

#endif // ATTN_OPS_TD
