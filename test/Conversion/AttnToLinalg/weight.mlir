// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.weight: a view of the flat blob, `tensor.extract_slice %blob[offset]
// [numel] [1]`, expanded to the static shape (no copy of the weights).

// Tests a packed 3-D weight: numel = 4 * 64 * 16 floats at offset 32832.
// CHECK-LABEL: func.func @packed
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xf32>)
func.func @packed(%blob: tensor<?xf32>) -> tensor<4x64x16xf32> {
  // CHECK: %[[FLAT:.*]] = tensor.extract_slice %[[BLOB]][32832] [4096] [1] : tensor<?xf32> to tensor<4096xf32>
  // CHECK: %[[W:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2]] output_shape [4, 64, 16] : tensor<4096xf32> into tensor<4x64x16xf32>
  // CHECK: return %[[W]]
  %0 = attn.weight "layers.0.wq" at 32832 in %blob : tensor<?xf32> -> tensor<4x64x16xf32>
  return %0 : tensor<4x64x16xf32>
}

// -----

// Tests a 1-D weight (a norm): the slice alone.
// CHECK-LABEL: func.func @vector
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xf32>)
func.func @vector(%blob: tensor<?xf32>) -> tensor<64xf32> {
  // CHECK: %[[FLAT:.*]] = tensor.extract_slice %[[BLOB]][100] [64] [1] : tensor<?xf32> to tensor<64xf32>
  // CHECK-NOT: tensor.expand_shape
  // CHECK: return %[[FLAT]]
  %0 = attn.weight "norm" at 100 in %blob : tensor<?xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Tests a per-layer weight in the loop over layers: the slice starts at
// offset + l * layer_stride, computed at run time; its size stays static.
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xf32>, %[[L:[^:]*]]: index)
func.func @layer(%blob: tensor<?xf32>, %l: index) -> tensor<4x64x16xf32> {
  // CHECK: %[[SCALED:.*]] = arith.muli %[[L]], %{{.*}} : index
  // CHECK: %[[OFFSET:.*]] = arith.addi %[[SCALED]], %{{.*}} : index
  // CHECK: %[[FLAT:.*]] = tensor.extract_slice %[[BLOB]][%[[OFFSET]]] [4096] [1] : tensor<?xf32> to tensor<4096xf32>
  // CHECK: tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2]] output_shape [4, 64, 16] : tensor<4096xf32> into tensor<4x64x16xf32>
  %0 = attn.weight "layers.*.wq" at 32832 + %l * 45440 in %blob : tensor<?xf32> -> tensor<4x64x16xf32>
  return %0 : tensor<4x64x16xf32>
}
