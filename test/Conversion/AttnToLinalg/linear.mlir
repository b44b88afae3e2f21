// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.linear with a packed (N / B, K, B) weight: y[t, nb, j] += x[t, k] *
// W[nb, k, j] over loops (nb, t, j, k) on a zero-filled (T, NB, B), then
// collapsed to (T, NB * B). The loop order is what the tile-and-vectorize
// heuristics expect (innermost parallel j = a contiguous block row).

// Tests the generic's loop order, maps, body and the collapse, decode shape.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x64xf32>, %[[W:[^:]*]]: tensor<12x64x16xf32>)
func.func @decode(%x: tensor<1x64xf32>, %w: tensor<12x64x16xf32>) -> tensor<1x192xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x12x16xf32>
  // CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<1x12x16xf32>)
  // CHECK: %[[Y:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d1, d0, d2)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x64xf32>, tensor<12x64x16xf32>) outs(%[[INIT]] : tensor<1x12x16xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[WV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[XV]], %[[WV]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  // CHECK-NEXT: linalg.yield %[[ADD]]
  // CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1, 2]] : tensor<1x12x16xf32> into tensor<1x192xf32>
  // CHECK: return %[[OUT]]
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<12x64x16xf32> -> tensor<1x192xf32>
  return %0 : tensor<1x192xf32>
}

// -----

// Tests that a dynamic token count (prefill) sizes the accumulator with tensor.dim.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<4x64x16xf32>)
func.func @prefill(%x: tensor<?x64xf32>, %w: tensor<4x64x16xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x64xf32>
  // CHECK: tensor.empty(%[[T]]) : tensor<?x4x16xf32>
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[X]], %[[W]] : tensor<?x64xf32>, tensor<4x64x16xf32>)
  // CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<?x4x16xf32> into tensor<?x64xf32>
  %0 = attn.linear %x, %w : tensor<?x64xf32>, tensor<4x64x16xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a bf16 weight is widened in the body (arith.extf) and multiplied
