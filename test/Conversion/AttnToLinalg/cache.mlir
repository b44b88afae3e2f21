// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg | FileCheck %s

// The KV cache (layers, kv_heads, context, head_dim) is accessed in place:
// cache_write transposes the (T, KVH, HD) value to (KVH, T, HD) and
// materializes it in the rank-reduced subview cache[layer, :, pos:pos+T, :];
// cache_read is `to_tensor restrict` of cache[layer, :, 0:len, :].

// Tests a decode write (T = 1) into layer 2 at the position, and a read of
// layer 3 of dynamic length.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[V:[^:]*]]: tensor<1x4x8xf32>, %[[CACHE:[^:]*]]: memref<5x4x512x8xf32>, %[[POS:[^:]*]]: index, %[[LEN:[^:]*]]: index)
func.func @decode(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index, %len: index) -> tensor<4x?x8xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x1x8xf32>
  // CHECK: %[[T:.*]] = linalg.transpose ins(%[[V]] : tensor<1x4x8xf32>) outs(%[[EMPTY]] : tensor<4x1x8xf32>) permutation = [1, 0, 2]
  // CHECK: %[[W:.*]] = memref.subview %[[CACHE]][2, 0, %[[POS]], 0] [1, 4, 1, 8] [1, 1, 1, 1] : memref<5x4x512x8xf32> to memref<4x1x8xf32, strided<[4096, 8, 1], offset: ?>>
  // CHECK: bufferization.materialize_in_destination %[[T]] in restrict writable %[[W]] : (tensor<4x1x8xf32>, memref<4x1x8xf32, strided<[4096, 8, 1], offset: ?>>) -> ()
  attn.cache_write %v into %cache[2] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  // CHECK: %[[R:.*]] = memref.subview %[[CACHE]][3, 0, 0, 0] [1, 4, %[[LEN]], 8] [1, 1, 1, 1] : memref<5x4x512x8xf32> to memref<4x?x8xf32, strided<[4096, 8, 1], offset: 49152>>
  // CHECK: %[[KEYS:.*]] = bufferization.to_tensor %[[R]] restrict : memref<4x?x8xf32, strided<[4096, 8, 1], offset: 49152>>
  // CHECK: return %[[KEYS]]
  %0 = attn.cache_read %cache[3] len %len : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  return %0 : tensor<4x?x8xf32>
}

// -----

// Tests a prefill write: T dynamic, the window is T positions long.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[V:[^:]*]]: tensor<?x4x8xf32>, %[[CACHE:[^:]*]]: memref<5x4x512x8xf32>, %[[POS:[^:]*]]: index)
func.func @prefill(%v: tensor<?x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index) {
  // CHECK: %[[T:.*]] = tensor.dim %[[V]], %{{.*}} : tensor<?x4x8xf32>
  // CHECK: %[[EMPTY:.*]] = tensor.empty(%[[T]]) : tensor<4x?x8xf32>
  // CHECK: %[[TR:.*]] = linalg.transpose ins(%[[V]] : tensor<?x4x8xf32>) outs(%[[EMPTY]] : tensor<4x?x8xf32>) permutation = [1, 0, 2]
  // CHECK: %[[W:.*]] = memref.subview %[[CACHE]][0, 0, %[[POS]], 0] [1, 4, %[[T]], 8] [1, 1, 1, 1]
  // CHECK: bufferization.materialize_in_destination %[[TR]] in restrict writable %[[W]]
  attn.cache_write %v into %cache[0] at %pos : tensor<?x4x8xf32>, memref<5x4x512x8xf32>
  return
}

// -----

// Tests that a constant length gives a static read shape.
// CHECK-LABEL: func.func @static_length
func.func @static_length(%cache: memref<5x4x512x8xf32>) -> tensor<4x16x8xf32> {
  %c16 = arith.constant 16 : index
  // CHECK: %[[R:.*]] = memref.subview %{{.*}}[0, 0, 0, 0] [1, 4, 16, 8] [1, 1, 1, 1] : memref<5x4x512x8xf32> to memref<4x16x8xf32, strided<[4096, 8, 1]>>
  // CHECK: bufferization.to_tensor %[[R]] restrict : memref<4x16x8xf32, strided<[4096, 8, 1]>>
  %0 = attn.cache_read %cache[0] len %c16 : memref<5x4x512x8xf32> -> tensor<4x16x8xf32>
  return %0 : tensor<4x16x8xf32>
}

// -----

// Tests a dynamic layer index (the loop over layers): the window's layer
// offset is the index.
// CHECK-LABEL: func.func @layer_index
// CHECK-SAME: (%[[V:[^:]*]]: tensor<1x4x8xf32>, %[[CACHE:[^:]*]]: memref<5x4x512x8xf32>, %[[POS:[^:]*]]: index, %[[LEN:[^:]*]]: index, %[[L:[^:]*]]: index)
func.func @layer_index(%v: tensor<1x4x8xf32>, %cache: memref<5x4x512x8xf32>, %pos: index, %len: index, %l: index) -> tensor<4x?x8xf32> {
  // CHECK: %[[W:.*]] = memref.subview %[[CACHE]][%[[L]], 0, %[[POS]], 0] [1, 4, 1, 8] [1, 1, 1, 1] : memref<5x4x512x8xf32> to memref<4x1x8xf32, strided<[4096, 8, 1], offset: ?>>
  // CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[W]]
  attn.cache_write %v into %cache[%l] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  // CHECK: %[[R:.*]] = memref.subview %[[CACHE]][%[[L]], 0, 0, 0] [1, 4, %[[LEN]], 8] [1, 1, 1, 1] : memref<5x4x512x8xf32> to memref<4x?x8xf32, strided<[4096, 8, 1], offset: ?>>
  // CHECK: bufferization.to_tensor %[[R]] restrict
  %0 = attn.cache_read %cache[%l] len %len : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  return %0 : tensor<4x?x8xf32>
}
