// RUN: attnc-opt %s --split-input-file --attn-tile-and-vectorize | FileCheck %s

// The q8_0 linear generic of convert-attn-to-linalg,
//   y[t, nb, j] += x[t, kb, kk] * (sitofp(q[nb, kb, kk, j]) * s[nb, kb, j])
// over (nb, t, kb, kk, j), is scheduled like the packed f32 linear: output
// blocks in a loop marked attn.parallel, k one 32-wide block per step.

// Tests that the decode form (one token) becomes, per 32-wide k block, one
// vector<32x16xi8> load of the values, their conversion, a contraction of
// the 32 x values with that 32x16 block from zero, and one product of the
// sum with the 16 scales of the block added to a vector<16xf32> accumulator
// carried in registers through the k-block loop (the scale is the same for
// every term of a block's sum: ContractOfScaledOperand).
// CHECK-LABEL: func.func @decode
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<1x18x16xf32>, vector<16xf32>
// CHECK: scf.for %[[KB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ACC0]]) -> (vector<16xf32>)
// CHECK-DAG: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<1x9x32xf32>, vector<32xf32>
// CHECK-DAG: %[[Q:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[KB]], %{{.*}}, %{{.*}}], %{{.*}} {{.*}} : tensor<18x9x32x16xi8>, vector<32x16xi8>
// CHECK-DAG: %[[S:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[KB]], %{{.*}}], %{{.*}} {{.*}} : tensor<18x9x16xf32>, vector<16xf32>
// CHECK: %[[QF:.*]] = arith.sitofp %[[Q]] : vector<32x16xi8> to vector<32x16xf32>
// CHECK: %[[SUM:.*]] = vector.contract {{.*}} %[[X]], %[[QF]], %[[ZERO:.*]] : vector<32xf32>, vector<32x16xf32> into vector<16xf32>
// CHECK: %[[SCALED:.*]] = arith.mulf %[[SUM]], %[[S]] : vector<16xf32>
// CHECK: arith.addf %[[ACC]], %[[SCALED]] : vector<16xf32>
// CHECK: } {attn.parallel}
#x = affine_map<(nb, t, kb, kk, j) -> (t, kb, kk)>
#q = affine_map<(nb, t, kb, kk, j) -> (nb, kb, kk, j)>
#s = affine_map<(nb, t, kb, kk, j) -> (nb, kb, j)>
#y = affine_map<(nb, t, kb, kk, j) -> (t, nb, j)>
func.func @decode(%x: tensor<1x9x32xf32>, %q: tensor<18x9x32x16xi8>, %s: tensor<18x9x16xf32>) -> tensor<1x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [#x, #q, #s, #y],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%x, %q, %s : tensor<1x9x32xf32>, tensor<18x9x32x16xi8>, tensor<18x9x16xf32>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b: i8, %c: f32, %acc: f32):
    %bf = arith.sitofp %b : i8 to f32
    %w = arith.mulf %bf, %c : f32
    %m = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x18x16xf32>
  return %r : tensor<1x18x16xf32>
}

// -----

// Tests that the prefill form (a dynamic token count) is register blocked as
// the f32 linear is: full tiles of 8 tokens x one 16-wide block (an 8x16
// accumulator fed by each converted weight block) in an output-block loop
// marked attn.parallel, the remaining tokens one at a time. The weight block
// is converted once per tile, not once per token: the vectorizer's
// broadcasts over the tokens are folded away (TransposeOfBroadcast,
// ElementwiseOfBroadcasts, ContractOfLeadingBroadcast); the block's scales
// multiply the 8 tokens' sums once (ContractOfScaledOperand).
// CHECK-LABEL: func.func @prefill
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} -> (vector<8x1x16xf32>)
// CHECK: %[[QF:.*]] = arith.sitofp %{{.*}} : vector<32x16xi8> to vector<32x16xf32>
// CHECK: %[[SUM:.*]] = vector.contract {{.*}} %[[QF]], %{{.*}} : vector<8x1x32xf32>, vector<32x16xf32> into vector<8x16xf32>
// CHECK: %[[S:.*]] = vector.broadcast %{{.*}} : vector<16xf32> to vector<8x16xf32>
// CHECK: %[[SCALED:.*]] = arith.mulf %[[SUM]], %[[S]] : vector<8x16xf32>
// CHECK: arith.addf %{{.*}}, %[[SCALED]] : vector<8x16xf32>
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK: vector.contract {{.*}} : vector<32xf32>, vector<32x16xf32> into vector<16xf32>
// CHECK: } {attn.parallel}
#x = affine_map<(nb, t, kb, kk, j) -> (t, kb, kk)>
#q = affine_map<(nb, t, kb, kk, j) -> (nb, kb, kk, j)>
#s = affine_map<(nb, t, kb, kk, j) -> (nb, kb, j)>
#y = affine_map<(nb, t, kb, kk, j) -> (t, nb, j)>
func.func @prefill(%x: tensor<?x9x32xf32>, %q: tensor<18x9x32x16xi8>, %s: tensor<18x9x16xf32>) -> tensor<?x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x9x32xf32>
  %e = tensor.empty(%t) : tensor<?x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x18x16xf32>) -> tensor<?x18x16xf32>
  %r = linalg.generic {indexing_maps = [#x, #q, #s, #y],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%x, %q, %s : tensor<?x9x32xf32>, tensor<18x9x32x16xi8>, tensor<18x9x16xf32>) outs(%init : tensor<?x18x16xf32>) {
  ^bb0(%a: f32, %b: i8, %c: f32, %acc: f32):
    %bf = arith.sitofp %b : i8 to f32
    %w = arith.mulf %bf, %c : f32
    %m = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<?x18x16xf32>
  return %r : tensor<?x18x16xf32>
}
