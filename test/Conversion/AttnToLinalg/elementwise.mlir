// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.swiglu and attn.add: elementwise generics over (t, d).

// Tests swiglu as llama2.c: g * (1 / (1 + exp(-g))) * up, gate and up in order.
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[G:[^:]*]]: tensor<1x192xf32>, %[[U:[^:]*]]: tensor<1x192xf32>)
func.func @swiglu(%g: tensor<1x192xf32>, %u: tensor<1x192xf32>) -> tensor<1x192xf32> {
  // CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x192xf32>
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[G]], %[[U]] : tensor<1x192xf32>, tensor<1x192xf32>) outs(%[[EMPTY]] : tensor<1x192xf32>)
  // CHECK-NEXT: ^bb0(%[[GV:.*]]: f32, %[[UV:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[GV]] : f32
  // CHECK-NEXT: %[[E:.*]] = math.exp %[[NEG]] : f32
  // CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
  // CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
  // CHECK-NEXT: %[[SILU:.*]] = arith.mulf %[[GV]], %[[SIG]] : f32
  // CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[SILU]], %[[UV]] : f32
  // CHECK-NEXT: linalg.yield %[[Y]]
  // CHECK: return %[[OUT]]
  %0 = attn.swiglu %g, %u : tensor<1x192xf32>
  return %0 : tensor<1x192xf32>
}

// -----

// Tests add (the residual): addf of both operands, dynamic T.
// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:[^:]*]]: tensor<?x64xf32>, %[[B:[^:]*]]: tensor<?x64xf32>)
func.func @add(%a: tensor<?x64xf32>, %b: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?x64xf32>
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[A]], %[[B]] : tensor<?x64xf32>, tensor<?x64xf32>) outs(%[[EMPTY]] : tensor<?x64xf32>)
  // CHECK-NEXT: ^bb0(%[[AV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: %[[S:.*]] = arith.addf %[[AV]], %[[BV]] : f32
  // CHECK-NEXT: linalg.yield %[[S]]
  %0 = attn.add %a, %b : tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}
