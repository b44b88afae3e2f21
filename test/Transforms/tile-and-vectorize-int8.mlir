// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --attn-tile-and-vectorize | FileCheck %s

// The integer linear (attn.linear with input_quant q8_0) after
// convert-attn-to-linalg: its tiles, (1 block, T tokens, 1 k block, 32, 16),
// are emitted as attn.dot_i8 byte dot products, with each lane's sum
// starting from the block sum -128 * sum(codes) that takes back the 128
// added to every weight to make it unsigned.

// Tests the decode form: the block sums (a contraction of the sign-extended
// codes with -128), then per output block a loop over the k blocks carrying
// one vector<16xf32>; in it the 32 x 16 weights read as 8 contiguous
// vector<64xi8>, each regrouped to 16 lanes of 4 consecutive rows (byte
// 4 j + g <- row g, lane j) and its sign bit flipped; 8 dot_i8 chained from
// the broadcast block sum, each with the next 4 codes broadcast to every
// lane; the sum converted, times d * s, added to the accumulator.
// CHECK-LABEL: func.func @decode
// CHECK: %[[MINUS128:.*]] = arith.constant dense<-128> : vector<2x32xi32>
// CHECK: %[[SIGN:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK: %[[CODES:.*]] = arith.extsi %{{.*}} : vector<2x32xi8> to vector<2x32xi32>
// CHECK: %[[SUMSV:.*]] = vector.contract {{.*}} %[[CODES]], %[[MINUS128]], %{{.*}} : vector<2x32xi32>, vector<2x32xi32> into vector<2xi32>
// CHECK: %[[SUMS:.*]] = vector.transfer_write %[[SUMSV]]
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for %[[KB:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK: %[[SUMSLICE:.*]] = tensor.extract_slice %[[SUMS]][0, %[[KB]]] [1, 1] [1, 1]
// CHECK: %[[BLOCK:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] : tensor<1x1x32x16xi8> into tensor<512xi8>
// CHECK: %[[S:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[KB]], %{{.*}}], {{.*}} : tensor<3x2x16xf32>, vector<16xf32>
// CHECK: %[[ROWS0:.*]] = vector.transfer_read %[[BLOCK]][%{{.*}}], {{.*}} : tensor<512xi8>, vector<64xi8>
// CHECK: %[[LANES0:.*]] = vector.shuffle %[[ROWS0]], %[[ROWS0]] [0, 16, 32, 48, 1, 17, 33, 49, 2, 18, 34, 50, 3, 19, 35, 51, 4, 20, 36, 52, {{.*}}, 15, 31, 47, 63]
// CHECK: %[[W0:.*]] = arith.xori %[[LANES0]], %[[SIGN]] : vector<64xi8>
// CHECK-COUNT-7: arith.xori %{{.*}}, %[[SIGN]] : vector<64xi8>
// CHECK: %[[SUM:.*]] = tensor.extract %[[SUMSLICE]]
// CHECK: %[[INIT:.*]] = vector.broadcast %[[SUM]] : i32 to vector<16xi32>
// CHECK: %[[TOKEN:.*]] = vector.transfer_read {{.*}} : tensor<1x2x32xi8>, vector<32xi8>
// CHECK: %[[GROUPS:.*]] = vector.bitcast %[[TOKEN]] : vector<32xi8> to vector<8xi32>
// CHECK: %[[G0:.*]] = vector.extract %[[GROUPS]][0] : i32 from vector<8xi32>
// CHECK: %[[G0V:.*]] = vector.broadcast %[[G0]] : i32 to vector<16xi32>
// CHECK: %[[G0B:.*]] = vector.bitcast %[[G0V]] : vector<16xi32> to vector<64xi8>
// CHECK: %[[DOT0:.*]] = attn.dot_i8 %[[INIT]], %[[W0]], %[[G0B]] : vector<64xi8> into vector<16xi32>
// CHECK: %[[DOT1:.*]] = attn.dot_i8 %[[DOT0]],
// CHECK-COUNT-5: attn.dot_i8
// CHECK: %[[DOT7:.*]] = attn.dot_i8
// CHECK-NOT: attn.dot_i8
// CHECK: %[[F:.*]] = arith.sitofp %[[DOT7]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[D:.*]] = tensor.extract
// CHECK: %[[DV:.*]] = vector.broadcast %[[D]] : f32 to vector<16xf32>
// CHECK: %[[SCALE:.*]] = arith.mulf %[[DV]], %[[S]] : vector<16xf32>
// CHECK: %[[TERM:.*]] = arith.mulf %[[F]], %[[SCALE]] : vector<16xf32>
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[TERM]] : vector<16xf32>
// CHECK: scf.yield %[[NEXT]] : vector<16xf32>
// CHECK: } {attn.parallel}
func.func @decode(%x: tensor<1x64xf32>, %w: tensor<3x64x16xi8>, %s: tensor<3x2x16xf32>) -> tensor<1x48xf32> {
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q8_0>} : tensor<1x64xf32>, tensor<3x64x16xi8>, tensor<3x2x16xf32> -> tensor<1x48xf32>
  return %0 : tensor<1x48xf32>
}

// -----

// Tests the prefill form: 8-token tiles, whose weights are regrouped once
// (8 shuffles) for 8 tokens x 8 dot_i8 carried in a vector<8x1x16xf32>, and
// the peeled left-over tokens one at a time (8 shuffles, 8 dot_i8).
// CHECK-LABEL: func.func @prefill
// CHECK: scf.for
// CHECK: scf.for {{.*}} -> (vector<8x1x16xf32>)
// CHECK-COUNT-8: vector.shuffle
// CHECK-NOT: vector.shuffle
// CHECK-COUNT-64: attn.dot_i8
// CHECK-NOT: attn.dot_i8
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK-COUNT-8: vector.shuffle
// CHECK-COUNT-8: attn.dot_i8
// CHECK-NOT: attn.dot_i8
func.func @prefill(%x: tensor<?x64xf32>, %w: tensor<3x64x16xi8>, %s: tensor<3x2x16xf32>) -> tensor<?x48xf32> {
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q8_0>} : tensor<?x64xf32>, tensor<3x64x16xi8>, tensor<3x2x16xf32> -> tensor<?x48xf32>
  return %0 : tensor<?x48xf32>
}
