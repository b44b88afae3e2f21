// RUN: attnc-opt %s --split-input-file --attn-decompose-attention --attn-tile-queries --canonicalize --cse | FileCheck %s
// RUN: attnc-opt %s --split-input-file --attn-decompose-attention "--attn-tile-queries=max-row-bytes=256" --canonicalize --cse | FileCheck %s
// RUN: attnc-opt %s --split-input-file --attn-decompose-attention "--attn-tile-queries=max-row-bytes=255" --canonicalize --cse | FileCheck %s --check-prefix=LONG

// Tests that a decoded token's attention (one query, 4 heads over 2 kv
// heads, keys read from a cache of 64 positions) becomes a loop over the
// heads alone, marked to run on all cores: head h reads kv head h / 2 up to
// the query's position rounded up to whole 16-key blocks, but at most the
// N keys there are (min(16 * ceil((position + 1) / 16), N), which is N in
// decode, where N = position + 1), its row of scores is one
// (1, 1, n) value, and its result goes to row (0, h). The row over the
// whole cache is 64 floats, 256 bytes: with max-row-bytes 255 (the LONG
// run) it would not fit a thread's stack budget and the heads stay one
// serial (4, 1, N) step.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[Q:[a-z0-9_]+]]: tensor<1x4x4xf32>, %[[CACHE:[a-z0-9_]+]]: memref<2x2x64x4xf32>, %[[LEN:[a-z0-9_]+]]: index, %[[POS:[a-z0-9_]+]]: index)
// CHECK: %[[K:[a-z0-9_]+]] = attn.cache_read %[[CACHE]][1] len %[[LEN]]
// CHECK: %[[N:[a-z0-9_]+]] = tensor.dim %[[K]], %c1
// CHECK: %[[OUT:[a-z0-9_]+]] = scf.for %[[H:[a-z0-9_]+]] = %c0 to %c4 step %c1 iter_args(%[[A:[a-z0-9_]+]] = %{{.*}}) -> (tensor<1x4x4xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[KVH:[a-z0-9_]+]] = arith.divui %[[H]], %c2
// CHECK: %[[UP15:[a-z0-9_]+]] = arith.addi %[[POS]], %c16
// CHECK: %[[BLOCKS:[a-z0-9_]+]] = arith.divui %[[UP15]], %c16
// CHECK: %[[WHOLE:[a-z0-9_]+]] = arith.muli %[[BLOCKS]], %c16
// CHECK: %[[L:[a-z0-9_]+]] = arith.minui %[[WHOLE]], %[[N]]
// CHECK: %[[QS:[a-z0-9_]+]] = tensor.extract_slice %[[Q]][0, %[[H]], 0] [1, 1, 4] [1, 1, 1]
// CHECK: %[[KS:[a-z0-9_]+]] = tensor.extract_slice %[[K]][%[[KVH]], 0, 0] [1, %[[L]], 4] [1, 1, 1]
// CHECK: %[[S:[a-z0-9_]+]] = attn.scores %[[QS]], %[[KS]] {heads = 1 : i64, kv_heads = 1 : i64, scale = 5.000000e-01 : f32} : tensor<1x1x4xf32>, tensor<1x?x4xf32> -> tensor<1x1x?xf32>
// CHECK: attn.mask %[[S]], %[[POS]] {mask = #attn.mask<causal>}
// CHECK: attn.softmax
// CHECK: %[[O:[a-z0-9_]+]] = attn.weighted_sum
// CHECK: tensor.insert_slice %[[O]] into %[[A]][0, %[[H]], 0] [1, 1, 4] [1, 1, 1]
// CHECK: } {attn.parallel}
// CHECK: return %[[OUT]]
// LONG-LABEL: func.func @decode
// LONG-NOT: scf.for
// LONG: attn.scores %{{.*}}, %{{.*}} {heads = 4 : i64, kv_heads = 2 : i64, scale = 5.000000e-01 : f32} : tensor<1x4x4xf32>, tensor<2x?x4xf32> -> tensor<4x1x?xf32>
func.func @decode(%q: tensor<1x4x4xf32>, %cache: memref<2x2x64x4xf32>, %len: index, %pos: index) -> tensor<1x4x4xf32> {
  %k = attn.cache_read %cache[1] len %len : memref<2x2x64x4xf32> -> tensor<2x?x4xf32>
  %v = attn.cache_read %cache[0] len %len : memref<2x2x64x4xf32> -> tensor<2x?x4xf32>
  %0 = attn.attention %q, %k, %v, %pos {heads = 4 : i64, kv_heads = 2 : i64, mask = #attn.mask<causal>, scale = 0.5 : f32}
      : tensor<1x4x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// -----

// Tests that keys of unknown length (not a cache read: no bound on the row)
// leave a decoded token's heads as one serial step.
// CHECK-LABEL: func.func @unbounded
// CHECK-NOT: scf.for
// CHECK: attn.scores %{{.*}}, %{{.*}} {heads = 2 : i64, kv_heads = 2 : i64, scale = 5.000000e-01 : f32} : tensor<1x2x4xf32>, tensor<2x?x4xf32> -> tensor<2x1x?xf32>
// LONG-LABEL: func.func @unbounded
func.func @unbounded(%q: tensor<1x2x4xf32>, %k: tensor<2x?x4xf32>, %v: tensor<2x?x4xf32>, %pos: index) -> tensor<1x2x4xf32> {
  %0 = attn.attention %q, %k, %v, %pos {heads = 2 : i64, kv_heads = 2 : i64, mask = #attn.mask<causal>, scale = 0.5 : f32}
      : tensor<1x2x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
