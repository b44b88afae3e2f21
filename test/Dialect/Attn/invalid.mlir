// RUN: attnc-opt %s --split-input-file --verify-diagnostics

// One case per verifier message of the attn ops (AttnOps.cpp) and per ODS type
// constraint that guards an assumption of the lowering (f32 elements, ranks,
// i32 token ids, a rank-4 cache).

//===----------------------------------------------------------------------===//
// weight
//===----------------------------------------------------------------------===//

// Tests that weight rejects a dynamic result shape (its size is the view length).
func.func @weight_dynamic(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op expects a static result shape, got 'tensor<?x64xf32>'}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?xi8> -> tensor<?x64xf32>
  return
}

// -----

// Tests that weight rejects a negative offset.
func.func @weight_negative_offset(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op expects a non-negative offset, got -4}}
  %0 = attn.weight "w" at -4 in %blob : tensor<?xi8> -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects a byte offset that would misalign its elements.
func.func @weight_misaligned(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op expects a byte offset that is a multiple of the 2-byte element size of 'bf16', got 3}}
  %0 = attn.weight "w" at 3 in %blob : tensor<?xi8> -> tensor<64xbf16>
  return
}

// -----

// Tests that weight rejects a read past the end of a static blob (sizes in bytes).
func.func @weight_past_end(%blob: tensor<400xi8>) {
  // expected-error @+1 {{'attn.weight' op reads bytes [160, 416) of a blob of 400}}
  %0 = attn.weight "w" at 160 in %blob : tensor<400xi8> -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects an offset plus size past the largest int64 index
// (the end would wrap negative and pass the bounds check).
func.func @weight_offset_overflow(%blob: tensor<100xi8>) {
  // expected-error @+1 {{'attn.weight' op reads 256 bytes at offset 9223372036854775800, past the largest int64 index}}
  %0 = attn.weight "w" at 9223372036854775800 in %blob : tensor<100xi8> -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects a result whose element count overflows int64
// (the count would wrap to 0 and fit in any blob).
func.func @weight_count_overflow(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op result #0 of type 'tensor<4611686018427387904x4xf32>' has an element count that overflows int64}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?xi8> -> tensor<4611686018427387904x4xf32>
  return
}

// -----

// Tests that weight rejects a result whose size in bytes overflows int64
// (the element count fits).
func.func @weight_bytes_overflow(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op result #0 of type 'tensor<1152921504606846976x4xf32>' has a size in bytes that overflows int64}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?xi8> -> tensor<1152921504606846976x4xf32>
  return
}

// -----

// Tests that weight takes only a 1-D byte blob (ODS).
func.func @weight_blob_rank(%blob: tensor<?x4xi8>) {
  // expected-error @+1 {{'attn.weight' op operand #0 must be 1D tensor of 8-bit signless integer values}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?x4xi8> -> tensor<64xf32>
  return
}

// -----

// Tests that weight takes a byte blob, not a float one (ODS).
func.func @weight_blob_float(%blob: tensor<?xf32>) {
  // expected-error @+1 {{'attn.weight' op operand #0 must be 1D tensor of 8-bit signless integer values}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?xf32> -> tensor<64xf32>
  return
}

// -----

// Tests that weight produces only the element types a weight is stored in (ODS).
func.func @weight_element_type(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op result #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float or 8-bit signless integer values}}
  %0 = attn.weight "w" at 0 in %blob : tensor<?xi8> -> tensor<64xf64>
  return
}

// -----

// Tests that weight rejects a zero layer_stride (every layer would read
// layer 0's tensor).
func.func @weight_zero_layer_stride(%blob: tensor<?xi8>, %l: index) {
  // expected-error @+1 {{'attn.weight' op expects a positive layer_stride, got 0}}
  %0 = attn.weight "w" at 0 + %l * 0 in %blob : tensor<?xi8> -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects a layer index without a layer_stride (only the
// generic form can say that).
func.func @weight_index_without_stride(%blob: tensor<?xi8>, %l: index) {
  // expected-error @+1 {{'attn.weight' op expects a layer index and a layer_stride together}}
  %0 = "attn.weight"(%blob, %l) <{name = "w", offset = 0 : i64}> : (tensor<?xi8>, index) -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects a layer_stride without a layer index.
func.func @weight_stride_without_index(%blob: tensor<?xi8>) {
  // expected-error @+1 {{'attn.weight' op expects a layer index and a layer_stride together}}
  %0 = "attn.weight"(%blob) <{name = "w", offset = 0 : i64, layer_stride = 64 : i64}> : (tensor<?xi8>) -> tensor<64xf32>
  return
}

// -----

// Tests that weight rejects a layer_stride that would misalign a bf16
// tensor of a later layer.
func.func @weight_odd_layer_stride(%blob: tensor<?xi8>, %l: index) {
  // expected-error @+1 {{'attn.weight' op expects a layer_stride that is a multiple of the 2-byte element size of 'bf16', got 65}}
  %0 = attn.weight "w" at 0 + %l * 65 in %blob : tensor<?xi8> -> tensor<64xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

// Tests that embedding rejects a table that is neither (V, D) nor (V / B, D, B).
func.func @embedding_table_rank(%table: tensor<512xf32>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects a (vocab, dim) or packed (vocab / B, dim, B) table, got 'tensor<512xf32>'}}
  %0 = attn.embedding %table[%tokens] : tensor<512xf32>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that embedding rejects a result row width different from the table's.
func.func @embedding_width(%table: tensor<32x64x16xf32>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects result dimension 1 (the embedding width) to be 64, got 32}}
  %0 = attn.embedding %table[%tokens] : tensor<32x64x16xf32>, tensor<1xi32> -> tensor<1x32xf32>
  return
}

// -----

// Tests that embedding rejects a result with a row count other than the token count.
func.func @embedding_rows(%table: tensor<512x64xf32>, %tokens: tensor<3xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects result dimension 0 (one row per token) to be 3, got 2}}
  %0 = attn.embedding %table[%tokens] : tensor<512x64xf32>, tensor<3xi32> -> tensor<2x64xf32>
  return
}

// -----

// Tests that embedding rejects a packed table with a zero-sized block B (row
// v is table[v / B, :, v % B]).
func.func @embedding_zero_block(%table: tensor<32x64x0xf32>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects a positive packing block B (table dimension 2), got 0}}
  %0 = attn.embedding %table[%tokens] : tensor<32x64x0xf32>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that embedding takes a table in a weight type only, f32, bf16, f16 or i8 (ODS).
