// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.weighted_sum: o[i, h, d] = sum_n p[h, i, n] * v[h / G, n, d]. The
// probability heads are split into (kv_heads, G) so that every map over
// (i, kvh, g, d, n) is a projected permutation; n is the reduction.

// Tests the grouped-query form: p split into (4, 2), v read with kvh, n the
// reduction, a zero-filled (T, KVH, G, HD) accumulator, collapsed to (T, H, HD).
// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[P:[^:]*]]: tensor<8x1x?xf32>, %[[V:[^:]*]]: tensor<4x?x8xf32>)
func.func @gqa(%p: tensor<8x1x?xf32>, %v: tensor<4x?x8xf32>) -> tensor<1x8x8xf32> {
  // CHECK: %[[N:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<8x1x?xf32>
  // CHECK: %[[PG:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2], [3]] output_shape [4, 2, 1, %[[N]]] : tensor<8x1x?xf32> into tensor<4x2x1x?xf32>
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x4x2x8xf32>
  // CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<1x4x2x8xf32>)
  // CHECK: %[[SUM:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d0, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[PG]], %[[V]] : tensor<4x2x1x?xf32>, tensor<4x?x8xf32>) outs(%[[INIT]] : tensor<1x4x2x8xf32>)
  // CHECK-NEXT: ^bb0(%[[PV:.*]]: f32, %[[VV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[PV]], %[[VV]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  // CHECK-NEXT: linalg.yield %[[ADD]]
  // CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[SUM]] {{\[\[}}0], [1, 2], [3]] : tensor<1x4x2x8xf32> into tensor<1x8x8xf32>
  // CHECK: return %[[OUT]]
  %o = attn.weighted_sum %p, %v {heads = 8 : i64, kv_heads = 4 : i64}
      : tensor<8x1x?xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  return %o : tensor<1x8x8xf32>
}

// -----

// Tests that a dynamic query count (prefill) sizes the accumulator from the
// probabilities' query dim.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[P:[^:]*]]: tensor<2x?x?xf32>, %[[V:[^:]*]]: tensor<1x?x16xf32>)
func.func @prefill(%p: tensor<2x?x?xf32>, %v: tensor<1x?x16xf32>) -> tensor<?x2x16xf32> {
  // CHECK: %[[PG:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 2, %{{.*}}, %{{.*}}] : tensor<2x?x?xf32> into tensor<1x2x?x?xf32>
  // CHECK: %[[T:.*]] = tensor.dim %[[PG]], %{{.*}} : tensor<1x2x?x?xf32>
  // CHECK: tensor.empty(%[[T]]) : tensor<?x1x2x16xf32>
  // CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<?x1x2x16xf32> into tensor<?x2x16xf32>
  %o = attn.weighted_sum %p, %v {heads = 2 : i64, kv_heads = 1 : i64}
      : tensor<2x?x?xf32>, tensor<1x?x16xf32> -> tensor<?x2x16xf32>
  return %o : tensor<?x2x16xf32>
}
