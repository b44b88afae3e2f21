// RUN: attnc-opt %s --split-input-file --attn-lower-vector-ops | FileCheck %s

// Tests that the linear layer's contraction vector<16> x vector<16x16>
// becomes 16 FMAs of a broadcast x element with a W row.

// CHECK-LABEL: func.func @linear_step
// CHECK-NOT: vector.contract
// CHECK-COUNT-16: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: vector.fma
// CHECK-NOT: arith.addf
// CHECK: return
func.func @linear_step(%x: vector<16xf32>, %w: vector<16x16xf32>, %acc: vector<16xf32>) -> vector<16xf32> {
  %r = vector.contract {indexing_maps = [affine_map<(j, k) -> (k)>, affine_map<(j, k) -> (k, j)>, affine_map<(j, k) -> (j)>],
                        iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %x, %w, %acc
      : vector<16xf32>, vector<16x16xf32> into vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// Tests that a dot product (one key's q . k) becomes a product and a tree
// reduction rather than a chain of scalar FMAs.

// CHECK-LABEL: func.func @dot
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<48xf32>
// CHECK: vector.reduction <add>, %[[P]], %{{.*}} : vector<48xf32> into f32
// CHECK-NOT: vector.contract
func.func @dot(%q: vector<48xf32>, %k: vector<1x48xf32>, %acc: vector<1xf32>) -> vector<1xf32> {
  %r = vector.contract {indexing_maps = [affine_map<(j, d) -> (d)>, affine_map<(j, d) -> (j, d)>, affine_map<(j, d) -> (j)>],
                        iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %q, %k, %acc
      : vector<48xf32>, vector<1x48xf32> into vector<1xf32>
  return %r : vector<1xf32>
}

// -----

// Tests that the scores of a tile of 16 keys (rows of 48 floats, the
// reduction innermost) fold each row to 16 lanes (a multiply and two FMAs)
// and sum the 16 rows across lanes with one tree of shuffles and adds: 8+4+2+1
// pairs, each a shuffle of low and one of high blocks of 8, 4, 2, 1 lanes.
// The rows enter in bit-reversed order (0, 8, 4, 12, ...), so that lane j
// of the result is row j; the accumulator is added last.

// CHECK-LABEL: func.func @key_tile
// CHECK-SAME: (%[[Q:.*]]: vector<48xf32>, %[[K:.*]]: vector<16x48xf32>, %[[ACC:.*]]: vector<16xf32>)
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.reduction
// CHECK-COUNT-32: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: vector.fma
// CHECK-COUNT-8: vector.shuffle {{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23] : vector<16xf32>, vector<16xf32>
// CHECK-COUNT-4: vector.shuffle {{.*}} [0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27] : vector<16xf32>, vector<16xf32>
// CHECK-COUNT-2: vector.shuffle {{.*}} [0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29] : vector<16xf32>, vector<16xf32>
// CHECK: %[[LO:.*]] = vector.shuffle %[[A:.*]], %[[B:.*]] [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30]
// CHECK: %[[HI:.*]] = vector.shuffle %[[A]], %[[B]] [1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31]
// CHECK: %[[SUM:.*]] = arith.addf %[[LO]], %[[HI]] : vector<16xf32>
// CHECK: %[[R:.*]] = arith.addf %[[SUM]], %[[ACC]] : vector<16xf32>
// CHECK: return %[[R]]
func.func @key_tile(%q: vector<48xf32>, %k: vector<16x48xf32>, %acc: vector<16xf32>) -> vector<16xf32> {
  %r = vector.contract {indexing_maps = [affine_map<(j, d) -> (d)>, affine_map<(j, d) -> (j, d)>, affine_map<(j, d) -> (j)>],
                        iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %q, %k, %acc
      : vector<48xf32>, vector<16x48xf32> into vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// Tests that exp gets a polynomial approximation (no libm call per lane).

// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK-NOT: math.exp
func.func @exp(%x: vector<16xf32>) -> vector<16xf32> {
  %r = math.exp %x : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// Tests that a key block's max in softmax (vector<1x1x16> reduced over its
// last dim into the running max) becomes four halving steps on whole
// vectors (16 -> 8 -> 4 -> 2 -> 1 lanes, each the max of the low and the
// high half) and one step with the accumulator, not 16 scalar steps.
// CHECK-LABEL: func.func @block_max
// CHECK-SAME: (%[[S:.*]]: vector<1x1x16xf32>, %[[ACC:.*]]: vector<1x1xf32>)
// CHECK: %[[V:.*]] = vector.extract %[[S]][0, 0] : vector<16xf32> from vector<1x1x16xf32>
// CHECK: %[[L8:.*]] = vector.extract_strided_slice %[[V]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK: %[[H8:.*]] = vector.extract_strided_slice %[[V]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK: %[[M8:.*]] = arith.maximumf %[[L8]], %[[H8]] : vector<8xf32>
// CHECK: %[[L4:.*]] = vector.extract_strided_slice %[[M8]] {offsets = [0], sizes = [4], strides = [1]}
// CHECK: %[[H4:.*]] = vector.extract_strided_slice %[[M8]] {offsets = [4], sizes = [4], strides = [1]}
// CHECK: %[[M4:.*]] = arith.maximumf %[[L4]], %[[H4]] : vector<4xf32>
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<2xf32>
// CHECK: %[[M1:.*]] = arith.maximumf %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK: %[[E:.*]] = vector.extract %[[M1]][0] : f32 from vector<1xf32>
// CHECK: %[[A:.*]] = vector.extract %[[ACC]][0, 0] : f32 from vector<1x1xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[E]], %[[A]] : f32
// CHECK: %[[OUT:.*]] = vector.splat %[[R]] : vector<1x1xf32>
// CHECK: return %[[OUT]]
// CHECK-NOT: vector.multi_reduction
func.func @block_max(%s: vector<1x1x16xf32>, %acc: vector<1x1xf32>) -> vector<1x1xf32> {
  %r = vector.multi_reduction <maximumf>, %s, %acc [2] : vector<1x1x16xf32> to vector<1x1xf32>
  return %r : vector<1x1xf32>
}

// -----

// Tests that a key block's sum (into a scalar) is added as a tree too: the
// low and high halves, 16 -> 8 -> 4 -> 2 -> 1, then the accumulator.
// CHECK-LABEL: func.func @block_sum
// CHECK-SAME: (%[[S:.*]]: vector<16xf32>, %[[ACC:.*]]: f32)
// CHECK: %[[L8:.*]] = vector.extract_strided_slice %[[S]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK: %[[H8:.*]] = vector.extract_strided_slice %[[S]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK: arith.addf %[[L8]], %[[H8]] : vector<8xf32>
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<2xf32>
// CHECK: %[[M1:.*]] = arith.addf %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK: %[[E:.*]] = vector.extract %[[M1]][0] : f32 from vector<1xf32>
// CHECK: %[[R:.*]] = arith.addf %[[E]], %[[ACC]] : f32
// CHECK: return %[[R]]
func.func @block_sum(%s: vector<16xf32>, %acc: f32) -> f32 {
  %r = vector.multi_reduction <add>, %s, %acc [0] : vector<16xf32> to f32
  return %r : f32
}

// -----

// Tests that a linear step on bf16 weights is split into four chains of 4
// FMAs: the accumulator carried by the loop over k goes through one chain of
// 4 (not 16) and one add; the three other chains start from zero and are
// summed beside it. (An f32 step stays one chain: @linear_step.)

// CHECK-LABEL: func.func @bf16_linear_step
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: vector<16xf32>) -> vector<16xf32>
// CHECK-NOT: vector.contract
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[C0:.+]] = vector.fma {{.*}}, %[[ACC]] : vector<16xf32>
// CHECK: %[[C1:.+]] = vector.fma {{.*}}, %[[C0]] : vector<16xf32>
// CHECK: %[[C2:.+]] = vector.fma {{.*}}, %[[C1]] : vector<16xf32>
// CHECK: %[[CARRIED:.+]] = vector.fma {{.*}}, %[[C2]] : vector<16xf32>
// CHECK: %[[P1:.+]] = vector.fma {{.*}}, %[[ZERO]] : vector<16xf32>
// CHECK-COUNT-3: vector.fma
// CHECK: %[[P2:.+]] = vector.fma {{.*}}, %[[ZERO]] : vector<16xf32>
// CHECK-COUNT-3: vector.fma
// CHECK: %[[P3:.+]] = vector.fma {{.*}}, %[[ZERO]] : vector<16xf32>
// CHECK-COUNT-3: vector.fma
// CHECK-NOT: vector.fma
// CHECK: %[[S12:.+]] = arith.addf
// CHECK: %[[S123:.+]] = arith.addf %[[S12]]
// CHECK: %[[SUM:.+]] = arith.addf %[[CARRIED]], %[[S123]] : vector<16xf32>
// CHECK: return %[[SUM]]
func.func @bf16_linear_step(%x: vector<16xf32>, %w: vector<16x16xbf16>, %acc: vector<16xf32>) -> vector<16xf32> {
  %wf = arith.extf %w : vector<16x16xbf16> to vector<16x16xf32>
  %r = vector.contract {indexing_maps = [affine_map<(j, k) -> (k)>, affine_map<(j, k) -> (k, j)>, affine_map<(j, k) -> (j)>],
                        iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %x, %wf, %acc
      : vector<16xf32>, vector<16x16xf32> into vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// Tests that a broadcast that only adds a leading unit dim ends as one insert
// into a zero splat. Its lowering and the insert canonicalization turn each
// into the other; in one rewrite set they looped without end.

// CHECK-LABEL: func.func @broadcast_leading_unit
// CHECK-SAME: (%[[A:.*]]: vector<32xi8>)
// CHECK: %[[ZERO:.*]] = arith.constant dense<0> : vector<1x32xi8>
// CHECK: %[[R:.*]] = vector.insert %[[A]], %[[ZERO]] [0] : vector<32xi8> into vector<1x32xi8>
// CHECK-NOT: vector.broadcast
// CHECK: return %[[R]]
func.func @broadcast_leading_unit(%a: vector<32xi8>) -> vector<1x32xi8> {
  %b = vector.broadcast %a : vector<32xi8> to vector<1x32xi8>
  return %b : vector<1x32xi8>
}

// -----

// CHECK-LABEL: func.func @bitcast_of_broadcast
// CHECK-SAME: (%[[A:.*]]: vector<32xi8>)
// CHECK: %[[R:.*]] = vector.insert %[[A]], %{{.*}} [0] : vector<32xi8> into vector<1x32xi8>
// CHECK: vector.bitcast %[[R]] : vector<1x32xi8> to vector<1x8xi32>
func.func @bitcast_of_broadcast(%a: vector<32xi8>) -> vector<1x8xi32> {
  %b = vector.broadcast %a : vector<32xi8> to vector<1x32xi8>
  %c = vector.bitcast %b : vector<1x32xi8> to vector<1x8xi32>
  return %c : vector<1x8xi32>
}