func.func @embedding_table_type(%table: tensor<512x64xf64>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float or 8-bit signless integer values}}
  %0 = attn.embedding %table[%tokens] : tensor<512x64xf64>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that an i8 (q8_0) table needs its scales.
func.func @embedding_q8_no_scales(%table: tensor<512x64xi8>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects scales with an i8 (q8_0) weight}}
  %0 = attn.embedding %table[%tokens] : tensor<512x64xi8>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a float table takes no scales.
func.func @embedding_f32_scales(%table: tensor<512x64xf32>, %tokens: tensor<1xi32>, %s: tensor<512x2xf32>) {
  // expected-error @+1 {{'attn.embedding' op takes scales only with an i8 (q8_0 or q4_0) weight, got 'f32'}}
  %0 = attn.embedding %table[%tokens] scales %s : tensor<512x64xf32>, tensor<1xi32>, tensor<512x2xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that the scales of a packed q8_0 table have its rank.
func.func @embedding_q8_scales_rank(%table: tensor<32x64x16xi8>, %tokens: tensor<1xi32>, %s: tensor<512x2xf32>) {
  // expected-error @+1 {{'attn.embedding' op expects scales of rank 3, got 'tensor<512x2xf32>'}}
  %0 = attn.embedding %table[%tokens] scales %s : tensor<32x64x16xi8>, tensor<1xi32>, tensor<512x2xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q8_0 table has one scale per 32 values of a row.
func.func @embedding_q8_scales_blocks(%table: tensor<512x64xi8>, %tokens: tensor<1xi32>, %s: tensor<512x4xf32>) {
  // expected-error @+1 {{'attn.embedding' op expects scales dimension 1 (one scale per 32 values) to be 2, got 4}}
  %0 = attn.embedding %table[%tokens] scales %s : tensor<512x64xi8>, tensor<1xi32>, tensor<512x4xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 table holds two values a byte: a (512, 32) table of
// bytes is 64 wide.
func.func @embedding_q4_width(%table: tensor<512x32xi8>, %tokens: tensor<1xi32>, %s: tensor<512x2xf32>) {
  // expected-error @+1 {{'attn.embedding' op expects result dimension 1 (the embedding width) to be 64, got 32}}
  %0 = attn.embedding %table[%tokens] scales %s {quant = #attn.quant<q4_0>} : tensor<512x32xi8>, tensor<1xi32>, tensor<512x2xf32> -> tensor<1x32xf32>
  return
}

// -----

// Tests that a q4_0 table needs its scales.
func.func @embedding_q4_no_scales(%table: tensor<512x32xi8>, %tokens: tensor<1xi32>) {
  // expected-error @+1 {{'attn.embedding' op expects scales with an i8 (q4_0) weight}}
  %0 = attn.embedding %table[%tokens] {quant = #attn.quant<q4_0>} : tensor<512x32xi8>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 table has one scale per 32 values of a row (64 values:
// 2 scales, not one per 32 bytes).
func.func @embedding_q4_scales_blocks(%table: tensor<32x32x16xi8>, %tokens: tensor<1xi32>, %s: tensor<32x1x16xf32>) {
  // expected-error @+1 {{'attn.embedding' op expects scales dimension 1 (one scale per 32 values) to be 2, got 1}}
  %0 = attn.embedding %table[%tokens] scales %s {quant = #attn.quant<q4_0>} : tensor<32x32x16xi8>, tensor<1xi32>, tensor<32x1x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that embedding takes i32 token ids (ODS).
func.func @embedding_token_type(%table: tensor<512x64xf32>, %tokens: tensor<1xi64>) {
  // expected-error @+1 {{'attn.embedding' op operand #1 must be 1D tensor of 32-bit signless integer values}}
  %0 = attn.embedding %table[%tokens] : tensor<512x64xf32>, tensor<1xi64> -> tensor<1x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// rms_norm, linear, rope, swiglu, add
//===----------------------------------------------------------------------===//

// Tests that rms_norm rejects a zero epsilon (1 / sqrt(0) on a zero row).
func.func @rms_norm_epsilon(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.rms_norm' op expects a positive finite epsilon}}
  %0 = attn.rms_norm %x, %w {epsilon = 0.0 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that rms_norm rejects a NaN epsilon.
func.func @rms_norm_epsilon_nan(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.rms_norm' op expects a positive finite epsilon}}
  %0 = attn.rms_norm %x, %w {epsilon = 0x7FC00000 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that rms_norm rejects an infinite epsilon.
func.func @rms_norm_epsilon_inf(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.rms_norm' op expects a positive finite epsilon}}
  %0 = attn.rms_norm %x, %w {epsilon = 0x7F800000 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that rms_norm rejects a weight that does not match the row width.
func.func @rms_norm_weight(%x: tensor<1x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'attn.rms_norm' op expects weight dimension 0 (the row width) to be 64, got 32}}
  %0 = attn.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<32xf32>
  return
}

// -----

// Tests that rms_norm's result has the input's type (ODS AllTypesMatch).
func.func @rms_norm_result(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.rms_norm' op failed to verify that all of {input, result} have same type}}
  %0 = "attn.rms_norm"(%x, %w) {epsilon = 1.0e-05 : f32} : (tensor<1x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// Tests that linear takes a weight in a weight type only, f32, bf16, f16 or i8 (ODS).
func.func @linear_weight_type(%x: tensor<1x64xf32>, %w: tensor<4x64x16xf64>) {
  // expected-error @+1 {{'attn.linear' op operand #1 must be 3D tensor of 32-bit float or bfloat16 type or 16-bit float or 8-bit signless integer values}}
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<4x64x16xf64> -> tensor<1x64xf32>
  return
}

// -----

// Tests that an i8 (q8_0) weight needs its scales.
func.func @linear_q8_no_scales(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>) {
  // expected-error @+1 {{'attn.linear' op expects scales with an i8 (q8_0) weight}}
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<4x64x16xi8> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a bf16 weight takes no scales.
func.func @linear_bf16_scales(%x: tensor<1x64xf32>, %w: tensor<4x64x16xbf16>, %s: tensor<4x2x16xf32>) {
  // expected-error @+1 {{'attn.linear' op takes scales only with an i8 (q8_0 or q4_0) weight, got 'bf16'}}
  %0 = attn.linear %x, %w scales %s : tensor<1x64xf32>, tensor<4x64x16xbf16>, tensor<4x2x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that only a q8_0 weight takes a quantized input (input_quant).
func.func @linear_input_quant_f32(%x: tensor<1x64xf32>, %w: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op quantizes its input (input_quant) but its weight is not q8_0}}
  %0 = attn.linear %x, %w {input_quant = #attn.quant<q8_0>} : tensor<1x64xf32>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that the input is quantized as q8_0 only.
func.func @linear_input_quant_q4(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>) {
  // expected-error @+1 {{'attn.linear' op quantizes its input as q4_0; only q8_0 is supported}}
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q4_0>} : tensor<1x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that dot_i8 takes 4 bytes a lane.
func.func @dot_i8_bytes(%acc: vector<16xi32>, %a: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{'attn.dot_i8' op has 32 bytes for 16 lanes; expected 4 bytes a lane}}
  %0 = attn.dot_i8 %acc, %a, %a : vector<32xi8> into vector<16xi32>
  return %0 : vector<16xi32>
}

// -----

// Tests that a q8_0 weight's rows are whole blocks of 32.
func.func @linear_q8_partial_block(%x: tensor<1x48xf32>, %w: tensor<4x48x16xi8>, %s: tensor<4x1x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects q8_0 rows of whole 32-value blocks, got 48 values (weight dimension 1)}}
  %0 = attn.linear %x, %w scales %s : tensor<1x48xf32>, tensor<4x48x16xi8>, tensor<4x1x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q8_0 weight has one scale per 32 values of a row.
func.func @linear_q8_scales_blocks(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects scales dimension 1 (one scale per 32 values) to be 2, got 64}}
  %0 = attn.linear %x, %w scales %s : tensor<1x64xf32>, tensor<4x64x16xi8>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that the scales are packed like the values (the weight's blocks and lanes).
func.func @linear_q8_scales_lanes(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x8xf32>) {
  // expected-error @+1 {{'attn.linear' op expects scales dimension 2 (the weight's) to be 16, got 8}}
  %0 = attn.linear %x, %w scales %s : tensor<1x64xf32>, tensor<4x64x16xi8>, tensor<4x2x8xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that the scales are f32 (ODS).
func.func @linear_q8_scales_type(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf16>) {
  // expected-error @+1 {{'attn.linear' op operand #2 must be 3D tensor of 32-bit float values}}
  %0 = attn.linear %x, %w scales %s : tensor<1x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf16> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 weight holds two values a byte: 64 in-features are 32
// bytes.
func.func @linear_q4_bytes(%x: tensor<1x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects weight dimension 1 (in-features, two 4-bit codes a byte) to be 32, got 64}}
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<1x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 weight's rows are whole blocks of 32 values (48 values
// in 24 bytes are not).
func.func @linear_q4_partial_block(%x: tensor<1x48xf32>, %w: tensor<4x24x16xi8>, %s: tensor<4x1x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects q4_0 rows of whole 32-value blocks, got 48 values (weight dimension 1)}}
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<1x48xf32>, tensor<4x24x16xi8>, tensor<4x1x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 weight needs its scales.
func.func @linear_q4_no_scales(%x: tensor<1x64xf32>, %w: tensor<4x32x16xi8>) {
  // expected-error @+1 {{'attn.linear' op expects scales with an i8 (q4_0) weight}}
  %0 = attn.linear %x, %w {quant = #attn.quant<q4_0>} : tensor<1x64xf32>, tensor<4x32x16xi8> -> tensor<1x64xf32>
  return
}

// -----

// Tests that quant = q4_0 needs an i8 weight (the bytes), not a float one.
func.func @linear_q4_f32(%x: tensor<1x64xf32>, %w: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op takes quant = q4_0 only with an i8 weight, got 'f32'}}
  %0 = attn.linear %x, %w {quant = #attn.quant<q4_0>} : tensor<1x64xf32>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that a q4_0 weight's scales are one per 32 values (2 for 64
// in-features), not one per 32 bytes.
func.func @linear_q4_scales_blocks(%x: tensor<1x128xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects scales dimension 1 (one scale per 32 values) to be 4, got 2}}
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<1x128xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that quant is a known format (the enum attribute).
func.func @linear_quant_unknown(%x: tensor<1x64xf32>, %w: tensor<4x32x16xi8>, %s: tensor<4x2x16xf32>) {
  // expected-error @+2 {{expected ::mlir::attn::QuantFormat to be one of: q8_0, q4_0}}
  // expected-error @+1 {{failed to parse Attn_QuantFormatAttr parameter 'value'}}
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q5_0>} : tensor<1x64xf32>, tensor<4x32x16xi8>, tensor<4x2x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that linear takes f32 activations even with a narrow weight (ODS).
func.func @linear_input_type(%x: tensor<1x64xbf16>, %w: tensor<4x64x16xbf16>) {
  // expected-error @+1 {{'attn.linear' op operand #0 must be 2D tensor of 32-bit float values}}
  %0 = attn.linear %x, %w : tensor<1x64xbf16>, tensor<4x64x16xbf16> -> tensor<1x64xf32>
  return
}

// -----

// Tests that linear rejects a weight whose in-features differ from the input's.
func.func @linear_in_features(%x: tensor<1x64xf32>, %w: tensor<4x32x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects weight dimension 1 (in-features) to be 64, got 32}}
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<4x32x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that linear rejects a result with a different token count.
func.func @linear_tokens(%x: tensor<2x64xf32>, %w: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects result dimension 0 (tokens) to be 2, got 1}}
  %0 = attn.linear %x, %w : tensor<2x64xf32>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that linear rejects out-features other than blocks x block rows.
func.func @linear_out_features(%x: tensor<1x64xf32>, %w: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects result dimension 1 (out-features = blocks x block rows) to be 64, got 60}}
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<4x64x16xf32> -> tensor<1x60xf32>
  return
}

// -----

// Tests that linear rejects blocks x block rows that overflow int64 (an empty
// weight, in-features 0, has no element count to overflow first).
func.func @linear_out_features_overflow(%x: tensor<1x0xf32>, %w: tensor<4611686018427387904x0x4xf32>) {
  // expected-error @+1 {{'attn.linear' op has out-features (4611686018427387904 blocks x 4 block rows) that overflow int64}}
  %0 = attn.linear %x, %w : tensor<1x0xf32>, tensor<4611686018427387904x0x4xf32> -> tensor<1x0xf32>
  return
}

// -----

// Tests that linear takes f32 only (ODS): the lowering builds f32 arithmetic.
func.func @linear_element_type(%x: tensor<1x64xf16>, %w: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'attn.linear' op operand #0 must be 2D tensor of 32-bit float values}}
  %0 = attn.linear %x, %w : tensor<1x64xf16>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  return
}

// -----

// Tests that rope rejects an odd head_dim (it rotates pairs).
func.func @rope_odd(%x: tensor<1x8x7xf32>, %pos: index) {
  // expected-error @+1 {{'attn.rope' op expects an even head_dim to rotate pairs, got 7}}
  %0 = attn.rope %x, %pos {theta = 10000.0 : f32} : tensor<1x8x7xf32>
  return
}

// -----

// Tests that rope rejects a non-positive theta.
func.func @rope_theta(%x: tensor<1x8x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.rope' op expects a positive finite theta}}
  %0 = attn.rope %x, %pos {theta = -1.0 : f32} : tensor<1x8x8xf32>
  return
}

// -----

// Tests that rope rejects a NaN theta.
func.func @rope_theta_nan(%x: tensor<1x8x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.rope' op expects a positive finite theta}}
  %0 = attn.rope %x, %pos {theta = 0x7FC00000 : f32} : tensor<1x8x8xf32>
  return
}

// -----

// Tests that rope rejects an infinite theta.
func.func @rope_theta_inf(%x: tensor<1x8x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.rope' op expects a positive finite theta}}
  %0 = attn.rope %x, %pos {theta = 0x7F800000 : f32} : tensor<1x8x8xf32>
  return
}

// -----

// Tests that rope takes (T, heads, head_dim) only (ODS).
func.func @rope_rank(%x: tensor<1x64xf32>, %pos: index) {
  // expected-error @+1 {{'attn.rope' op operand #0 must be 3D tensor of 32-bit float values}}
  %0 = attn.rope %x, %pos {theta = 10000.0 : f32} : tensor<1x64xf32>
  return
}

// -----

// Tests that swiglu's gate and up have one type (ODS AllTypesMatch).
func.func @swiglu_types(%g: tensor<1x192xf32>, %u: tensor<1x96xf32>) {
  // expected-error @+1 {{'attn.swiglu' op failed to verify that all of {gate, up, result} have same type}}
  %0 = "attn.swiglu"(%g, %u) : (tensor<1x192xf32>, tensor<1x96xf32>) -> tensor<1x192xf32>
  return
}

// -----

// Tests that add's operands have one type (ODS AllTypesMatch).
func.func @add_types(%a: tensor<1x64xf32>, %b: tensor<2x64xf32>) {
  // expected-error @+1 {{'attn.add' op failed to verify that all of {lhs, rhs, result} have same type}}
  %0 = "attn.add"(%a, %b) : (tensor<1x64xf32>, tensor<2x64xf32>) -> tensor<1x64xf32>
  return
}

// -----

// Tests that an operand whose size in bytes overflows int64 is rejected
// (2^62 f32 elements: the count fits, 4 bytes each do not), by the check
// every attn op shares.
func.func @add_bytes_overflow(%a: tensor<2305843009213693952x2xf32>) {
  // expected-error @+1 {{'attn.add' op operand #0 of type 'tensor<2305843009213693952x2xf32>' has a size in bytes that overflows int64}}
  %0 = attn.add %a, %a : tensor<2305843009213693952x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// rope pairs, layer_norm, gelu, relu, bias_add, learned and sinusoidal positions
//===----------------------------------------------------------------------===//

// Tests that rope's pair layout is one of the RopePairs cases.
func.func @rope_pairs_unknown(%x: tensor<1x8x8xf32>, %pos: index) {
  // expected-error @+2 {{expected ::mlir::attn::RopePairs to be one of: adjacent, halves}}
  // expected-error @+1 {{failed to parse Attn_RopePairsAttr parameter 'value'}}
  %0 = attn.rope %x, %pos {pairs = #attn.rope_pairs<quarters>, theta = 10000.0 : f32} : tensor<1x8x8xf32>
  return
}

// -----

// Tests that layer_norm rejects a weight that is not the row width.
func.func @layer_norm_weight(%x: tensor<1x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'attn.layer_norm' op expects weight dimension 0 (the row width) to be 64, got 32}}
  %0 = attn.layer_norm %x, %w, %w {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<32xf32>
  return
}

// -----

// Tests that layer_norm's bias has the weight's type (ODS AllTypesMatch).
func.func @layer_norm_bias(%x: tensor<1x64xf32>, %w: tensor<64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'attn.layer_norm' op failed to verify that all of {weight, bias} have same type}}
  %0 = "attn.layer_norm"(%x, %w, %b) {epsilon = 1.0e-05 : f32} : (tensor<1x64xf32>, tensor<64xf32>, tensor<32xf32>) -> tensor<1x64xf32>
  return
}

// -----

// Tests that layer_norm rejects a zero epsilon (1 / sqrt(0) on a constant row).
func.func @layer_norm_eps_zero(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.layer_norm' op expects a positive finite epsilon}}
  %0 = attn.layer_norm %x, %w, %w {epsilon = 0.0 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that layer_norm rejects a NaN epsilon.
func.func @layer_norm_eps_nan(%x: tensor<1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.layer_norm' op expects a positive finite epsilon}}
  %0 = attn.layer_norm %x, %w, %w {epsilon = 0x7FC00000 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that layer_norm normalises rows of a 2-D input only (ODS).
func.func @layer_norm_rank(%x: tensor<1x4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'attn.layer_norm' op operand #0 must be 2D tensor of 32-bit float values}}
  %0 = attn.layer_norm %x, %w, %w {epsilon = 1.0e-05 : f32} : tensor<1x4x64xf32>, tensor<64xf32>
  return
}

// -----

// Tests that gelu requires its approximation attribute (no silent default).
func.func @gelu_no_approximation(%x: tensor<1x64xf32>) {
  // expected-error @+1 {{'attn.gelu' op requires attribute 'approximation'}}
  %0 = attn.gelu %x : tensor<1x64xf32>
  return
}

// -----

// Tests that gelu's approximation is one of the GeluApproximation cases.
func.func @gelu_unknown(%x: tensor<1x64xf32>) {
  // expected-error @+2 {{expected ::mlir::attn::GeluApproximation to be one of: none, tanh}}
  // expected-error @+1 {{failed to parse Attn_GeluApproximationAttr parameter 'value'}}
  %0 = attn.gelu %x {approximation = #attn.gelu<sigmoid>} : tensor<1x64xf32>
  return
}

// -----

// Tests that relu keeps its operand's type (ODS AllTypesMatch).
func.func @relu_types(%x: tensor<1x64xf32>) {
  // expected-error @+1 {{'attn.relu' op failed to verify that all of {input, result} have same type}}
  %0 = "attn.relu"(%x) : (tensor<1x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// Tests that bias_add rejects a bias that is not the row width.
func.func @bias_add_width(%x: tensor<?x64xf32>, %b: tensor<65xf32>) {
  // expected-error @+1 {{'attn.bias_add' op expects bias dimension 0 (the row width) to be 64, got 65}}
  %0 = attn.bias_add %x, %b : tensor<?x64xf32>, tensor<65xf32>
  return
}

// -----

// Tests that learned_positions rejects a table of another width.
func.func @learned_positions_width(%x: tensor<?x64xf32>, %t: tensor<512x32xf32>, %pos: index) {
  // expected-error @+1 {{'attn.learned_positions' op expects table dimension 1 (the row width) to be 64, got 32}}
  %0 = attn.learned_positions %x, %t, %pos : tensor<?x64xf32>, tensor<512x32xf32>
  return
}

// -----

// Tests that learned_positions rejects more tokens than the table has positions.
func.func @learned_positions_rows(%x: tensor<9x64xf32>, %t: tensor<8x64xf32>, %pos: index) {
  // expected-error @+1 {{'attn.learned_positions' op adds positions to 9 tokens from a table of 8 positions}}
  %0 = attn.learned_positions %x, %t, %pos : tensor<9x64xf32>, tensor<8x64xf32>
  return
}

// -----

// Tests that sinusoidal_positions rejects an odd row width (sin/cos lane pairs).
func.func @sinusoidal_odd(%x: tensor<?x63xf32>, %pos: index) {
  // expected-error @+1 {{'attn.sinusoidal_positions' op expects an even row width (sin and cos lanes), got 63}}
  %0 = attn.sinusoidal_positions %x, %pos {base = 10000.0 : f32} : tensor<?x63xf32>
  return
}

// -----

// Tests that sinusoidal_positions rejects a base of 1 (every lane one frequency).
func.func @sinusoidal_base_one(%x: tensor<?x64xf32>, %pos: index) {
  // expected-error @+1 {{'attn.sinusoidal_positions' op expects a finite base greater than 1, got 1}}
  %0 = attn.sinusoidal_positions %x, %pos {base = 1.0 : f32} : tensor<?x64xf32>
  return
}

// -----

// Tests that sinusoidal_positions rejects an infinite base.
func.func @sinusoidal_base_inf(%x: tensor<?x64xf32>, %pos: index) {
  // expected-error @+1 {{'attn.sinusoidal_positions' op expects a finite base greater than 1, got INF}}
  %0 = attn.sinusoidal_positions %x, %pos {base = 0x7F800000 : f32} : tensor<?x64xf32>
  return
}

// -----

// Tests that sinusoidal_positions rejects a NaN base.
func.func @sinusoidal_base_nan(%x: tensor<?x64xf32>, %pos: index) {
  // expected-error @+1 {{'attn.sinusoidal_positions' op expects a finite base greater than 1, got nan}}
  %0 = attn.sinusoidal_positions %x, %pos {base = 0x7FC00000 : f32} : tensor<?x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// cache_write, cache_read
//===----------------------------------------------------------------------===//

// Tests that cache_write rejects a layer past the cache's layers.
func.func @cache_write_layer(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.cache_write' op layer 5 is outside the cache's 5 layers}}
  attn.cache_write %v into %cache[5] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  return
}

// -----

// Tests that cache_write rejects both a static layer and a layer index.
func.func @cache_write_both_layers(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index, %l: index) {
  // expected-error @+1 {{'attn.cache_write' op expects exactly one of a static layer and a layer index, got both}}
  "attn.cache_write"(%v, %cache, %pos, %l) <{layer = 0 : i64}> : (tensor<1x4x8xf32>, memref<5x4x512x8xf32>, index, index) -> ()
  return
}

// -----

// Tests that cache_read rejects an access without any layer.
func.func @cache_read_no_layer(%cache: memref<5x4x512x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op expects exactly one of a static layer and a layer index, got neither}}
  %0 = "attn.cache_read"(%cache, %len) : (memref<5x4x512x8xf32>, index) -> tensor<4x?x8xf32>
  return
}

// -----

// Tests that cache_read rejects a negative layer.
func.func @cache_read_negative_layer(%cache: memref<5x4x512x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op layer -1 is outside the cache's 5 layers}}
  %0 = attn.cache_read %cache[-1] len %len : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  return
}

// -----

// Tests that cache_write rejects a value with a kv head count other than the cache's.
func.func @cache_write_heads(%v: tensor<1x2x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.cache_write' op expects value dimension 1 (kv heads) to be 4, got 2}}
  attn.cache_write %v into %cache[0] at %pos : tensor<1x2x8xf32>, memref<5x4x512x8xf32>
  return
}

// -----

// Tests that cache_write rejects a value with another head_dim than the cache's.
func.func @cache_write_head_dim(%v: tensor<1x4x16xf32>, %cache: memref<5x4x512x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.cache_write' op expects value dimension 2 (head_dim) to be 8, got 16}}
  attn.cache_write %v into %cache[0] at %pos : tensor<1x4x16xf32>, memref<5x4x512x8xf32>
  return
}

// -----

// Tests that cache_write rejects more tokens than the cache holds.
func.func @cache_write_too_long(%v: tensor<600x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.cache_write' op writes 600 positions into a cache of 512}}
  attn.cache_write %v into %cache[0] at %pos : tensor<600x4x8xf32>, memref<5x4x512x8xf32>
  return
}

// -----

// Tests that cache_read rejects a result with a kv head count other than the cache's.
func.func @cache_read_heads(%cache: memref<5x4x512x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op expects value dimension 0 (kv heads) to be 4, got 8}}
  %0 = attn.cache_read %cache[0] len %len : memref<5x4x512x8xf32> -> tensor<8x?x8xf32>
  return
}

// -----

// Tests that cache_read rejects a result with another head_dim than the cache's.
func.func @cache_read_head_dim(%cache: memref<5x4x512x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op expects value dimension 2 (head_dim) to be 8, got 4}}
  %0 = attn.cache_read %cache[0] len %len : memref<5x4x512x8xf32> -> tensor<4x?x4xf32>
  return
}

// -----

// Tests that cache_read rejects a static length longer than the cache.
func.func @cache_read_too_long(%cache: memref<5x4x512x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op reads 513 positions from a cache of 512}}
  %0 = attn.cache_read %cache[0] len %len : memref<5x4x512x8xf32> -> tensor<4x513x8xf32>
  return
}

// -----

// Tests that a cache whose element count overflows int64 is rejected (the
// runtime and the lowering size it in int64).
func.func @cache_count_overflow(%cache: memref<1x4x4611686018427387904x8xf32>, %len: index) {
  // expected-error @+1 {{'attn.cache_read' op operand #0 of type 'memref<1x4x4611686018427387904x8xf32>' has an element count that overflows int64}}
  %0 = attn.cache_read %cache[0] len %len : memref<1x4x4611686018427387904x8xf32> -> tensor<4x?x8xf32>
  return
}

// -----

// Tests that the cache is a rank-4 f32 memref (ODS).
func.func @cache_rank(%v: tensor<1x4x8xf32>, %cache: memref<4x512x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.cache_write' op operand #1 must be 4D memref of 32-bit float values}}
  attn.cache_write %v into %cache[0] at %pos : tensor<1x4x8xf32>, memref<4x512x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

// Tests that attention rejects zero kv_heads.
func.func @attention_zero_kv_heads(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects positive heads and kv_heads, got 8 and 0}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 0 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects kv_heads that do not divide heads.
func.func @attention_kv_heads_divide(%q: tensor<1x8x8xf32>, %k: tensor<3x?x8xf32>, %v: tensor<3x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects kv_heads (3) to divide heads (8)}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 3 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<3x?x8xf32>, tensor<3x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a heads attribute that disagrees with the query.
func.func @attention_query_heads(%q: tensor<1x4x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op has heads = 8 but its query has 4 heads}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x4x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x4x8xf32>
  return
}

// -----

// Tests that attention rejects a kv_heads attribute that disagrees with the keys.
func.func @attention_key_heads(%q: tensor<1x8x8xf32>, %k: tensor<2x?x8xf32>, %v: tensor<2x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op has kv_heads = 4 but its keys/values have 2 heads}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<2x?x8xf32>, tensor<2x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a zero scale.
func.func @attention_scale(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects a positive finite scale}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.0 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a NaN scale.
func.func @attention_scale_nan(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects a positive finite scale}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0x7FC00000 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a sliding_window mask without a window.
func.func @attention_window_missing(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects a positive window with a sliding_window mask, got 0}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<sliding_window>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a window on a causal mask.
func.func @attention_stray_window(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op has window = 16 but mask causal takes no window}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32, window = 16 : i64}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects values with another key count than the keys.
func.func @attention_value_keys(%q: tensor<1x8x8xf32>, %k: tensor<4x10x8xf32>, %v: tensor<4x12x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects value dimension 1 (same as the keys) to be 10, got 12}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<4x10x8xf32>, tensor<4x12x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects keys with another head_dim than the query.
func.func @attention_key_head_dim(%q: tensor<1x8x8xf32>, %k: tensor<4x?x16xf32>, %v: tensor<4x?x16xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects key dimension 2 (head_dim) to be 8, got 16}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x16xf32>, tensor<4x?x16xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that attention rejects a result shaped unlike the query.
func.func @attention_result(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) {
  // expected-error @+1 {{'attn.attention' op expects result dimension 0 (same as the query) to be 1, got 2}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.35 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<2x8x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// scores, mask, softmax, weighted_sum
//===----------------------------------------------------------------------===//

// Tests that scores rejects kv_heads that do not divide heads.
func.func @scores_kv_heads(%q: tensor<1x8x8xf32>, %k: tensor<3x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects kv_heads (3) to divide heads (8)}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 3 : i64, scale = 0.35 : f32} : tensor<1x8x8xf32>, tensor<3x?x8xf32> -> tensor<8x1x?xf32>
  return
}

// -----

// Tests that scores rejects a negative scale.
func.func @scores_scale(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects a positive finite scale}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = -0.35 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  return
}

// -----

// Tests that scores rejects an infinite scale.
func.func @scores_scale_inf(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects a positive finite scale}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0x7F800000 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  return
}

// -----

// Tests that scores rejects keys with another head_dim than the query.
func.func @scores_head_dim(%q: tensor<1x8x8xf32>, %k: tensor<4x?x4xf32>) {
  // expected-error @+1 {{'attn.scores' op expects key dimension 2 (head_dim) to be 8, got 4}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.35 : f32} : tensor<1x8x8xf32>, tensor<4x?x4xf32> -> tensor<8x1x?xf32>
  return
}

// -----

// Tests that scores rejects a result whose first dimension is not the heads.
func.func @scores_result_heads(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects result dimension 0 (heads) to be 8, got 1}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.35 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x?xf32>
  return
}

// -----

// Tests that scores rejects a result whose second dimension is not the queries.
func.func @scores_result_queries(%q: tensor<2x8x8xf32>, %k: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects result dimension 1 (queries) to be 2, got 3}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.35 : f32} : tensor<2x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x3x?xf32>
  return
}

// -----

// Tests that scores rejects a result whose last dimension is not the keys.
func.func @scores_result_keys(%q: tensor<1x8x8xf32>, %k: tensor<4x10x8xf32>) {
  // expected-error @+1 {{'attn.scores' op expects result dimension 2 (keys) to be 10, got 8}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.35 : f32} : tensor<1x8x8xf32>, tensor<4x10x8xf32> -> tensor<8x1x8xf32>
  return
}

// -----

// Tests that scores rejects a heads attribute that disagrees with the query.
func.func @scores_query_heads(%q: tensor<1x6x8xf32>, %k: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.scores' op has heads = 8 but its query has 6 heads}}
  %0 = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.35 : f32} : tensor<1x6x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  return
}

