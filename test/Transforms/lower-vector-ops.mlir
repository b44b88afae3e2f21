// RUN: attnc-opt %s --split-input-file --attn-lower-vector-ops | FileCheck %s

// Tests that the linear layer's contraction vector<16> x vector<16x16>
// becomes 16 FMAs of a broadcast x element with a W row.

// CHECK-LABEL: func.func @linear_step
// CHECK-NOT: vector.contract
// CHECK-COUNT-16: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: vector.fma
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
