// RUN: attnc-opt %s --split-input-file --attn-decompose-attention --attn-tile-queries --cse | FileCheck %s

// Tests that the causal attention of a prompt (T dynamic, 8 heads over 4 kv
// heads) becomes a loop over the heads (marked to run on all cores) around a
// loop over the queries, each step the attention of query t of head h: q is
// row (t, h), keys and values are those of kv head h / 2 up to the query's
// own position rounded up to whole 16-key blocks, min(16 * ceil((position +
// t + 1) / 16), N) (the later keys take weight exactly 0, and whole blocks
// need no key-at-a-time remainder), the mask is applied at position + t,
// and the step's result goes to row (t, h).
// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:[a-z0-9_]+]]: tensor<?x8x4xf32>, %[[K:[a-z0-9_]+]]: tensor<4x?x4xf32>, %[[V:[a-z0-9_]+]]: tensor<4x?x4xf32>, %[[POS:[a-z0-9_]+]]: index)
// CHECK-DAG: %[[C0:[a-z0-9_]+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:[a-z0-9_]+]] = arith.constant 1 : index
// CHECK-DAG: %[[T:[a-z0-9_]+]] = tensor.dim %[[Q]], %[[C0]]
// CHECK-DAG: %[[N:[a-z0-9_]+]] = tensor.dim %[[K]], %[[C1]]
// CHECK: %[[INIT:[a-z0-9_]+]] = tensor.empty(%[[T]]) : tensor<?x8x4xf32>
// CHECK: %[[OUT:[a-z0-9_]+]] = scf.for %[[H:[a-z0-9_]+]] = %[[C0]] to %c8 step %[[C1]] iter_args(%[[A:[a-z0-9_]+]] = %[[INIT]])
// CHECK: %[[KVH:[a-z0-9_]+]] = arith.divui %[[H]], %c2
// CHECK: scf.for %[[TQ:[a-z0-9_]+]] = %[[C0]] to %[[T]] step %[[C1]] iter_args(%[[B:[a-z0-9_]+]] = %[[A]])
// CHECK: %[[P:[a-z0-9_]+]] = arith.addi %[[POS]], %[[TQ]]
// CHECK: %[[UPTO:[a-z0-9_]+]] = arith.addi %[[P]], %[[C1]]
// CHECK: %[[UP15:[a-z0-9_]+]] = arith.addi %[[UPTO]], %c15
// CHECK: %[[BLOCKS:[a-z0-9_]+]] = arith.divui %[[UP15]], %c16
// CHECK: %[[WHOLE:[a-z0-9_]+]] = arith.muli %[[BLOCKS]], %c16
// CHECK: %[[LEN:[a-z0-9_]+]] = arith.minui %[[WHOLE]], %[[N]]
// CHECK: %[[QS:[a-z0-9_]+]] = tensor.extract_slice %[[Q]][%[[TQ]], %[[H]], 0] [1, 1, 4] [1, 1, 1] : tensor<?x8x4xf32> to tensor<1x1x4xf32>
// CHECK: %[[KS:[a-z0-9_]+]] = tensor.extract_slice %[[K]][%[[KVH]], 0, 0] [1, %[[LEN]], 4] [1, 1, 1] : tensor<4x?x4xf32> to tensor<1x?x4xf32>
// CHECK: %[[VS:[a-z0-9_]+]] = tensor.extract_slice %[[V]][%[[KVH]], 0, 0] [1, %[[LEN]], 4] [1, 1, 1] : tensor<4x?x4xf32> to tensor<1x?x4xf32>
// CHECK: %[[S:[a-z0-9_]+]] = attn.scores %[[QS]], %[[KS]] {heads = 1 : i64, kv_heads = 1 : i64, scale = 5.000000e-01 : f32} : tensor<1x1x4xf32>, tensor<1x?x4xf32> -> tensor<1x1x?xf32>
// CHECK: %[[M:[a-z0-9_]+]] = attn.mask %[[S]], %[[P]] {mask = #attn.mask<causal>} : tensor<1x1x?xf32>
// CHECK: %[[PR:[a-z0-9_]+]] = attn.softmax %[[M]] {axis = 2 : i64} : tensor<1x1x?xf32>
// CHECK: %[[O:[a-z0-9_]+]] = attn.weighted_sum %[[PR]], %[[VS]] {heads = 1 : i64, kv_heads = 1 : i64} : tensor<1x1x?xf32>, tensor<1x?x4xf32> -> tensor<1x1x4xf32>
// CHECK: %[[R:[a-z0-9_]+]] = tensor.insert_slice %[[O]] into %[[B]][%[[TQ]], %[[H]], 0] [1, 1, 4] [1, 1, 1]
// CHECK: scf.yield %[[R]]
// CHECK: } {attn.parallel}
// CHECK: return %[[OUT]]
func.func @causal(%q: tensor<?x8x4xf32>, %k: tensor<4x?x4xf32>, %v: tensor<4x?x4xf32>, %pos: index) -> tensor<?x8x4xf32> {
  %0 = attn.attention %q, %k, %v, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.5 : f32}
      : tensor<?x8x4xf32>, tensor<4x?x4xf32>, tensor<4x?x4xf32> -> tensor<?x8x4xf32>
  return %0 : tensor<?x8x4xf32>
}