// -----

// Tests that mask rejects a sliding_window mask with a negative window.
func.func @mask_window(%s: tensor<8x1x?xf32>, %pos: index) {
  // expected-error @+1 {{'attn.mask' op expects a positive window with a sliding_window mask, got -2}}
  %0 = attn.mask %s, %pos {mask = #attn.mask<sliding_window>, window = -2 : i64} : tensor<8x1x?xf32>
  return
}

// -----

// Tests that mask rejects a window on a mask kind that takes none.
func.func @mask_stray_window(%s: tensor<8x1x?xf32>, %pos: index) {
  // expected-error @+1 {{'attn.mask' op has window = 4 but mask none takes no window}}
  %0 = attn.mask %s, %pos {mask = #attn.mask<none>, window = 4 : i64} : tensor<8x1x?xf32>
  return
}

// -----

// Tests that mask rejects an unknown mask kind (the enum attribute parser).
func.func @mask_kind(%s: tensor<8x1x?xf32>, %pos: index) {
  // expected-error @+2 {{expected ::mlir::attn::MaskKind to be one of: none, causal, sliding_window}}
  // expected-error @+1 {{failed to parse Attn_MaskKindAttr parameter 'value'}}
  %0 = attn.mask %s, %pos {mask = #attn.mask<banded>} : tensor<8x1x?xf32>
  return
}

// -----

// Tests that softmax rejects an axis past the input's rank.
func.func @softmax_axis(%s: tensor<8x1x?xf32>) {
  // expected-error @+1 {{'attn.softmax' op axis 3 is out of range for a rank-3 input}}
  %0 = attn.softmax %s {axis = 3 : i64} : tensor<8x1x?xf32>
  return
}

// -----

// Tests that softmax rejects a negative axis.
func.func @softmax_negative_axis(%s: tensor<8x1x?xf32>) {
  // expected-error @+1 {{'attn.softmax' op axis -1 is out of range for a rank-3 input}}
  %0 = attn.softmax %s {axis = -1 : i64} : tensor<8x1x?xf32>
  return
}

// -----

// Tests that weighted_sum rejects probabilities with a head count other than heads.
func.func @weighted_sum_heads_attr(%p: tensor<4x1x?xf32>, %v: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op has heads = 8 but its query has 4 heads}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<4x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that weighted_sum rejects negative heads.
func.func @weighted_sum_negative_heads(%p: tensor<8x1x?xf32>, %v: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op expects positive heads and kv_heads, got -8 and 4}}
  %0 = attn.weighted_sum %p, %v {heads = -8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that weighted_sum rejects values with another key count than the probabilities.
func.func @weighted_sum_keys(%p: tensor<8x1x10xf32>, %v: tensor<4x12x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op expects value dimension 1 (keys) to be 10, got 12}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x10xf32>, tensor<4x12x8xf32> -> tensor<1x8x8xf32>
  return
}

// -----

// Tests that weighted_sum rejects a result with another query count.
func.func @weighted_sum_queries(%p: tensor<8x1x?xf32>, %v: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op expects result dimension 0 (queries) to be 1, got 2}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<2x8x8xf32>
  return
}

// -----

// Tests that weighted_sum rejects a result with another head count.
func.func @weighted_sum_result_heads(%p: tensor<8x1x?xf32>, %v: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op expects result dimension 1 (heads) to be 8, got 4}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x4x8xf32>
  return
}

// -----

// Tests that weighted_sum rejects a result with another head_dim than the values.
func.func @weighted_sum_head_dim(%p: tensor<8x1x?xf32>, %v: tensor<4x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op expects result dimension 2 (head_dim) to be 8, got 16}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x16xf32>
  return
}

// -----

// Tests that weighted_sum rejects a kv_heads attribute that disagrees with the values.
func.func @weighted_sum_value_heads(%p: tensor<8x1x?xf32>, %v: tensor<2x?x8xf32>) {
  // expected-error @+1 {{'attn.weighted_sum' op has kv_heads = 4 but its keys/values have 2 heads}}
  %0 = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<2x?x8xf32> -> tensor<1x8x8xf32>
  return
}
