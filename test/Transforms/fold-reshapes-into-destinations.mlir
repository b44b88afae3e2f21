// RUN: attnc-opt %s --split-input-file --attn-fold-reshapes-into-destinations | FileCheck %s
// RUN: attnc-opt %s --split-input-file --attn-fold-reshapes-into-destinations \
// RUN:   --eliminate-empty-tensors | FileCheck %s --check-prefix=ELIM

// Tests that a collapsed result materialized into the logits is instead
// materialized, uncollapsed, into an expanded view of the logits created
// before the computation, so that empty-tensor elimination computes it in
// place.

// CHECK-LABEL: func.func @logits
// CHECK-SAME: %{{.*}}: tensor<1x2x16xf32>, %[[OUT:[a-z0-9_]+]]: memref<1x32xf32>
// CHECK-NEXT: %[[V:.*]] = memref.expand_shape %[[OUT]] {{\[\[}}0], [1, 2]] output_shape [1, 2, 16] : memref<1x32xf32> into memref<1x2x16xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[V]]
// ELIM-LABEL: func.func @logits
// ELIM-NOT: tensor.empty
// ELIM: bufferization.to_tensor
func.func @logits(%x: tensor<1x2x16xf32>, %out: memref<1x32xf32>) {
  %e = tensor.empty() : tensor<1x2x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x2x16xf32>) outs(%e : tensor<1x2x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<1x2x16xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x2x16xf32> into tensor<1x32xf32>
  bufferization.materialize_in_destination %c in restrict writable %out : (tensor<1x32xf32>, memref<1x32xf32>) -> ()
  return
}

// -----

// Tests that with a dynamic token count the expanded view's size comes from
// the destination.

// CHECK-LABEL: func.func @prefill_logits
// CHECK-SAME: %[[OUT:[a-z0-9_]+]]: memref<?x32xf32>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[T:.*]] = memref.dim %[[OUT]], %[[C0]]
// CHECK: memref.expand_shape %[[OUT]] {{\[\[}}0], [1, 2]] output_shape [%[[T]], 2, 16]
func.func @prefill_logits(%r: tensor<?x2x16xf32>, %out: memref<?x32xf32>) {
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<?x2x16xf32> into tensor<?x32xf32>
  bufferization.materialize_in_destination %c in restrict writable %out : (tensor<?x32xf32>, memref<?x32xf32>) -> ()
  return
}

// -----

// Tests that the KV-cache subview a result is written into is moved before
// the computation of that result.

// CHECK-LABEL: func.func @cache_write
// CHECK-SAME: %[[CACHE:[a-z0-9_]+]]: memref<2x512x16xf32>, %[[POS:[a-z0-9_]+]]: index
// CHECK-NEXT: %[[DST:.*]] = memref.subview %[[CACHE]][0, %[[POS]], 0] [2, 1, 16] [1, 1, 1]
// CHECK-NEXT: tensor.empty
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[DST]]
func.func @cache_write(%k: tensor<2x1x16xf32>, %cache: memref<2x512x16xf32>, %pos: index) {
  %e = tensor.empty() : tensor<2x1x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%k : tensor<2x1x16xf32>) outs(%e : tensor<2x1x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x1x16xf32>
  %dst = memref.subview %cache[0, %pos, 0] [2, 1, 16] [1, 1, 1] : memref<2x512x16xf32> to memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>
  bufferization.materialize_in_destination %r in restrict writable %dst : (tensor<2x1x16xf32>, memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>) -> ()
  return
}

// -----

// Tests that two results computed into one (CSE-merged) tensor.empty and
// materialized into two cache slots each get their own empty, so that
// empty-tensor elimination computes each into its own slot (MLIR 19 would
// otherwise compute both into the first slot).

// CHECK-LABEL: func.func @two_slots
// CHECK: tensor.empty
// CHECK: tensor.empty
// ELIM-LABEL: func.func @two_slots
// ELIM-SAME: %[[K:[a-z0-9_]+]]: memref<2x512x16xf32>, %[[V:[a-z0-9_]+]]: memref<2x512x16xf32>
// ELIM-DAG: %[[KS:.*]] = memref.subview %[[K]]
// ELIM-DAG: %[[VS:.*]] = memref.subview %[[V]]
// ELIM-DAG: %[[KT:.*]] = bufferization.to_tensor %[[KS]] restrict writable
// ELIM-DAG: %[[VT:.*]] = bufferization.to_tensor %[[VS]] restrict writable
// ELIM: linalg.generic {{.*}} outs(%[[KT]]
// ELIM: linalg.generic {{.*}} outs(%[[VT]]
func.func @two_slots(%x: tensor<2x1x16xf32>, %kc: memref<2x512x16xf32>, %vc: memref<2x512x16xf32>, %pos: index) {
  %e = tensor.empty() : tensor<2x1x16xf32>
  %k = linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x1x16xf32>) outs(%e : tensor<2x1x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x1x16xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x1x16xf32>) outs(%e : tensor<2x1x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<2x1x16xf32>
  %kd = memref.subview %kc[0, %pos, 0] [2, 1, 16] [1, 1, 1] : memref<2x512x16xf32> to memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>
  bufferization.materialize_in_destination %k in restrict writable %kd : (tensor<2x1x16xf32>, memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>) -> ()
  %vd = memref.subview %vc[0, %pos, 0] [2, 1, 16] [1, 1, 1] : memref<2x512x16xf32> to memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>
  bufferization.materialize_in_destination %v in restrict writable %vd : (tensor<2x1x16xf32>, memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>) -> ()
  return
}
