// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.rope as llama2.c: for the pair at even d of a head,
// freq = 1 / powf(theta, d / (float)hd), val = (float)(pos + t) * freq,
// (v0, v1) -> (v0 cos - v1 sin, v0 sin + v1 cos). One generic over (t, h, d):
// each element reads its partner (d + 1 or d - 1) and computes its own half.

// Tests the angle (from the even index of the pair, hd = 8, theta, pos + t)
// and the rotation of both halves of the pair.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x8x8xf32>, %[[POS:[^:]*]]: index)
func.func @rope(%x: tensor<2x8x8xf32>, %pos: index) -> tensor<2x8x8xf32> {
  // CHECK-DAG: %[[HD:.*]] = arith.constant 8.000000e+00 : f32
  // CHECK-DAG: %[[THETA:.*]] = arith.constant 1.000000e+04 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
  // CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
  // CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x8x8xf32>
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]] : tensor<2x8x8xf32>) outs(%[[EMPTY]] : tensor<2x8x8xf32>)
  // CHECK-NEXT: ^bb0(%[[SELF:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[T:.*]] = linalg.index 0 : index
  // CHECK-NEXT: %[[H:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[D:.*]] = linalg.index 2 : index
  // CHECK-NEXT: %[[ODD:.*]] = arith.remui %[[D]], %[[C2]] : index
  // CHECK-NEXT: %[[EVEN:.*]] = arith.subi %[[D]], %[[ODD]] : index
  // CHECK-NEXT: %[[IS_EVEN:.*]] = arith.cmpi eq, %[[ODD]], %[[C0]] : index
  // CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[D]], %[[C1]] : index
  // CHECK-NEXT: %[[PREV:.*]] = arith.subi %[[D]], %[[C1]] : index
  // CHECK-NEXT: %[[PD:.*]] = arith.select %[[IS_EVEN]], %[[NEXT]], %[[PREV]] : index
  // CHECK-NEXT: %[[PARTNER:.*]] = tensor.extract %[[X]][%[[T]], %[[H]], %[[PD]]] : tensor<2x8x8xf32>
  // CHECK-NEXT: %[[EVEN64:.*]] = arith.index_cast %[[EVEN]] : index to i64
  // CHECK-NEXT: %[[EVENF:.*]] = arith.sitofp %[[EVEN64]] : i64 to f32
  // CHECK-NEXT: %[[EXPONENT:.*]] = arith.divf %[[EVENF]], %[[HD]] : f32
  // CHECK-NEXT: %[[POW:.*]] = math.powf %[[THETA]], %[[EXPONENT]] : f32
  // CHECK-NEXT: %[[FREQ:.*]] = arith.divf %[[ONE]], %[[POW]] : f32
  // CHECK-NEXT: %[[P:.*]] = arith.addi %[[POS]], %[[T]] : index
  // CHECK-NEXT: %[[P64:.*]] = arith.index_cast %[[P]] : index to i64
  // CHECK-NEXT: %[[PF:.*]] = arith.sitofp %[[P64]] : i64 to f32
  // CHECK-NEXT: %[[VAL:.*]] = arith.mulf %[[PF]], %[[FREQ]] : f32
  // CHECK-NEXT: %[[COS:.*]] = math.cos %[[VAL]] : f32
  // CHECK-NEXT: %[[SIN:.*]] = math.sin %[[VAL]] : f32
  // CHECK-NEXT: %[[SELF_COS:.*]] = arith.mulf %[[SELF]], %[[COS]] : f32
  // CHECK-NEXT: %[[PARTNER_SIN:.*]] = arith.mulf %[[PARTNER]], %[[SIN]] : f32
  // v0 * cos - v1 * sin at the even index of the pair:
  // CHECK-NEXT: %[[FIRST:.*]] = arith.subf %[[SELF_COS]], %[[PARTNER_SIN]] : f32
  // v0 * sin + v1 * cos at the odd index (the partner is v0 there):
  // CHECK-NEXT: %[[SECOND:.*]] = arith.addf %[[PARTNER_SIN]], %[[SELF_COS]] : f32
  // CHECK-NEXT: %[[R:.*]] = arith.select %[[IS_EVEN]], %[[FIRST]], %[[SECOND]] : f32
  // CHECK-NEXT: linalg.yield %[[R]]
  // CHECK: return %[[OUT]]
  %0 = attn.rope %x, %pos {theta = 10000.0 : f32} : tensor<2x8x8xf32>
  return %0 : tensor<2x8x8xf32>
}

// -----

