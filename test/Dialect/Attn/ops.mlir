// RUN: attnc-opt %s --split-input-file | attnc-opt --split-input-file | FileCheck %s
// RUN: attnc-opt %s --split-input-file --mlir-print-op-generic | attnc-opt --split-input-file | FileCheck %s

// Round trip of every attn op: parsed, printed, parsed again (and through the
// generic form), with its operands, attributes and types intact.

// Tests that weight keeps its name, byte offset, byte blob and static result
// type, in each element type a weight can be stored in.
// CHECK-LABEL: func.func @weight
// CHECK-SAME: (%[[BLOB:.*]]: tensor<?xi8>)
func.func @weight(%blob: tensor<?xi8>) -> (tensor<4x64x16xf32>, tensor<4x64x16xbf16>, tensor<64xf16>) {
  // CHECK: attn.weight "layers.0.wq" at 128 in %[[BLOB]] : tensor<?xi8> -> tensor<4x64x16xf32>
  // CHECK: attn.weight "layers.0.wk" at 16512 in %[[BLOB]] : tensor<?xi8> -> tensor<4x64x16xbf16>
  // CHECK: attn.weight "norm" at 24704 in %[[BLOB]] : tensor<?xi8> -> tensor<64xf16>
  %0 = attn.weight "layers.0.wq" at 128 in %blob : tensor<?xi8> -> tensor<4x64x16xf32>
  %1 = attn.weight "layers.0.wk" at 16512 in %blob : tensor<?xi8> -> tensor<4x64x16xbf16>
  %2 = attn.weight "norm" at 24704 in %blob : tensor<?xi8> -> tensor<64xf16>
  return %0, %1, %2 : tensor<4x64x16xf32>, tensor<4x64x16xbf16>, tensor<64xf16>
}

// -----

// Tests that a per-layer weight keeps its layer index and layer_stride.
// CHECK-LABEL: func.func @weight_layer
// CHECK-SAME: (%[[BLOB:.*]]: tensor<?xi8>, %[[L:.*]]: index)
func.func @weight_layer(%blob: tensor<?xi8>, %l: index) -> tensor<4x64x16xf32> {
  // CHECK: attn.weight "layers.*.wq" at 128 + %[[L]] * 181760 in %[[BLOB]] : tensor<?xi8> -> tensor<4x64x16xf32>
  %0 = attn.weight "layers.*.wq" at 128 + %l * 181760 in %blob : tensor<?xi8> -> tensor<4x64x16xf32>
  return %0 : tensor<4x64x16xf32>
}

// -----

