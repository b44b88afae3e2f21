// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.layer_norm as torch.nn.LayerNorm, in two passes: sum(x) (a reduction
// generic over (t, d)), then sum((x - mean)^2) with the mean subtracted
// before squaring (never E[x^2] - mean^2), then
// o = (x - mean) * (1 / sqrt(var + eps)) * w + b elementwise, both row sums
// divided by D (the biased variance).

// Tests the two reductions and the normalisation with D = 64, eps, w and b.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<64xf32>, %[[B:[^:]*]]: tensor<64xf32>)
func.func @layer_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK-DAG: %[[D:.*]] = arith.constant 6.400000e+01 : f32
  // CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK: %[[INIT1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?xf32>)
  // CHECK: %[[SUM:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>]
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  // CHECK-SAME: ins(%[[X]] : tensor<?x64xf32>) outs(%[[INIT1]] : tensor<?xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[XV]] : f32
  // CHECK-NEXT: linalg.yield %[[S]]
  // CHECK: %[[INIT2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?xf32>)
  // CHECK: %[[SQ:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>]
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  // CHECK-SAME: ins(%[[X]], %[[SUM]] : tensor<?x64xf32>, tensor<?xf32>) outs(%[[INIT2]] : tensor<?xf32>)
  // CHECK-NEXT: ^bb0(%[[XV2:.*]]: f32, %[[ROW:.*]]: f32, %[[ACC2:.*]]: f32):
  // CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[ROW]], %[[D]] : f32
  // CHECK-NEXT: %[[C:.*]] = arith.subf %[[XV2]], %[[MEAN]] : f32
  // CHECK-NEXT: %[[C2:.*]] = arith.mulf %[[C]], %[[C]] : f32
  // CHECK-NEXT: %[[S2:.*]] = arith.addf %[[ACC2]], %[[C2]] : f32
  // CHECK-NEXT: linalg.yield %[[S2]]
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]], %[[SUM]], %[[SQ]], %[[W]], %[[B]] :
  // CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[SUME:.*]]: f32, %[[SQE:.*]]: f32, %[[WE:.*]]: f32, %[[BE:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[M:.*]] = arith.divf %[[SUME]], %[[D]] : f32
  // CHECK-NEXT: %[[VAR:.*]] = arith.divf %[[SQE]], %[[D]] : f32
  // CHECK-NEXT: %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]] : f32
  // CHECK-NEXT: %[[SQRT:.*]] = math.sqrt %[[VE]] : f32
  // CHECK-NEXT: %[[INV:.*]] = arith.divf %[[ONE]], %[[SQRT]] : f32
  // CHECK-NEXT: %[[XC:.*]] = arith.subf %[[XE]], %[[M]] : f32
  // CHECK-NEXT: %[[N:.*]] = arith.mulf %[[XC]], %[[INV]] : f32
  // CHECK-NEXT: %[[NW:.*]] = arith.mulf %[[N]], %[[WE]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.addf %[[NW]], %[[BE]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a dynamic width is converted to float from tensor.dim and that
// another epsilon reaches the body.
// CHECK-LABEL: func.func @dynamic_width
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x?xf32>
func.func @dynamic_width(%x: tensor<1x?xf32>, %w: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<1x?xf32> {
  // CHECK: %[[C1:.*]] = arith.constant 1 : index
  // CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<1x?xf32>
  // CHECK: %[[DIM64:.*]] = arith.index_cast %[[DIM]] : index to i64
  // CHECK: %[[DF:.*]] = arith.sitofp %[[DIM64]] : i64 to f32
  // CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
  // CHECK: linalg.generic
  // CHECK: linalg.generic
  // CHECK: arith.divf %{{.*}}, %[[DF]] : f32
  // CHECK: linalg.generic
  // CHECK: arith.addf %{{.*}}, %[[EPS]] : f32
  %0 = attn.layer_norm %x, %w, %b {epsilon = 1.0e-06 : f32} : tensor<1x?xf32>, tensor<?xf32>
  return %0 : tensor<1x?xf32>
}