// -----

// Tests that a sliding window keeps its window and is trimmed like causal
// (keys after the query are hidden by both).
// CHECK-LABEL: func.func @sliding
// CHECK: arith.minui
// CHECK: attn.mask %{{.*}}, %{{.*}} {mask = #attn.mask<sliding_window>, window = 3 : i64} : tensor<1x1x?xf32>
func.func @sliding(%q: tensor<?x2x4xf32>, %k: tensor<2x?x4xf32>, %v: tensor<2x?x4xf32>, %pos: index) -> tensor<?x2x4xf32> {
  %0 = attn.attention %q, %k, %v, %pos {heads = 2 : i64, kv_heads = 2 : i64, mask = #attn.mask<sliding_window>, window = 3 : i64, scale = 0.5 : f32}
      : tensor<?x2x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// Tests that without a mask every query reads every key: no trimming.
// CHECK-LABEL: func.func @unmasked
// CHECK-SAME: (%[[Q:[a-z0-9_]+]]: tensor<?x2x4xf32>, %[[K:[a-z0-9_]+]]: tensor<2x?x4xf32>
// CHECK: %[[N:[a-z0-9_]+]] = tensor.dim %[[K]], %{{.*}}
// CHECK-NOT: arith.minui
// CHECK-NOT: attn.mask
// CHECK: tensor.extract_slice %[[K]][%{{.*}}, 0, 0] [1, %[[N]], 4]
func.func @unmasked(%q: tensor<?x2x4xf32>, %k: tensor<2x?x4xf32>, %v: tensor<2x?x4xf32>, %pos: index) -> tensor<?x2x4xf32> {
  %0 = attn.attention %q, %k, %v, %pos {heads = 2 : i64, kv_heads = 2 : i64, mask = #attn.mask<none>, scale = 0.5 : f32}
      : tensor<?x2x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// Tests that probabilities read by another op (the traced prefill records
// them) keep every key (no trimming) and are put together again as
// (heads, T, N) for that reader.
// CHECK-LABEL: func.func @recorded
// CHECK-SAME: (%[[Q:[a-z0-9_]+]]: tensor<?x2x4xf32>, %[[K:[a-z0-9_]+]]: tensor<2x?x4xf32>
// CHECK-DAG: %[[T:[a-z0-9_]+]] = tensor.dim %[[Q]]
// CHECK-DAG: %[[N:[a-z0-9_]+]] = tensor.dim %[[K]]
// CHECK: %[[PINIT:[a-z0-9_]+]] = tensor.empty(%[[T]], %[[N]]) : tensor<2x?x?xf32>
// CHECK: %[[L:[a-z0-9_]+]]:2 = scf.for %[[H:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[PINIT]])
// CHECK-NOT: arith.minui
// CHECK: scf.for %[[TQ:[a-z0-9_]+]] =
// CHECK: %[[PR:[a-z0-9_]+]] = attn.softmax
// CHECK: tensor.insert_slice %[[PR]] into %{{.*}}[%[[H]], %[[TQ]], 0] [1, 1, %[[N]]]
// CHECK: return %[[L]]#0, %[[L]]#1
func.func @recorded(%q: tensor<?x2x4xf32>, %k: tensor<2x?x4xf32>, %v: tensor<2x?x4xf32>, %pos: index) -> (tensor<?x2x4xf32>, tensor<2x?x?xf32>) {
  %s = attn.scores %q, %k {heads = 2 : i64, kv_heads = 2 : i64, scale = 0.5 : f32} : tensor<?x2x4xf32>, tensor<2x?x4xf32> -> tensor<2x?x?xf32>
  %m = attn.mask %s, %pos {mask = #attn.mask<causal>} : tensor<2x?x?xf32>
  %p = attn.softmax %m {axis = 2 : i64} : tensor<2x?x?xf32>
  %o = attn.weighted_sum %p, %v {heads = 2 : i64, kv_heads = 2 : i64} : tensor<2x?x?xf32>, tensor<2x?x4xf32> -> tensor<?x2x4xf32>
  return %o, %p : tensor<?x2x4xf32>, tensor<2x?x?xf32>
}

// -----

// Tests that a decoded token's attention (one static query) over keys that are
// not a cache read is left alone (tile-queries-decode.mlir has the decode cases).
// CHECK-LABEL: func.func @decode
// CHECK-NOT: scf.for
// CHECK: attn.scores %{{.*}}, %{{.*}} {heads = 2 : i64, kv_heads = 2 : i64, scale = 5.000000e-01 : f32} : tensor<1x2x4xf32>, tensor<2x?x4xf32> -> tensor<2x1x?xf32>
func.func @decode(%q: tensor<1x2x4xf32>, %k: tensor<2x?x4xf32>, %v: tensor<2x?x4xf32>, %pos: index) -> tensor<1x2x4xf32> {
  %0 = attn.attention %q, %k, %v, %pos {heads = 2 : i64, kv_heads = 2 : i64, mask = #attn.mask<causal>, scale = 0.5 : f32}
      : tensor<1x2x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