// Tests that embedding round-trips with a plain (V, D) and a packed (V / B, D, B) table.
// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[TABLE:.*]]: tensor<512x64xf32>, %[[PACKED:.*]]: tensor<32x64x16xf32>, %[[TOKENS:.*]]: tensor<?xi32>)
func.func @embedding(%table: tensor<512x64xf32>, %packed: tensor<32x64x16xf32>, %tokens: tensor<?xi32>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: attn.embedding %[[TABLE]][%[[TOKENS]]] : tensor<512x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  %0 = attn.embedding %table[%tokens] : tensor<512x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  // CHECK: attn.embedding %[[PACKED]][%[[TOKENS]]] : tensor<32x64x16xf32>, tensor<?xi32> -> tensor<?x64xf32>
  %1 = attn.embedding %packed[%tokens] : tensor<32x64x16xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Tests that rms_norm keeps its epsilon.
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xf32>)
func.func @rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK: attn.rms_norm %[[X]], %[[W]] {epsilon = 9.99999974E-6 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %0 = attn.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that linear and embedding on a q8_0 matrix keep its i8 values and
// f32 scales.
// CHECK-LABEL: func.func @q8_0
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<4x64x16xi8>, %[[S:.*]]: tensor<4x2x16xf32>, %[[T:.*]]: tensor<?xi32>)
func.func @q8_0(%x: tensor<?x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>, %tokens: tensor<?xi32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: attn.linear %[[X]], %[[W]] scales %[[S]] : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  %0 = attn.linear %x, %w scales %s : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  // CHECK: attn.embedding %[[W]][%[[T]]] scales %[[S]] : tensor<4x64x16xi8>, tensor<?xi32>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  %1 = attn.embedding %w[%tokens] scales %s : tensor<4x64x16xi8>, tensor<?xi32>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Tests that linear and embedding on a q4_0 matrix keep its bytes (two
// values each: 64 in-features are 32 bytes), its f32 scales and the quant
// attribute; an explicit q8_0, the default, is not printed.
// CHECK-LABEL: func.func @q4_0
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<4x32x16xi8>, %[[S:.*]]: tensor<4x2x16xf32>, %[[T:.*]]: tensor<?xi32>, %[[W8:.*]]: tensor<4x64x16xi8>)
func.func @q4_0(%x: tensor<?x64xf32>, %w: tensor<4x32x16xi8>, %s: tensor<4x2x16xf32>, %tokens: tensor<?xi32>, %w8: tensor<4x64x16xi8>) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: attn.linear %[[X]], %[[W]] scales %[[S]] {quant = #attn.quant<q4_0>} : tensor<?x64xf32>, tensor<4x32x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<?x64xf32>, tensor<4x32x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  // CHECK: attn.embedding %[[W]][%[[T]]] scales %[[S]] {quant = #attn.quant<q4_0>} : tensor<4x32x16xi8>, tensor<?xi32>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  %1 = attn.embedding %w[%tokens] scales %s {quant = #attn.quant<q4_0>} : tensor<4x32x16xi8>, tensor<?xi32>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  // CHECK: attn.linear %[[X]], %[[W8]] scales %[[S]] : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  %2 = attn.linear %x, %w8 scales %s {quant = #attn.quant<q8_0>} : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  return %0, %1, %2 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Tests that linear keeps input, packed weight and result types.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<1x64xf32>, %[[W:.*]]: tensor<12x64x16xf32>)
func.func @linear(%x: tensor<1x64xf32>, %w: tensor<12x64x16xf32>) -> tensor<1x192xf32> {
  // CHECK: attn.linear %[[X]], %[[W]] : tensor<1x64xf32>, tensor<12x64x16xf32> -> tensor<1x192xf32>
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<12x64x16xf32> -> tensor<1x192xf32>
  return %0 : tensor<1x192xf32>
}

// -----

// Tests that rope keeps its position operand and theta.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x8xf32>, %[[POS:.*]]: index)
func.func @rope(%x: tensor<?x8x8xf32>, %pos: index) -> tensor<?x8x8xf32> {
  // CHECK: attn.rope %[[X]], %[[POS]] {theta = 1.000000e+04 : f32} : tensor<?x8x8xf32>
  %0 = attn.rope %x, %pos {theta = 10000.0 : f32} : tensor<?x8x8xf32>
  return %0 : tensor<?x8x8xf32>
}

// -----

// Tests that rope's default pair layout (adjacent) is not printed and parses
// back as the same op, and that halves is kept.
// CHECK-LABEL: func.func @rope_pairs
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8xf32>, %[[POS:.*]]: index)
func.func @rope_pairs(%x: tensor<1x8x8xf32>, %pos: index) -> (tensor<1x8x8xf32>, tensor<1x8x8xf32>) {
  // CHECK: attn.rope %[[X]], %[[POS]] {theta = 1.000000e+04 : f32} : tensor<1x8x8xf32>
  %0 = attn.rope %x, %pos {pairs = #attn.rope_pairs<adjacent>, theta = 10000.0 : f32} : tensor<1x8x8xf32>
  // CHECK: attn.rope %[[X]], %[[POS]] {pairs = #attn.rope_pairs<halves>, theta = 5.000000e+05 : f32} : tensor<1x8x8xf32>
  %1 = attn.rope %x, %pos {pairs = #attn.rope_pairs<halves>, theta = 500000.0 : f32} : tensor<1x8x8xf32>
  return %0, %1 : tensor<1x8x8xf32>, tensor<1x8x8xf32>
}

// -----

// Tests that layer_norm keeps input, weight and bias in order and epsilon.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>)
func.func @layer_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK: attn.layer_norm %[[X]], %[[W]], %[[B]] {epsilon = 9.99999974E-6 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %0 = attn.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that gelu keeps its approximation (both kinds) and relu its operand.
// CHECK-LABEL: func.func @activations
// CHECK-SAME: (%[[X:.*]]: tensor<?x256xf32>)
func.func @activations(%x: tensor<?x256xf32>) -> (tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x256xf32>) {
  // CHECK: attn.gelu %[[X]] {approximation = #attn.gelu<none>} : tensor<?x256xf32>
  %0 = attn.gelu %x {approximation = #attn.gelu<none>} : tensor<?x256xf32>
  // CHECK: attn.gelu %[[X]] {approximation = #attn.gelu<tanh>} : tensor<?x256xf32>
  %1 = attn.gelu %x {approximation = #attn.gelu<tanh>} : tensor<?x256xf32>
  // CHECK: attn.relu %[[X]] : tensor<?x256xf32>
  %2 = attn.relu %x : tensor<?x256xf32>
  return %0, %1, %2 : tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x256xf32>
}

// -----

// Tests that bias_add keeps input and bias in order.
// CHECK-LABEL: func.func @bias_add
// CHECK-SAME: (%[[X:.*]]: tensor<?x192xf32>, %[[B:.*]]: tensor<192xf32>)
func.func @bias_add(%x: tensor<?x192xf32>, %b: tensor<192xf32>) -> tensor<?x192xf32> {
  // CHECK: attn.bias_add %[[X]], %[[B]] : tensor<?x192xf32>, tensor<192xf32>
  %0 = attn.bias_add %x, %b : tensor<?x192xf32>, tensor<192xf32>
  return %0 : tensor<?x192xf32>
}

// -----

// Tests that learned_positions keeps input, table and position, and
// sinusoidal_positions its position and base.
// CHECK-LABEL: func.func @positions
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[T:.*]]: tensor<512x64xf32>, %[[POS:.*]]: index)
func.func @positions(%x: tensor<?x64xf32>, %table: tensor<512x64xf32>, %pos: index)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: attn.learned_positions %[[X]], %[[T]], %[[POS]] : tensor<?x64xf32>, tensor<512x64xf32>
  %0 = attn.learned_positions %x, %table, %pos : tensor<?x64xf32>, tensor<512x64xf32>
  // CHECK: attn.sinusoidal_positions %[[X]], %[[POS]] {base = 1.000000e+04 : f32} : tensor<?x64xf32>
  %1 = attn.sinusoidal_positions %x, %pos {base = 1.000000e+04 : f32} : tensor<?x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Tests that swiglu keeps gate and up in order, and add its operands.
// CHECK-LABEL: func.func @swiglu_add
// CHECK-SAME: (%[[G:.*]]: tensor<1x192xf32>, %[[U:.*]]: tensor<1x192xf32>)
func.func @swiglu_add(%g: tensor<1x192xf32>, %u: tensor<1x192xf32>) -> tensor<1x192xf32> {
  // CHECK: %[[S:.*]] = attn.swiglu %[[G]], %[[U]] : tensor<1x192xf32>
  %0 = attn.swiglu %g, %u : tensor<1x192xf32>
  // CHECK: attn.add %[[S]], %[[U]] : tensor<1x192xf32>
  %1 = attn.add %0, %u : tensor<1x192xf32>
  return %1 : tensor<1x192xf32>
}

// -----

// Tests that cache_write and cache_read keep cache, layer, position and length.
// CHECK-LABEL: func.func @cache
// CHECK-SAME: (%[[V:.*]]: tensor<1x4x8xf32>, %[[CACHE:.*]]: memref<5x4x512x8xf32>, %[[POS:.*]]: index, %[[LEN:.*]]: index)
func.func @cache(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index, %len: index)
    -> tensor<4x?x8xf32> {
  // CHECK: attn.cache_write %[[V]] into %[[CACHE]][3] at %[[POS]] : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  attn.cache_write %v into %cache[3] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  // CHECK: attn.cache_read %[[CACHE]][3] len %[[LEN]] : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %0 = attn.cache_read %cache[3] len %len : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  return %0 : tensor<4x?x8xf32>
}

// -----

// Tests that cache_write and cache_read keep a dynamic layer index.
// CHECK-LABEL: func.func @cache_layer_index
// CHECK-SAME: (%[[V:.*]]: tensor<1x4x8xf32>, %[[CACHE:.*]]: memref<5x4x512x8xf32>, %[[POS:.*]]: index, %[[LEN:.*]]: index, %[[L:.*]]: index)
func.func @cache_layer_index(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index,
                             %len: index, %l: index) -> tensor<4x?x8xf32> {
  // CHECK: attn.cache_write %[[V]] into %[[CACHE]][%[[L]]] at %[[POS]] : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  attn.cache_write %v into %cache[%l] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  // CHECK: attn.cache_read %[[CACHE]][%[[L]]] len %[[LEN]] : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %0 = attn.cache_read %cache[%l] len %len : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  return %0 : tensor<4x?x8xf32>
}

// -----

// Tests that attention keeps heads, kv_heads, scale and each mask kind with its window.
// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x8xf32>, %[[K:.*]]: tensor<4x?x8xf32>, %[[V:.*]]: tensor<4x?x8xf32>, %[[POS:.*]]: index)
func.func @attention(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index)
    -> (tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>) {
  // CHECK: attn.attention %[[Q]], %[[K]], %[[V]], %[[POS]] {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32}
  // CHECK-SAME: : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  // CHECK: attn.attention {{.*}}mask = #attn.mask<none>
  %1 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<none>, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  // CHECK: attn.attention {{.*}}mask = #attn.mask<sliding_window>, scale = 0.353553385 : f32, window = 16 : i64}
  %2 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<sliding_window>, scale = 0.353553385 : f32, window = 16 : i64}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %0, %1, %2 : tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>
}

// -----

// Tests that the decomposition ops (scores, mask, softmax, weighted_sum) keep their attributes.
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x8xf32>, %[[K:.*]]: tensor<4x?x8xf32>, %[[V:.*]]: tensor<4x?x8xf32>, %[[POS:.*]]: index)
func.func @decomposed(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index)
    -> tensor<1x8x8xf32> {
  // CHECK: %[[S:.*]] = attn.scores %[[Q]], %[[K]] {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  %s = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  // CHECK: %[[M:.*]] = attn.mask %[[S]], %[[POS]] {mask = #attn.mask<causal>} : tensor<8x1x?xf32>
  %m = attn.mask %s, %pos {mask = #attn.mask<causal>} : tensor<8x1x?xf32>
  // CHECK: %[[W:.*]] = attn.mask %[[M]], %[[POS]] {mask = #attn.mask<sliding_window>, window = 4 : i64} : tensor<8x1x?xf32>
  %w = attn.mask %m, %pos {mask = #attn.mask<sliding_window>, window = 4 : i64} : tensor<8x1x?xf32>
  // CHECK: %[[P:.*]] = attn.softmax %[[W]] {axis = 2 : i64} : tensor<8x1x?xf32>
  %p = attn.softmax %w {axis = 2 : i64} : tensor<8x1x?xf32>
  // CHECK: attn.weighted_sum %[[P]], %[[V]] {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  %o = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64}
      : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %o : tensor<1x8x8xf32>
}