// Tests that another theta and head_dim reach the frequency (dynamic T).
// CHECK-LABEL: func.func @theta
func.func @theta(%x: tensor<?x4x64xf32>, %pos: index) -> tensor<?x4x64xf32> {
  // CHECK-DAG: %[[HD:.*]] = arith.constant 6.400000e+01 : f32
  // CHECK-DAG: %[[THETA:.*]] = arith.constant 5.000000e+05 : f32
  // CHECK: arith.divf %{{.*}}, %[[HD]] : f32
  // CHECK-NEXT: math.powf %[[THETA]], %{{.*}} : f32
  %0 = attn.rope %x, %pos {theta = 500000.0 : f32} : tensor<?x4x64xf32>
  return %0 : tensor<?x4x64xf32>
}

// -----

// Tests halves pairs (x[i], x[i + hd / 2]): lanes below hd / 2 = 4 are the
// first of their pair and read lane d + 4, the others read d - 4; pair i
// takes the angle of 2i (the one adjacent pairs use for (x[2i], x[2i+1])).
// CHECK-LABEL: func.func @rope_halves
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x4x8xf32>, %[[POS:[^:]*]]: index)
func.func @rope_halves(%x: tensor<?x4x8xf32>, %pos: index) -> tensor<?x4x8xf32> {
  // CHECK-DAG: %[[HD:.*]] = arith.constant 8.000000e+00 : f32
  // CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
  // CHECK-DAG: %[[HALF:.*]] = arith.constant 4 : index
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-NEXT: ^bb0(%[[SELF:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[T:.*]] = linalg.index 0 : index
  // CHECK-NEXT: %[[H:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[D:.*]] = linalg.index 2 : index
  // CHECK-NEXT: %[[FIRST_LANE:.*]] = arith.cmpi ult, %[[D]], %[[HALF]] : index
  // CHECK-NEXT: %[[UP:.*]] = arith.addi %[[D]], %[[HALF]] : index
  // CHECK-NEXT: %[[DOWN:.*]] = arith.subi %[[D]], %[[HALF]] : index
  // CHECK-NEXT: %[[PD:.*]] = arith.select %[[FIRST_LANE]], %[[UP]], %[[DOWN]] : index
  // CHECK-NEXT: %[[I:.*]] = arith.select %[[FIRST_LANE]], %[[D]], %[[PD]] : index
  // CHECK-NEXT: %[[TWO_I:.*]] = arith.muli %[[I]], %[[C2]] : index
  // CHECK-NEXT: %[[PARTNER:.*]] = tensor.extract %[[X]][%[[T]], %[[H]], %[[PD]]] : tensor<?x4x8xf32>
  // CHECK-NEXT: %[[TWO_I64:.*]] = arith.index_cast %[[TWO_I]] : index to i64
  // CHECK-NEXT: %[[TWO_IF:.*]] = arith.sitofp %[[TWO_I64]] : i64 to f32
  // CHECK-NEXT: %[[EXPONENT:.*]] = arith.divf %[[TWO_IF]], %[[HD]] : f32
  // CHECK-NEXT: math.powf
  // CHECK-NEXT: arith.divf
  // CHECK-NEXT: %[[P:.*]] = arith.addi %[[POS]], %[[T]] : index
  // CHECK: %[[COS:.*]] = math.cos %[[VAL:.*]] : f32
  // CHECK-NEXT: %[[SIN:.*]] = math.sin %[[VAL]] : f32
  // CHECK-NEXT: %[[SELF_COS:.*]] = arith.mulf %[[SELF]], %[[COS]] : f32
  // CHECK-NEXT: %[[PARTNER_SIN:.*]] = arith.mulf %[[PARTNER]], %[[SIN]] : f32
  // CHECK-NEXT: %[[FIRST:.*]] = arith.subf %[[SELF_COS]], %[[PARTNER_SIN]] : f32
  // CHECK-NEXT: %[[SECOND:.*]] = arith.addf %[[PARTNER_SIN]], %[[SELF_COS]] : f32
  // CHECK-NEXT: %[[R:.*]] = arith.select %[[FIRST_LANE]], %[[FIRST]], %[[SECOND]] : f32
  // CHECK-NEXT: linalg.yield %[[R]]
  // CHECK: return %[[OUT]]
  %0 = attn.rope %x, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<?x4x8xf32>
  return %0 : tensor<?x4x8xf32>
}

// -----

// Tests that halves with a dynamic head_dim takes hd / 2 from tensor.dim.
// CHECK-LABEL: func.func @rope_halves_dynamic
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x4x?xf32>
func.func @rope_halves_dynamic(%x: tensor<1x4x?xf32>, %pos: index) -> tensor<1x4x?xf32> {
  // CHECK: %[[C2I:.*]] = arith.constant 2 : index
  // CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C2I]] : tensor<1x4x?xf32>
  // CHECK: %[[HALF:.*]] = arith.divui %[[DIM]], %{{.*}} : index
  // CHECK: linalg.generic
  // CHECK: arith.cmpi ult, %{{.*}}, %[[HALF]] : index
  %0 = attn.rope %x, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<1x4x?xf32>
  return %0 : tensor<1x4x?xf32>
}
