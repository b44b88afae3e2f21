// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.softmax along `axis`: a max reduction from -inf, exp(x - max) with the
// max of a fully masked slice (-inf) replaced by 0 so the slice gives zeros
// and not NaN, a sum reduction into the max's buffer, and e / sum with 0 where
// the sum is 0. exp and the division update the input in place.

// Tests that the softmax over the keys (axis 2 of (heads, queries, keys))
// reduces over d2 only, subtracts the guarded max, and normalises by the sum.
// CHECK-LABEL: func.func @keys
// CHECK-SAME: (%[[X:[^:]*]]: tensor<8x1x?xf32>)
func.func @keys(%x: tensor<8x1x?xf32>) -> tensor<8x1x?xf32> {
  // CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
  // CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<8x1xf32>
  // CHECK: %[[MAX_INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%[[EMPTY]] : tensor<8x1xf32>)
  // CHECK: %[[MAX:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[X]] : tensor<8x1x?xf32>) outs(%[[MAX_INIT]] : tensor<8x1xf32>)
  // CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[IN]], %[[ACC]] : f32
  // CHECK-NEXT: linalg.yield %[[M]]
  // CHECK: %[[EXP:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
  // CHECK-SAME: ins(%[[MAX]] : tensor<8x1xf32>) outs(%[[X]] : tensor<8x1x?xf32>)
  // CHECK-NEXT: ^bb0(%[[ROW_MAX:.*]]: f32, %[[V:.*]]: f32):
  // CHECK-NEXT: %[[ALL_MASKED:.*]] = arith.cmpf oeq, %[[ROW_MAX]], %[[NEG_INF]] : f32
  // CHECK-NEXT: %[[SAFE:.*]] = arith.select %[[ALL_MASKED]], %[[ZERO]], %[[ROW_MAX]] : f32
  // CHECK-NEXT: %[[SHIFTED:.*]] = arith.subf %[[V]], %[[SAFE]] : f32
  // CHECK-NEXT: %[[E:.*]] = math.exp %[[SHIFTED]] : f32
  // CHECK-NEXT: linalg.yield %[[E]]
  // CHECK: %[[SUM_INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[MAX]] : tensor<8x1xf32>)
  // CHECK: %[[SUM:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[EXP]] : tensor<8x1x?xf32>) outs(%[[SUM_INIT]] : tensor<8x1xf32>)
  // CHECK: arith.addf
  // CHECK: %[[PROBS:.*]] = linalg.generic
  // CHECK-SAME: ins(%[[SUM]] : tensor<8x1xf32>) outs(%[[EXP]] : tensor<8x1x?xf32>)
  // CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[EV:.*]]: f32):
  // CHECK-NEXT: %[[EMPTY_ROW:.*]] = arith.cmpf oeq, %[[S]], %[[ZERO]] : f32
  // CHECK-NEXT: %[[DIV:.*]] = arith.divf %[[EV]], %[[S]] : f32
  // CHECK-NEXT: %[[P:.*]] = arith.select %[[EMPTY_ROW]], %[[ZERO]], %[[DIV]] : f32
  // CHECK-NEXT: linalg.yield %[[P]]
  // CHECK: return %[[PROBS]]
  %p = attn.softmax %x {axis = 2 : i64} : tensor<8x1x?xf32>
  return %p : tensor<8x1x?xf32>
}

// -----

// Tests that another axis is honoured: axis 0 reduces d0 and the reduced
// tensor keeps the other two (static) dims.
// CHECK-LABEL: func.func @axis0
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x4x6xf32>)
func.func @axis0(%x: tensor<?x4x6xf32>) -> tensor<?x4x6xf32> {
  // CHECK: tensor.empty() : tensor<4x6xf32>
  // CHECK: linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>]
  // CHECK-SAME: iterator_types = ["reduction", "parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]] : tensor<?x4x6xf32>)
  // CHECK: arith.maximumf
  // CHECK: linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>]
  // CHECK: math.exp
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["reduction", "parallel", "parallel"]
  // CHECK: arith.addf
  %p = attn.softmax %x {axis = 0 : i64} : tensor<?x4x6xf32>
  return %p : tensor<?x4x6xf32>
}

// -----

// Tests that the reduced tensor of a softmax over scores read from a cache of
// static context is allocated at that context and sliced (no dynamic
// allocation per decode step) when the keys are not the reduced axis.
// CHECK-LABEL: func.func @bounded_queries_axis
// CHECK-SAME: %[[LEN:[^:]*]]: index)
func.func @bounded_queries_axis(%q: tensor<1x4x8xf32>, %cache: memref<2x4x512x8xf32>, %len: index) -> tensor<4x1x?xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x512xf32>
  // CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[EMPTY]][0, 0] [4, %{{.*}}] [1, 1] : tensor<4x512xf32> to tensor<4x?xf32>
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[SLICE]] : tensor<4x?xf32>)
  // CHECK: iterator_types = ["parallel", "reduction", "parallel"]
  %k = attn.cache_read %cache[1] len %len : memref<2x4x512x8xf32> -> tensor<4x?x8xf32>
  %s = attn.scores %q, %k {heads = 4 : i64, kv_heads = 4 : i64, scale = 1.0 : f32} : tensor<1x4x8xf32>, tensor<4x?x8xf32> -> tensor<4x1x?xf32>
  %p = attn.softmax %s {axis = 1 : i64} : tensor<4x1x?xf32>
  return %p : tensor<4x1x?xf32>
}