// and summed in f32.
// CHECK-LABEL: func.func @bf16
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x64xf32>, %[[W:[^:]*]]: tensor<4x64x16xbf16>)
func.func @bf16(%x: tensor<1x64xf32>, %w: tensor<4x64x16xbf16>) -> tensor<1x64xf32> {
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x64xf32>, tensor<4x64x16xbf16>) outs(%{{.*}} : tensor<1x4x16xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[WV:.*]]: bf16, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[WIDE:.*]] = arith.extf %[[WV]] : bf16 to f32
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[XV]], %[[WIDE]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  %0 = attn.linear %x, %w : tensor<1x64xf32>, tensor<4x64x16xbf16> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests the same for f16.
// CHECK-LABEL: func.func @f16
func.func @f16(%x: tensor<?x64xf32>, %w: tensor<4x64x16xf16>) -> tensor<?x64xf32> {
  // CHECK: ^bb0(%[[XV:.*]]: f32, %[[WV:.*]]: f16, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[WIDE:.*]] = arith.extf %[[WV]] : f16 to f32
  // CHECK-NEXT: arith.mulf %[[XV]], %[[WIDE]] : f32
  %0 = attn.linear %x, %w : tensor<?x64xf32>, tensor<4x64x16xf16> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a q8_0 weight splits k into 32-wide blocks (x and the values
// expanded, no copy) over loops (nb, t, kb, kk, j), every map a projected
// permutation, and dequantizes in the body: sitofp, times the block's scale,
// then the f32 product and sum.
// CHECK-LABEL: func.func @q8_0
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<4x64x16xi8>, %[[S:[^:]*]]: tensor<4x2x16xf32>)
func.func @q8_0(%x: tensor<?x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[XB:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 2, 32] : tensor<?x64xf32> into tensor<?x2x32xf32>
  // CHECK: %[[WB:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1, 2], [3]] output_shape [4, 2, 32, 16] : tensor<4x64x16xi8> into tensor<4x2x32x16xi8>
  // CHECK: linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d0, d4)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]
  // CHECK-SAME: ins(%[[XB]], %[[WB]], %[[S]] : tensor<?x2x32xf32>, tensor<4x2x32x16xi8>, tensor<4x2x16xf32>) outs(%{{.*}} : tensor<?x4x16xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[QV:.*]]: i8, %[[SV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[QF:.*]] = arith.sitofp %[[QV]] : i8 to f32
  // CHECK-NEXT: %[[WV:.*]] = arith.mulf %[[QF]], %[[SV]] : f32
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[XV]], %[[WV]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  // CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<?x4x16xf32> into tensor<?x64xf32>
  %0 = attn.linear %x, %w scales %s : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a q4_0 weight (two 4-bit codes a byte: 64 in-features in 32
// bytes) splits k into (kb, h, kk) for x and its bytes into (nb, kb, kk, j),
// no copy, over loops (nb, t, kb, h, kk, j), every map a projected
// permutation; the body widens the byte, takes nibble h by a shift of 4 h
// (linalg.index 3) and a mask of 15, and dequantizes as
// fma(float(code), s, -8 s) = (code - 8) s, then the f32 product and sum.
// CHECK-LABEL: func.func @q4_0
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<4x32x16xi8>, %[[S:[^:]*]]: tensor<4x2x16xf32>)
func.func @q4_0(%x: tensor<?x64xf32>, %w: tensor<4x32x16xi8>, %s: tensor<4x2x16xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[XB:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 2, 2, 16] : tensor<?x64xf32> into tensor<?x2x2x16xf32>
  // CHECK: %[[WB:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1, 2], [3]] output_shape [4, 2, 16, 16] : tensor<4x32x16xi8> into tensor<4x2x16x16xi8>
  // CHECK: linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d0, d5)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]
  // CHECK-SAME: ins(%[[XB]], %[[WB]], %[[S]] : tensor<?x2x2x16xf32>, tensor<4x2x16x16xi8>, tensor<4x2x16xf32>) outs(%{{.*}} : tensor<?x4x16xf32>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[QV:.*]]: i8, %[[SV:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[BYTE:.*]] = arith.extui %[[QV]] : i8 to i32
  // CHECK-NEXT: %[[H:.*]] = linalg.index 3 : index
  // CHECK-NEXT: %[[H32:.*]] = arith.index_castui %[[H]] : index to i32
  // CHECK-NEXT: %[[FOUR:.*]] = arith.constant 4 : i32
  // CHECK-NEXT: %[[SHIFT:.*]] = arith.muli %[[H32]], %[[FOUR]] : i32
  // CHECK-NEXT: %[[SHIFTED:.*]] = arith.shrui %[[BYTE]], %[[SHIFT]] : i32
  // CHECK-NEXT: %[[MASK:.*]] = arith.constant 15 : i32
  // CHECK-NEXT: %[[CODE:.*]] = arith.andi %[[SHIFTED]], %[[MASK]] : i32
  // CHECK-NEXT: %[[M8:.*]] = arith.constant -8.000000e+00 : f32
  // CHECK-NEXT: %[[OFFSET:.*]] = arith.mulf %[[SV]], %[[M8]] : f32
  // CHECK-NEXT: %[[CF:.*]] = arith.uitofp %[[CODE]] : i32 to f32
  // CHECK-NEXT: %[[WV:.*]] = math.fma %[[CF]], %[[SV]], %[[OFFSET]] : f32
  // CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[XV]], %[[WV]] : f32
  // CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[ACC]], %[[MUL]] : f32
  // CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<?x4x16xf32> into tensor<?x64xf32>
  %0 = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<?x64xf32>, tensor<4x32x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// attn.linear with `input_quant` q8_0: the input is quantized per token and
// 32-value block (block maxima of |x|, d = max / 127, codes roundeven(x / d)
// clamped to [-127, 127], 0 where d = 0), then one integer generic over
// (nb, t, kb, kk, j): int products, converted, times d * s.
// Tests the quantization's three generics and the integer product's maps
// and body (the products in i32 from the sign-extended codes and weights,
// the scale d * s in that order).
// CHECK-LABEL: func.func @q8_0_int8_input
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<4x64x16xi8>, %[[S:[^:]*]]: tensor<4x2x16xf32>)
func.func @q8_0_int8_input(%x: tensor<?x64xf32>, %w: tensor<4x64x16xi8>, %s: tensor<4x2x16xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[XB:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2]] {{.*}} : tensor<?x64xf32> into tensor<?x2x32xf32>
  // CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[XB]] : tensor<?x2x32xf32>)
  // CHECK: math.absf
  // CHECK: arith.maximumf
  // CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<?x2xf32>)
  // CHECK: %[[C127:.*]] = arith.constant 1.270000e+02 : f32
  // CHECK: arith.divf %{{.*}}, %[[C127]] : f32
  // CHECK: %[[CODES:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[XB]], %[[D]] : tensor<?x2x32xf32>, tensor<?x2xf32>) outs(%{{.*}} : tensor<?x2x32xi8>)
  // CHECK-NEXT: ^bb0(%[[XV:.*]]: f32, %[[DV:.*]]: f32, %{{.*}}: i8):
  // CHECK: %[[ISZERO:.*]] = arith.cmpf oeq, %[[DV]], %[[ZERO:.*]] : f32
  // CHECK: %[[RATIO:.*]] = arith.divf %[[XV]], %[[DV]] : f32
  // CHECK: %[[SEL:.*]] = arith.select %[[ISZERO]], %[[ZERO]], %[[RATIO]] : f32
  // CHECK: %[[ROUND:.*]] = math.roundeven %[[SEL]] : f32
  // CHECK: %[[LO:.*]] = arith.maxnumf %[[ROUND]], %{{.*}} : f32
  // CHECK: %[[HI:.*]] = arith.minnumf %[[LO]], %{{.*}} : f32
  // CHECK: arith.fptosi %[[HI]] : f32 to i8
  // CHECK: %[[WB:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1, 2], [3]] {{.*}} : tensor<4x64x16xi8> into tensor<4x2x32x16xi8>
  // CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d0, d4)>], iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
  // CHECK-SAME: ins(%[[CODES]], %[[D]], %[[WB]], %[[S]] : tensor<?x2x32xi8>, tensor<?x2xf32>, tensor<4x2x32x16xi8>, tensor<4x2x16xf32>)
  // CHECK-NEXT: ^bb0(%[[C:.*]]: i8, %[[DS:.*]]: f32, %[[Q:.*]]: i8, %[[SS:.*]]: f32, %[[ACC:.*]]: f32):
  // CHECK-NEXT: %[[CI:.*]] = arith.extsi %[[C]] : i8 to i32
  // CHECK-NEXT: %[[QI:.*]] = arith.extsi %[[Q]] : i8 to i32
  // CHECK-NEXT: %[[P:.*]] = arith.muli %[[CI]], %[[QI]] : i32
  // CHECK-NEXT: %[[PF:.*]] = arith.sitofp %[[P]] : i32 to f32
  // CHECK-NEXT: %[[SC:.*]] = arith.mulf %[[DS]], %[[SS]] : f32
  // CHECK-NEXT: %[[T:.*]] = arith.mulf %[[PF]], %[[SC]] : f32
  // CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[T]] : f32
  // CHECK-NEXT: linalg.yield %[[SUM]] : f32
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q8_0>} : tensor<?x64xf32>, tensor<4x64x16xi8>, tensor<4x2x16xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}
