// RUN: attnc-opt %s --split-input-file --attn-tile-and-vectorize | FileCheck %s

// The q4_0 linear generic of convert-attn-to-linalg,
//   y[t, nb, j] += x[t, kb, h, kk] * w(q[nb, kb, kk, j], h, s[nb, kb, j]),
//   w = fma(float((q >> 4 h) & 15), s, -8 s)
// over (nb, t, kb, h, kk, j), is scheduled like the q8_0 one: output blocks
// in a loop marked attn.parallel, k one 32-wide block (the two nibbles h of
// 16 x 16 bytes) per step.

// Tests that the decode form (one token) becomes, per 32-wide k block, one
// vector<16x16xi8> load of the bytes (each byte read once for both of its
// nibbles), their widening, the nibbles (a shift by [0, 4] along h, a mask
// of 15), one fma with the 16 scales of the block into a vector<2x16x16>
// block of weights, and a contraction of the block's 32 x values with it
// as vector<32> x vector<32x16> (h and kk merged: the q8_0 form, 32
// broadcast FMAs) into a vector<16xf32> accumulator carried in registers
// through the k-block loop.
// CHECK-LABEL: func.func @decode
// CHECK-DAG: %[[SHIFTS:.*]] = arith.constant dense<[0, 4]> : vector<2xi32>
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<15> : vector<2x16x16xi32>
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<1x18x16xf32>, vector<16xf32>
// CHECK: scf.for %[[KB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ACC0]]) -> (vector<16xf32>)
// CHECK-DAG: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<1x9x2x16xf32>, vector<2x16xf32>
// CHECK-DAG: %[[Q:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[KB]], %{{.*}}, %{{.*}}], %{{.*}} {{.*}} : tensor<18x9x16x16xi8>, vector<16x16xi8>
// CHECK-DAG: %[[S:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[KB]], %{{.*}}], %{{.*}} {{.*}} : tensor<18x9x16xf32>, vector<16xf32>
// CHECK: %[[BYTES:.*]] = arith.extui %[[Q]] : vector<16x16xi8> to vector<16x16xi32>
// CHECK: %[[H:.*]] = vector.shape_cast %[[SHIFTS]] : vector<2xi32> to vector<2x1x1xi32>
// CHECK: %[[BOTH:.*]] = vector.broadcast %[[BYTES]] : vector<16x16xi32> to vector<2x16x16xi32>
// CHECK: %[[SHIFT:.*]] = vector.broadcast %[[H]] : vector<2x1x1xi32> to vector<2x16x16xi32>
// CHECK: %[[SHIFTED:.*]] = arith.shrui %[[BOTH]], %[[SHIFT]] : vector<2x16x16xi32>
// CHECK: %[[CODES:.*]] = arith.andi %[[SHIFTED]], %[[MASK]] : vector<2x16x16xi32>
// CHECK: %[[OFFSET:.*]] = arith.mulf %[[S]], %{{.*}} : vector<16xf32>
// CHECK: %[[CF:.*]] = arith.uitofp %[[CODES]] : vector<2x16x16xi32> to vector<2x16x16xf32>
// CHECK: %[[SB:.*]] = vector.broadcast %[[S]] : vector<16xf32> to vector<2x16x16xf32>
// CHECK: %[[OB:.*]] = vector.broadcast %[[OFFSET]] : vector<16xf32> to vector<2x16x16xf32>
// CHECK: %[[W:.*]] = math.fma %[[CF]], %[[SB]], %[[OB]] : vector<2x16x16xf32>
// CHECK: %[[X32:.*]] = vector.shape_cast %[[X]] : vector<2x16xf32> to vector<32xf32>
// CHECK: %[[W32:.*]] = vector.shape_cast %[[W]] : vector<2x16x16xf32> to vector<32x16xf32>
// CHECK: vector.contract {{.*}} %[[X32]], %[[W32]], %[[ACC]] : vector<32xf32>, vector<32x16xf32> into vector<16xf32>
// CHECK: } {attn.parallel}
#x = affine_map<(nb, t, kb, h, kk, j) -> (t, kb, h, kk)>
#q = affine_map<(nb, t, kb, h, kk, j) -> (nb, kb, kk, j)>
#s = affine_map<(nb, t, kb, h, kk, j) -> (nb, kb, j)>
#y = affine_map<(nb, t, kb, h, kk, j) -> (t, nb, j)>
func.func @decode(%x: tensor<1x9x2x16xf32>, %q: tensor<18x9x16x16xi8>, %s: tensor<18x9x16xf32>) -> tensor<1x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [#x, #q, #s, #y],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
      ins(%x, %q, %s : tensor<1x9x2x16xf32>, tensor<18x9x16x16xi8>, tensor<18x9x16xf32>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b: i8, %c: f32, %acc: f32):
    %byte = arith.extui %b : i8 to i32
    %h = linalg.index 3 : index
    %h32 = arith.index_castui %h : index to i32
    %c4 = arith.constant 4 : i32
    %shift = arith.muli %h32, %c4 : i32
    %shifted = arith.shrui %byte, %shift : i32
    %c15 = arith.constant 15 : i32
    %code = arith.andi %shifted, %c15 : i32
    %m8 = arith.constant -8.0 : f32
    %offset = arith.mulf %c, %m8 : f32
    %cf = arith.uitofp %code : i32 to f32
    %w = math.fma %cf, %c, %offset : f32
    %m = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x18x16xf32>
  return %r : tensor<1x18x16xf32>
}

