// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.bias_add, attn.learned_positions and attn.sinusoidal_positions:
// elementwise generics over (t, d).

// Tests bias_add: x[t, d] + b[d] (the bias indexed by the column).
// CHECK-LABEL: func.func @bias_add
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x192xf32>, %[[B:[^:]*]]: tensor<192xf32>)
func.func @bias_add(%x: tensor<?x192xf32>, %b: tensor<192xf32>) -> tensor<?x192xf32> {
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]], %[[B]] : tensor<?x192xf32>, tensor<192xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[Y:.*]] = arith.addf %[[XV]], %[[BV]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.bias_add %x, %b : tensor<?x192xf32>, tensor<192xf32>
  return %0 : tensor<?x192xf32>
}

// -----

// Tests learned_positions: rows [position, position + T) of the table as a
// slice (row t of the slice is table[position + t]), added to x.
// CHECK-LABEL: func.func @learned
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[T:[^:]*]]: tensor<512x64xf32>, %[[POS:[^:]*]]: index)
func.func @learned(%x: tensor<?x64xf32>, %table: tensor<512x64xf32>, %pos: index) -> tensor<?x64xf32> {
  // CHECK: %[[C0:.*]] = arith.constant 0 : index
  // CHECK: %[[T_LEN:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x64xf32>
  // CHECK: %[[ROWS:.*]] = tensor.extract_slice %[[T]][%[[POS]], 0] [%[[T_LEN]], 64] [1, 1] : tensor<512x64xf32> to tensor<?x64xf32>
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>]
  // CHECK-SAME: ins(%[[X]], %[[ROWS]] : tensor<?x64xf32>, tensor<?x64xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[PV:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[Y:.*]] = arith.addf %[[XV]], %[[PV]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.learned_positions %x, %table, %pos : tensor<?x64xf32>, tensor<512x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests sinusoidal_positions: for lane d, 2i = d - d % 2,
// freq = 1 / powf(base, 2i / D), val = (float)(pos + t) * freq, and
// x + sin(val) on even lanes, x + cos(val) on odd ones.
// CHECK-LABEL: func.func @sinusoidal
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x64xf32>, %[[POS:[^:]*]]: index)
func.func @sinusoidal(%x: tensor<1x64xf32>, %pos: index) -> tensor<1x64xf32> {
  // CHECK-DAG: %[[D:.*]] = arith.constant 6.400000e+01 : f32
  // CHECK-DAG: %[[BASE:.*]] = arith.constant 1.000000e+04 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
  // CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: ins(%[[X]] : tensor<1x64xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[T:.*]] = linalg.index 0 : index
  // CHECK-NEXT: %[[L:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[ODD:.*]] = arith.remui %[[L]], %[[C2]] : index
  // CHECK-NEXT: %[[EVEN:.*]] = arith.subi %[[L]], %[[ODD]] : index
  // CHECK-NEXT: %[[IS_EVEN:.*]] = arith.cmpi eq, %[[ODD]], %[[C0]] : index
  // CHECK-NEXT: %[[E64:.*]] = arith.index_cast %[[EVEN]] : index to i64
  // CHECK-NEXT: %[[EF:.*]] = arith.sitofp %[[E64]] : i64 to f32
  // CHECK-NEXT: %[[EXP:.*]] = arith.divf %[[EF]], %[[D]] : f32
  // CHECK-NEXT: %[[POW:.*]] = math.powf %[[BASE]], %[[EXP]] : f32
  // CHECK-NEXT: %[[FREQ:.*]] = arith.divf %[[ONE]], %[[POW]] : f32
  // CHECK-NEXT: %[[P:.*]] = arith.addi %[[POS]], %[[T]] : index
  // CHECK-NEXT: %[[P64:.*]] = arith.index_cast %[[P]] : index to i64
  // CHECK-NEXT: %[[PF:.*]] = arith.sitofp %[[P64]] : i64 to f32
  // CHECK-NEXT: %[[VAL:.*]] = arith.mulf %[[PF]], %[[FREQ]] : f32
  // CHECK-NEXT: %[[SIN:.*]] = math.sin %[[VAL]] : f32
  // CHECK-NEXT: %[[COS:.*]] = math.cos %[[VAL]] : f32
  // CHECK-NEXT: %[[PE:.*]] = arith.select %[[IS_EVEN]], %[[SIN]], %[[COS]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.addf %[[XV]], %[[PE]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.sinusoidal_positions %x, %pos {base = 1.000000e+04 : f32} : tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that another base and a dynamic width reach the frequency.
// CHECK-LABEL: func.func @sinusoidal_base
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?xf32>
func.func @sinusoidal_base(%x: tensor<?x?xf32>, %pos: index) -> tensor<?x?xf32> {
  // CHECK: %[[C1:.*]] = arith.constant 1 : index
  // CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<?x?xf32>
  // CHECK: %[[DIM64:.*]] = arith.index_cast %[[DIM]] : index to i64
  // CHECK: %[[DF:.*]] = arith.sitofp %[[DIM64]] : i64 to f32
  // CHECK: %[[BASE:.*]] = arith.constant 5.000000e+02 : f32
  // CHECK: linalg.generic
  // CHECK: arith.divf %{{.*}}, %[[DF]] : f32
  // CHECK-NEXT: math.powf %[[BASE]], %{{.*}} : f32
  %0 = attn.sinusoidal_positions %x, %pos {base = 500.0 : f32} : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
