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
