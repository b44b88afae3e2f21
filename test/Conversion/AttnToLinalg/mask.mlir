// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.mask on (heads, queries, keys) scores: query i sits at position pos + i,
// key j at j. A key is visible when key <= query position; hidden scores
// become -inf (never a finite "large negative"), in place on the scores, and
// the result is what the softmax reduces.

// Tests that a causal mask keeps exactly the keys j <= pos + i.
// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[S:[^:]*]]: tensor<8x1x?xf32>, %[[POS:[^:]*]]: index)
func.func @causal(%s: tensor<8x1x?xf32>, %pos: index) -> tensor<8x1x?xf32> {
  // CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
  // CHECK: %[[MASKED:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
  // CHECK-SAME: ins(%[[S]] : tensor<8x1x?xf32>) outs(%[[S]] : tensor<8x1x?xf32>)
  // CHECK-NEXT: ^bb0(%[[SCORE:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[I:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[J:.*]] = linalg.index 2 : index
  // CHECK-NEXT: %[[QPOS:.*]] = arith.addi %[[POS]], %[[I]] : index
  // CHECK-NEXT: %[[VISIBLE:.*]] = arith.cmpi sle, %[[J]], %[[QPOS]] : index
  // CHECK-NEXT: %[[SEL:.*]] = arith.select %[[VISIBLE]], %[[SCORE]], %[[NEG_INF]] : f32
  // CHECK-NEXT: linalg.yield %[[SEL]] : f32
  // The masked scores feed the softmax's max reduction.
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[MASKED]] : tensor<8x1x?xf32>)
  // CHECK: arith.maximumf
  %m = attn.mask %s, %pos {mask = #attn.mask<causal>} : tensor<8x1x?xf32>
  %p = attn.softmax %m {axis = 2 : i64} : tensor<8x1x?xf32>
  return %p : tensor<8x1x?xf32>
}

// -----

// Tests that a sliding window also hides the keys at or before pos + i - window.
// CHECK-LABEL: func.func @sliding_window
// CHECK-SAME: (%[[S:[^:]*]]: tensor<8x?x?xf32>, %[[POS:[^:]*]]: index)
func.func @sliding_window(%s: tensor<8x?x?xf32>, %pos: index) -> tensor<8x?x?xf32> {
  // CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
  // CHECK-DAG: %[[WINDOW:.*]] = arith.constant 128 : index
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[S]] : tensor<8x?x?xf32>) outs(%[[S]] : tensor<8x?x?xf32>)
  // CHECK-NEXT: ^bb0(%[[SCORE:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[I:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[J:.*]] = linalg.index 2 : index
  // CHECK-NEXT: %[[QPOS:.*]] = arith.addi %[[POS]], %[[I]] : index
  // CHECK-NEXT: %[[CAUSAL:.*]] = arith.cmpi sle, %[[J]], %[[QPOS]] : index
  // CHECK-NEXT: %[[OLDEST:.*]] = arith.subi %[[QPOS]], %[[WINDOW]] : index
  // CHECK-NEXT: %[[RECENT:.*]] = arith.cmpi sgt, %[[J]], %[[OLDEST]] : index
  // CHECK-NEXT: %[[VISIBLE:.*]] = arith.andi %[[CAUSAL]], %[[RECENT]] : i1
  // CHECK-NEXT: %[[SEL:.*]] = arith.select %[[VISIBLE]], %[[SCORE]], %[[NEG_INF]] : f32
  // CHECK-NEXT: linalg.yield %[[SEL]] : f32
  %m = attn.mask %s, %pos {mask = #attn.mask<sliding_window>, window = 128 : i64} : tensor<8x?x?xf32>
  return %m : tensor<8x?x?xf32>
}

// -----

// Tests that mask = none is the identity: no generic, no -inf.
// CHECK-LABEL: func.func @none
// CHECK-SAME: (%[[S:[^:]*]]: tensor<8x1x?xf32>, %{{.*}}: index)
func.func @none(%s: tensor<8x1x?xf32>, %pos: index) -> tensor<8x1x?xf32> {
  // CHECK-NOT: linalg.generic
  // CHECK-NOT: 0xFF800000
  // CHECK: return %[[S]]
  %m = attn.mask %s, %pos {mask = #attn.mask<none>} : tensor<8x1x?xf32>
  return %m : tensor<8x1x?xf32>
}
