// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s
// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --canonicalize --mlir-print-local-scope | FileCheck %s --check-prefix=CANON

// attn.scores: s[h, i, j] = scale * sum_d q[i, h, d] * k[h / G, j, d]. The
// query heads are split into (kv_heads, G) so that query head kvh * G + g
// reads kv head kvh through plain projected-permutation maps over
// (kvh, g, i, j, d); the scale is one elementwise step after the dot product.

// Tests that grouped-query heads read their kv head, that q is indexed by the
// query dim i and k by the key dim j, and that the scale is applied once.
// The scale must also survive canonicalization (a scale step that only
// rewrote its outs in place was once dropped there, silently).
// CHECK-LABEL: func.func @gqa
// CANON-LABEL: func.func @gqa
// CANON: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CANON: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<1x8x8xf32>, %[[K:[^:]*]]: tensor<4x?x8xf32>)
func.func @gqa(%q: tensor<1x8x8xf32>, %k: tensor<4x?x8xf32>) -> tensor<8x1x?xf32> {
  // CHECK-NOT: 0.353553385
  // CHECK: %[[QG:.*]] = tensor.expand_shape %[[Q]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 4, 2, 8] : tensor<1x8x8xf32> into tensor<1x4x2x8xf32>
  // CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x2x1x?xf32>)
  // CHECK: %[[DOTS:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d2, d0, d1, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[QG]], %[[K]] : tensor<1x4x2x8xf32>, tensor<4x?x8xf32>) outs(%[[INIT]] : tensor<4x2x1x?xf32>)
  // CHECK-NEXT: ^bb0(%[[QV:.*]]: f32, %[[KV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[QV]], %[[KV]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  // CHECK-NEXT: linalg.yield %[[ADD]]
  // CHECK: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
  // CHECK: %[[SCALED:.*]] = linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
  // CHECK-SAME: ins(%[[DOTS]] : tensor<4x2x1x?xf32>) outs(%[[DOTS]] : tensor<4x2x1x?xf32>)
  // CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[MULS:.*]] = arith.mulf %[[S]], %[[SCALE]] : f32
  // CHECK-NEXT: linalg.yield %[[MULS]]
  // CHECK-NOT: %[[SCALE]]
  // CHECK-NOT: 0.353553385
  // CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[SCALED]] {{\[\[}}0, 1], [2], [3]] : tensor<4x2x1x?xf32> into tensor<8x1x?xf32>
  // CHECK-NOT: 0.353553385
  // CHECK: return %[[OUT]]
  %s = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  return %s : tensor<8x1x?xf32>
}

// -----

// Tests that with one query head per kv head (G = 1) the maps are the same
// and the scale is still applied exactly once.
// CHECK-LABEL: func.func @mha
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x2x16xf32>, %[[K:[^:]*]]: tensor<2x?x16xf32>)
func.func @mha(%q: tensor<?x2x16xf32>, %k: tensor<2x?x16xf32>) -> tensor<2x?x?xf32> {
  // CHECK: %[[QG:.*]] = tensor.expand_shape %[[Q]] {{\[\[}}0], [1, 2], [3]] output_shape [%{{.*}}, 2, 1, 16] : tensor<?x2x16xf32> into tensor<?x2x1x16xf32>
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[QG]], %[[K]] : tensor<?x2x1x16xf32>, tensor<2x?x16xf32>)
  // CHECK: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
  // CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
  // CHECK-NOT: 2.500000e-01
  // CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x1x?x?xf32> into tensor<2x?x?xf32>
  %s = attn.scores %q, %k {heads = 2 : i64, kv_heads = 2 : i64, scale = 0.25 : f32}
      : tensor<?x2x16xf32>, tensor<2x?x16xf32> -> tensor<2x?x?xf32>
  return %s : tensor<2x?x?xf32>
}

// -----

// Tests that in decode (static T) the scores of keys read from a cache of
// static context 512 are allocated at 512 keys and sliced to the dynamic
// length, so that they bufferize to a static (stack) allocation.
// CHECK-LABEL: func.func @decode_bound
// CHECK-SAME: %[[LEN:[^:]*]]: index)
func.func @decode_bound(%q: tensor<1x8x8xf32>, %cache: memref<2x4x512x8xf32>, %len: index) -> tensor<8x1x?xf32> {
  // CHECK: %[[KEYS:.*]] = bufferization.to_tensor
  // CHECK: %[[N:.*]] = tensor.dim %[[KEYS]], %{{.*}} : tensor<4x?x8xf32>
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x2x1x512xf32>
  // CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[EMPTY]][0, 0, 0, 0] [4, 2, 1, %[[N]]] [1, 1, 1, 1] : tensor<4x2x1x512xf32> to tensor<4x2x1x?xf32>
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[SLICE]] : tensor<4x2x1x?xf32>)
  %k = attn.cache_read %cache[1] len %len : memref<2x4x512x8xf32> -> tensor<4x?x8xf32>
  %s = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32}
      : tensor<1x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x1x?xf32>
  return %s : tensor<8x1x?xf32>
}

// -----

// Tests that in prefill (dynamic T) the allocation is dynamic anyway, so it is
// not sliced from a bound (a slice would only add dynamic strides).
// CHECK-LABEL: func.func @prefill_no_bound
func.func @prefill_no_bound(%q: tensor<?x8x8xf32>, %cache: memref<2x4x512x8xf32>, %len: index) -> tensor<8x?x?xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<4x2x?x?xf32>
  // CHECK-NOT: tensor.extract_slice
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<4x2x?x?xf32>)
  %k = attn.cache_read %cache[1] len %len : memref<2x4x512x8xf32> -> tensor<4x?x8xf32>
  %s = attn.scores %q, %k {heads = 8 : i64, kv_heads = 4 : i64, scale = 0.353553385 : f32}
      : tensor<?x8x8xf32>, tensor<4x?x8xf32> -> tensor<8x?x?xf32>
  return %s : tensor<8x?x?xf32>
}
