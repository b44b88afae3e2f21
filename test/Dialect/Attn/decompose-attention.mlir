// RUN: attnc-opt %s --split-input-file --attn-decompose-attention | FileCheck %s

// Tests that a causal attention becomes scores (with the scale, heads and
// kv_heads) -> mask (causal, at the cache position) -> softmax over the keys
// (axis 2) -> weighted_sum of the values, each feeding the next.
// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x8xf32>, %[[K:.*]]: tensor<4x?x8xf32>, %[[V:.*]]: tensor<4x?x8xf32>, %[[POS:.*]]: index)
func.func @causal(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) -> tensor<1x8x8xf32> {
  // CHECK-NOT: attn.attention
  // CHECK: %[[S:.*]] = attn.scores %[[Q]], %[[K]] {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  // CHECK-NEXT: %[[M:.*]] = attn.mask %[[S]], %[[POS]] {mask = #attn.mask<causal>} : tensor<8x1x?xf32>
  // CHECK-NEXT: %[[P:.*]] = attn.softmax %[[M]] {axis = 2 : i64} : tensor<8x1x?xf32>
  // CHECK-NEXT: %[[O:.*]] = attn.weighted_sum %[[P]], %[[V]] {heads = 8 : i64, kv_heads = 4 : i64} : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  // CHECK-NEXT: return %[[O]]
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// Tests that mask = none omits the mask: the scores go straight to the softmax.
// CHECK-LABEL: func.func @unmasked
// CHECK-SAME: (%[[Q:.*]]: tensor<?x2x16xf32>, %[[K:.*]]: tensor<2x?x16xf32>, %[[V:.*]]: tensor<2x?x16xf32>, %[[POS:.*]]: index)
func.func @unmasked(%q: tensor<?x2x16xf32>, %k: tensor<2x?x16xf32>, %v: tensor<2x?x16xf32>, %pos: index) -> tensor<?x2x16xf32> {
  // CHECK: %[[S:.*]] = attn.scores %[[Q]], %[[K]] {heads = 2 : i64, kv_heads = 2 : i64, scale = 2.500000e-01 : f32} : tensor<?x2x16xf32>, tensor<2x?x16xf32> -> tensor<2x?x?xf32>
  // CHECK-NOT: attn.mask
  // CHECK: %[[P:.*]] = attn.softmax %[[S]] {axis = 2 : i64}
  // CHECK: attn.weighted_sum %[[P]], %[[V]] {heads = 2 : i64, kv_heads = 2 : i64}
  %0 = attn.attention %q, %k, %v, %pos {heads = 2 : i64, kv_heads = 2 : i64, mask = #attn.mask<none>, scale = 0.25 : f32}
      : tensor<?x2x16xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32> -> tensor<?x2x16xf32>
  return %0 : tensor<?x2x16xf32>
}

// -----

// Tests that a sliding-window mask keeps its kind and window size, and the
// position it is applied at.
// CHECK-LABEL: func.func @sliding_window
// CHECK-SAME: %[[POS:[^:]*]]: index)
func.func @sliding_window(%q: tensor<3x8x8xf32>, %k: tensor<8x?x8xf32>, %v: tensor<8x?x8xf32>, %pos: index) -> tensor<3x8x8xf32> {
  // CHECK: %[[S:.*]] = attn.scores {{.*}}scale = 0.353553385 : f32{{.*}} -> tensor<8x3x?xf32>
  // CHECK-NEXT: %[[M:.*]] = attn.mask %[[S]], %[[POS]] {mask = #attn.mask<sliding_window>, window = 128 : i64} : tensor<8x3x?xf32>
  // CHECK-NEXT: attn.softmax %[[M]] {axis = 2 : i64}
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 8 : i64, mask = #attn.mask<sliding_window>, scale = 0.353553385 : f32, window = 128 : i64}
      : tensor<3x8x8xf32>, tensor<8x?x8xf32>, tensor<8x?x8xf32> -> tensor<3x8x8xf32>
  return %0 : tensor<3x8x8xf32>
}

// -----

// Tests that the scale is carried by scores alone: no later op multiplies by it.
// CHECK-LABEL: func.func @scale_once
func.func @scale_once(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>, %v: tensor<4x?x8xf32>, %pos: index) -> tensor<1x8x8xf32> {
  // CHECK: attn.scores {{.*}}scale = 1.250000e-01 : f32
  // CHECK-NOT: 1.250000e-01
  // CHECK: return
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.125 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}
