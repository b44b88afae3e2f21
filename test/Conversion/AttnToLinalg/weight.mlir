// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.weight: a typed view of the byte blob, `memref.view` at the byte
// offset on the blob's buffer (`to_memref read_only`), read back as a tensor
// with a `restrict` to_tensor (no copy of the weights).

// Tests a packed 3-D f32 weight at byte offset 131328.
// CHECK-LABEL: func.func @packed
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xi8>)
func.func @packed(%blob: tensor<?xi8>) -> tensor<4x64x16xf32> {
  // CHECK: %[[BYTES:.*]] = bufferization.to_memref %[[BLOB]] read_only : memref<?xi8>
  // CHECK: %[[AT:.*]] = arith.constant 131328 : index
  // CHECK: %[[VIEW:.*]] = memref.view %[[BYTES]][%[[AT]]][] : memref<?xi8> to memref<4x64x16xf32>
  // CHECK: %[[W:.*]] = bufferization.to_tensor %[[VIEW]] restrict : memref<4x64x16xf32>
  // CHECK: return %[[W]]
  %0 = attn.weight "layers.0.wq" at 131328 in %blob : tensor<?xi8> -> tensor<4x64x16xf32>
  return %0 : tensor<4x64x16xf32>
}

// -----

// Tests a 1-D weight (a norm).
// CHECK-LABEL: func.func @vector
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xi8>)
func.func @vector(%blob: tensor<?xi8>) -> tensor<64xf32> {
  // CHECK: %[[BYTES:.*]] = bufferization.to_memref %[[BLOB]] read_only : memref<?xi8>
  // CHECK: %[[AT:.*]] = arith.constant 448 : index
  // CHECK: %[[VIEW:.*]] = memref.view %[[BYTES]][%[[AT]]][] : memref<?xi8> to memref<64xf32>
  // CHECK: bufferization.to_tensor %[[VIEW]] restrict : memref<64xf32>
  %0 = attn.weight "norm" at 448 in %blob : tensor<?xi8> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Tests a bf16 weight: the view has the stored element type.
// CHECK-LABEL: func.func @bf16
func.func @bf16(%blob: tensor<?xi8>) -> tensor<2x64x16xbf16> {
  // CHECK: %[[AT:.*]] = arith.constant 64 : index
  // CHECK: %[[VIEW:.*]] = memref.view %{{.*}}[%[[AT]]][] : memref<?xi8> to memref<2x64x16xbf16>
  // CHECK: bufferization.to_tensor %[[VIEW]] restrict : memref<2x64x16xbf16>
  %0 = attn.weight "layers.0.wk" at 64 in %blob : tensor<?xi8> -> tensor<2x64x16xbf16>
  return %0 : tensor<2x64x16xbf16>
}

// -----

// Tests a per-layer weight in the loop over layers: the view starts at byte
// offset + l * layer_stride, computed at run time; its shape stays static.
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[BLOB:[^:]*]]: tensor<?xi8>, %[[L:[^:]*]]: index)
func.func @layer(%blob: tensor<?xi8>, %l: index) -> tensor<4x64x16xf32> {
  // CHECK-DAG: %[[STRIDE:.*]] = arith.constant 181760 : index
  // CHECK-DAG: %[[AT:.*]] = arith.constant 131328 : index
  // CHECK: %[[SCALED:.*]] = arith.muli %[[L]], %[[STRIDE]] : index
  // CHECK: %[[OFFSET:.*]] = arith.addi %[[SCALED]], %[[AT]] : index
  // CHECK: memref.view %{{.*}}[%[[OFFSET]]][] : memref<?xi8> to memref<4x64x16xf32>
  %0 = attn.weight "layers.*.wq" at 131328 + %l * 181760 in %blob : tensor<?xi8> -> tensor<4x64x16xf32>
  return %0 : tensor<4x64x16xf32>
}
