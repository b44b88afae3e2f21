// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.rms_norm as llama2.c's rmsnorm: ss = sum(x^2) (a reduction generic over
// (t, d) into a zero-filled (T)), then o = w * ((1 / sqrt(ss / D + eps)) * x)
// elementwise, in that order of operations.

// Tests the reduction over d, and the normalisation with D = 64 and eps.
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x64xf32>, %[[W:[^:]*]]: tensor<64xf32>)
func.func @rms_norm(%x: tensor<1x64xf32>, %w: tensor<64xf32>) -> tensor<1x64xf32> {
  // CHECK-DAG: %[[D:.*]] = arith.constant 6.400000e+01 : f32
  // CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1xf32>)
  // CHECK: %[[SS:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>]
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  // CHECK-SAME: ins(%[[X]] : tensor<1x64xf32>) outs(%[[INIT]] : tensor<1xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[XV]], %[[XV]] : f32
  // CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[SQ]] : f32
  // CHECK-NEXT: linalg.yield %[[SUM]]
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]], %[[SS]], %[[W]] : tensor<1x64xf32>, tensor<1xf32>, tensor<64xf32>)
  // CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[ROW:.*]]: f32, %[[WE:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[ROW]], %[[D]] : f32
  // CHECK-NEXT: %[[MS:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
  // CHECK-NEXT: %[[SQRT:.*]] = math.sqrt %[[MS]] : f32
  // CHECK-NEXT: %[[INV:.*]] = arith.divf %[[ONE]], %[[SQRT]] : f32
  // CHECK-NEXT: %[[NORM:.*]] = arith.mulf %[[INV]], %[[XE]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[WE]], %[[NORM]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that a dynamic width is converted to float from tensor.dim.
// CHECK-LABEL: func.func @dynamic_width
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?xf32>, %{{.*}}: tensor<?xf32>)
func.func @dynamic_width(%x: tensor<?x?xf32>, %w: tensor<?xf32>) -> tensor<?x?xf32> {
  // CHECK: %[[C1:.*]] = arith.constant 1 : index
  // CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<?x?xf32>
  // CHECK: %[[DIM64:.*]] = arith.index_cast %[[DIM]] : index to i64
  // CHECK: %[[DF:.*]] = arith.sitofp %[[DIM64]] : i64 to f32
  // CHECK: linalg.generic
  // CHECK: linalg.generic
  // CHECK: arith.divf %{{.*}}, %[[DF]] : f32
  %0 = attn.rms_norm %x, %w {epsilon = 1.0e-06 : f32} : tensor<?x?xf32>, tensor<?xf32>
  return %0 : tensor<?x?xf32>
}
