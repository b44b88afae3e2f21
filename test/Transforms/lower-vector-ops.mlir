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

// Tests that exp gets a polynomial approximation (no libm call per lane).

// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK-NOT: math.exp
func.func @exp(%x: vector<16xf32>) -> vector<16xf32> {
  %r = math.exp %x : vector<16xf32>
  return %r : vector<16xf32>
}