// -----

// Tests that the prefill form (a dynamic token count) is register blocked as
// the q8_0 linear is: full tiles of 8 tokens x one 16-wide block (a
// vector<8x1x16xf32> accumulator fed by each dequantized weight block) in an
// output-block loop marked attn.parallel, the remaining tokens one at a
// time. The bytes are unpacked and dequantized once per tile, not once per
// token (vector<2x16x16>, no token dim), and contracted as
// vector<8x1x32> x vector<1x32x16>.
// CHECK-LABEL: func.func @prefill
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} -> (vector<8x1x16xf32>)
// CHECK: %[[Q:.*]] = vector.transfer_read {{.*}} : tensor<18x9x16x16xi8>, vector<16x16xi8>
// CHECK: arith.extui %[[Q]] : vector<16x16xi8> to vector<16x16xi32>
// CHECK: arith.shrui %{{.*}}, %{{.*}} : vector<2x16x16xi32>
// CHECK: %[[W:.*]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<2x16x16xf32>
// CHECK: %[[W4:.*]] = vector.shape_cast %[[W]] : vector<2x16x16xf32> to vector<1x2x16x16xf32>
// CHECK: %[[X3:.*]] = vector.shape_cast %{{.*}} : vector<8x1x2x16xf32> to vector<8x1x32xf32>
// CHECK: %[[W3:.*]] = vector.shape_cast %[[W4]] : vector<1x2x16x16xf32> to vector<1x32x16xf32>
// CHECK: vector.contract {{.*}} %[[X3]], %[[W3]], %{{.*}} : vector<8x1x32xf32>, vector<1x32x16xf32> into vector<8x1x16xf32>
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK: vector.contract {{.*}} : vector<32xf32>, vector<32x16xf32> into vector<16xf32>
// CHECK: } {attn.parallel}
#x = affine_map<(nb, t, kb, h, kk, j) -> (t, kb, h, kk)>
#q = affine_map<(nb, t, kb, h, kk, j) -> (nb, kb, kk, j)>
#s = affine_map<(nb, t, kb, h, kk, j) -> (nb, kb, j)>
#y = affine_map<(nb, t, kb, h, kk, j) -> (t, nb, j)>
func.func @prefill(%x: tensor<?x9x2x16xf32>, %q: tensor<18x9x16x16xi8>, %s: tensor<18x9x16xf32>) -> tensor<?x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x9x2x16xf32>
  %e = tensor.empty(%t) : tensor<?x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x18x16xf32>) -> tensor<?x18x16xf32>
  %r = linalg.generic {indexing_maps = [#x, #q, #s, #y],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
      ins(%x, %q, %s : tensor<?x9x2x16xf32>, tensor<18x9x16x16xi8>, tensor<18x9x16xf32>) outs(%init : tensor<?x18x16xf32>) {
  ^bb0(%a: f32, %b: i8, %c: f32, %acc: f32):
    %byte = arith.extui %b : i8 to i32
    %h = linalg.index 3 : index
    %h32 = arith.index_castui %h : index to i32
    %c4 = arith.constant 4 : i32
    %shift = arith.muli %h32, %c4 : i32
    %shifted = arith.shrui %byte, %shift : i32
    %c15 = arith.constant 15 : i32
    %code = arith.andi %shifted, %c15 : i32
    %m8 = arith.constant -8.0 : f32
    %offset = arith.mulf %c, %m8 : f32
    %cf = arith.uitofp %code : i32 to f32
    %w = math.fma %cf, %c, %offset : f32
    %m = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<?x18x16xf32>
  return %r : tensor<?x18x16xf32>
}
