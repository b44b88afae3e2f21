// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.gelu and attn.relu: one elementwise generic over every dimension of
// their operand, with the formula of the approximation the op names.

// Tests exact gelu: 0.5 x (1 + erf(x * (1 / sqrt 2))), 1 / sqrt 2 in float32.
// CHECK-LABEL: func.func @gelu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x256xf32>)
func.func @gelu(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  // CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK-DAG: %[[RSQRT2:.*]] = arith.constant 0.707106769 : f32
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[X]] : tensor<?x256xf32>)
  // CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[A:.*]] = arith.mulf %[[V]], %[[RSQRT2]] : f32
  // CHECK-NEXT: %[[E:.*]] = math.erf %[[A]] : f32
  // CHECK-NEXT: %[[H:.*]] = arith.mulf %[[HALF]], %[[V]] : f32
  // CHECK-NEXT: %[[P:.*]] = arith.addf %[[ONE]], %[[E]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[H]], %[[P]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.gelu %x {approximation = #attn.gelu<none>} : tensor<?x256xf32>
  return %0 : tensor<?x256xf32>
}

// -----

// Tests tanh gelu: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), and
// that it is not the erf form.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x256xf32>)
func.func @gelu_tanh(%x: tensor<1x256xf32>) -> tensor<1x256xf32> {
  // CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK-DAG: %[[S2PI:.*]] = arith.constant 0.797884583 : f32
  // CHECK-DAG: %[[K:.*]] = arith.constant 4.471500e-02 : f32
  // CHECK: linalg.generic
  // CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[V2:.*]] = arith.mulf %[[V]], %[[V]] : f32
  // CHECK-NEXT: %[[V3:.*]] = arith.mulf %[[V2]], %[[V]] : f32
  // CHECK-NEXT: %[[KV3:.*]] = arith.mulf %[[K]], %[[V3]] : f32
  // CHECK-NEXT: %[[IN:.*]] = arith.addf %[[V]], %[[KV3]] : f32
  // CHECK-NEXT: %[[U:.*]] = arith.mulf %[[S2PI]], %[[IN]] : f32
  // CHECK-NEXT: %[[T:.*]] = math.tanh %[[U]] : f32
  // CHECK-NEXT: %[[H:.*]] = arith.mulf %[[HALF]], %[[V]] : f32
  // CHECK-NEXT: %[[P:.*]] = arith.addf %[[ONE]], %[[T]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[H]], %[[P]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK-NOT: math.erf
  %0 = attn.gelu %x {approximation = #attn.gelu<tanh>} : tensor<1x256xf32>
  return %0 : tensor<1x256xf32>
}

// -----

// Tests that gelu takes any rank (here the 3-D head layout).
// CHECK-LABEL: func.func @gelu_rank3
func.func @gelu_rank3(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
  // CHECK: math.erf
  %0 = attn.gelu %x {approximation = #attn.gelu<none>} : tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Tests relu: maximumf(x, 0) (NaN-propagating, as torch.relu).
// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>)
func.func @relu(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[X]] : tensor<?x64xf32>)
  // CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[Y:.*]] = arith.maximumf %[[V]], %[[ZERO]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  %0 = attn.relu %x : tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}
