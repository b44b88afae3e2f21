// RUN: attnc-opt %s --convert-attn-to-linalg --verify-diagnostics

// Tests that an attn.attention left in the module is an error that names the
// pass to run first (it has no lowering of its own).
func.func @undecomposed(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'attn.attention' op must be decomposed before conversion to linalg: run --attn-decompose-attention before --convert-attn-to-linalg}}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}
