// RUN: attnc-opt %s --split-input-file --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s

// attn.embedding: out[t, d] = table[tokens[t], d] as a generic over (t, d)
// that gathers with tensor.extract; a packed (V / B, D, B) table (shared with a
// tied classifier) is read at (v / B, d, v % B).

// Tests the packed table: the row v of a (32, 64, 16) table is read at (v / 16, d, v % 16).
// CHECK-LABEL: func.func @packed
// CHECK-SAME: (%[[TABLE:[^:]*]]: tensor<32x64x16xf32>, %[[TOKENS:[^:]*]]: tensor<1xi32>)
func.func @packed(%table: tensor<32x64x16xf32>, %tokens: tensor<1xi32>) -> tensor<1x64xf32> {
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x64xf32>
  // CHECK: %[[B:.*]] = arith.constant 16 : index
  // CHECK: %[[OUT:.*]] = linalg.generic
  // CHECK-SAME: indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>]
  // CHECK-SAME: iterator_types = ["parallel", "parallel"]
  // CHECK-SAME: ins(%[[TOKENS]] : tensor<1xi32>) outs(%[[EMPTY]] : tensor<1x64xf32>)
  // CHECK-NEXT: ^bb0(%[[TOK:.*]]: i32, %{{.*}}: f32):
  // CHECK-NEXT: %[[V:.*]] = arith.index_castui %[[TOK]] : i32 to index
  // CHECK-NEXT: %[[D:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[BLOCK:.*]] = arith.divui %[[V]], %[[B]] : index
  // CHECK-NEXT: %[[ROW:.*]] = arith.remui %[[V]], %[[B]] : index
  // CHECK-NEXT: %[[E:.*]] = tensor.extract %[[TABLE]][%[[BLOCK]], %[[D]], %[[ROW]]] : tensor<32x64x16xf32>
  // CHECK-NEXT: linalg.yield %[[E]] : f32
  // CHECK: return %[[OUT]]
  %0 = attn.embedding %table[%tokens] : tensor<32x64x16xf32>, tensor<1xi32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests the plain (V, D) table with a dynamic token count.
// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[TABLE:[^:]*]]: tensor<512x64xf32>, %[[TOKENS:[^:]*]]: tensor<?xi32>)
func.func @plain(%table: tensor<512x64xf32>, %tokens: tensor<?xi32>) -> tensor<?x64xf32> {
  // CHECK: %[[T:.*]] = tensor.dim %[[TOKENS]], %{{.*}} : tensor<?xi32>
  // CHECK: %[[EMPTY:.*]] = tensor.empty(%[[T]]) : tensor<?x64xf32>
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%[[TOKENS]] : tensor<?xi32>) outs(%[[EMPTY]] : tensor<?x64xf32>)
  // CHECK-NEXT: ^bb0(%[[TOK:.*]]: i32, %{{.*}}: f32):
  // CHECK-NEXT: %[[V:.*]] = arith.index_castui %[[TOK]] : i32 to index
  // CHECK-NEXT: %[[D:.*]] = linalg.index 1 : index
  // CHECK-NEXT: %[[E:.*]] = tensor.extract %[[TABLE]][%[[V]], %[[D]]] : tensor<512x64xf32>
  // CHECK-NEXT: linalg.yield %[[E]] : f32
  %0 = attn.embedding %table[%tokens] : tensor<512x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a bf16 table is widened to f32 as each element is gathered.
// CHECK-LABEL: func.func @bf16
// CHECK-SAME: (%[[TABLE:[^:]*]]: tensor<32x64x16xbf16>, %[[TOKENS:[^:]*]]: tensor<1xi32>)
func.func @bf16(%table: tensor<32x64x16xbf16>, %tokens: tensor<1xi32>) -> tensor<1x64xf32> {
  // CHECK: %[[E:.*]] = tensor.extract %[[TABLE]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<32x64x16xbf16>
  // CHECK-NEXT: %[[W:.*]] = arith.extf %[[E]] : bf16 to f32
  // CHECK-NEXT: linalg.yield %[[W]] : f32
  %0 = attn.embedding %table[%tokens] : tensor<32x64x16xbf16>, tensor<1xi32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that a packed q8_0 table gathers value table[v / B, d, v % B] and
// scale scales[v / B, d / 32, v % B] and yields their product in f32.
// CHECK-LABEL: func.func @q8_0
// CHECK-SAME: (%[[TABLE:[^:]*]]: tensor<32x64x16xi8>, %[[TOKENS:[^:]*]]: tensor<1xi32>, %[[S:[^:]*]]: tensor<32x2x16xf32>)
func.func @q8_0(%table: tensor<32x64x16xi8>, %tokens: tensor<1xi32>, %s: tensor<32x2x16xf32>) -> tensor<1x64xf32> {
  // CHECK: %[[D:.*]] = linalg.index 1 : index
  // CHECK: %[[E:.*]] = tensor.extract %[[TABLE]][%[[ROW:.*]], %[[D]], %[[LANE:.*]]] : tensor<32x64x16xi8>
  // CHECK: %[[BLOCK:.*]] = arith.divui %[[D]], %{{.*}} : index
  // CHECK: %[[SCALE:.*]] = tensor.extract %[[S]][%[[ROW]], %[[BLOCK]], %[[LANE]]] : tensor<32x2x16xf32>
  // CHECK: %[[Q:.*]] = arith.sitofp %[[E]] : i8 to f32
  // CHECK: %[[W:.*]] = arith.mulf %[[Q]], %[[SCALE]] : f32
  // CHECK-NEXT: linalg.yield %[[W]] : f32
  %0 = attn.embedding %table[%tokens] scales %s : tensor<32x64x16xi8>, tensor<1xi32>, tensor<32x2x16xf32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that an unpacked q8_0 table reads scale scales[v, d / 32].
// CHECK-LABEL: func.func @q8_0_plain
func.func @q8_0_plain(%table: tensor<512x64xi8>, %tokens: tensor<1xi32>, %s: tensor<512x2xf32>) -> tensor<1x64xf32> {
  // CHECK: %[[E:.*]] = tensor.extract %{{.*}}[%[[ROW:.*]], %[[D:.*]]] : tensor<512x64xi8>
  // CHECK: %[[BLOCK:.*]] = arith.divui %[[D]], %{{.*}} : index
  // CHECK: tensor.extract %{{.*}}[%[[ROW]], %[[BLOCK]]] : tensor<512x2xf32>
  %0 = attn.embedding %table[%tokens] scales %s : tensor<512x64xi8>, tensor<1xi32>, tensor<512x2xf32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that a packed q4_0 table (two 4-bit codes a byte: 64 values in 32
// bytes) reads value d of row v from byte [v / B, 16 (d / 32) + d % 16,
// v % B], nibble (d % 32) / 16 (a shift of 4 per nibble, a mask of 15), and
// yields (code - 8) * scale as fma(float(code), scale, -8 scale), with the
// scale of d's block, scales[v / B, d / 32, v % B]; the result is 64 wide.
// CHECK-LABEL: func.func @q4_0
// CHECK-SAME: (%[[TABLE:[^:]*]]: tensor<32x32x16xi8>, %[[TOKENS:[^:]*]]: tensor<1xi32>, %[[S:[^:]*]]: tensor<32x2x16xf32>)
func.func @q4_0(%table: tensor<32x32x16xi8>, %tokens: tensor<1xi32>, %s: tensor<32x2x16xf32>) -> tensor<1x64xf32> {
  // CHECK: tensor.empty() : tensor<1x64xf32>
  // CHECK: %[[D:.*]] = linalg.index 1 : index
  // CHECK: %[[ROW:.*]] = arith.divui %{{.*}}, %{{.*}} : index
  // CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %{{.*}} : index
  // CHECK: %[[BLOCK:.*]] = arith.divui %[[D]], %{{.*}} : index
  // CHECK: %[[SCALE:.*]] = tensor.extract %[[S]][%[[ROW]], %[[BLOCK]], %[[LANE]]] : tensor<32x2x16xf32>
  // CHECK: %[[IN:.*]] = arith.remui %[[D]], %[[C32:.*]] : index
  // CHECK: %[[B:.*]] = arith.divui %[[D]], %{{.*}} : index
  // CHECK: %[[B16:.*]] = arith.muli %[[B]], %{{.*}} : index
  // CHECK: %[[I:.*]] = arith.remui %[[IN]], %{{.*}} : index
  // CHECK: %[[COL:.*]] = arith.addi %[[B16]], %[[I]] : index
  // CHECK: %[[E:.*]] = tensor.extract %[[TABLE]][%[[ROW]], %[[COL]], %[[LANE]]] : tensor<32x32x16xi8>
  // CHECK: %[[BYTE:.*]] = arith.extui %[[E]] : i8 to i32
  // CHECK: %[[HALF:.*]] = arith.divui %[[IN]], %{{.*}} : index
  // CHECK: %[[SHIFT:.*]] = arith.muli %[[HALF]], %{{.*}} : index
  // CHECK: %[[SHIFT32:.*]] = arith.index_castui %[[SHIFT]] : index to i32
  // CHECK: %[[SHIFTED:.*]] = arith.shrui %[[BYTE]], %[[SHIFT32]] : i32
  // CHECK: %[[CODE:.*]] = arith.andi %[[SHIFTED]], %{{.*}} : i32
  // CHECK: %[[OFFSET:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
  // CHECK: %[[CF:.*]] = arith.uitofp %[[CODE]] : i32 to f32
  // CHECK: %[[W:.*]] = math.fma %[[CF]], %[[SCALE]], %[[OFFSET]] : f32
  // CHECK-NEXT: linalg.yield %[[W]] : f32
  %0 = attn.embedding %table[%tokens] scales %s {quant = #attn.quant<q4_0>} : tensor<32x32x16xi8>, tensor<1xi32>, tensor<32x2x16xf32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// Tests that an unpacked q4_0 table (GGUF's rows: 16 bytes a block of 32)
// reads byte [v, 16 (d / 32) + d % 16] and scale [v, d / 32].
// CHECK-LABEL: func.func @q4_0_plain
func.func @q4_0_plain(%table: tensor<512x32xi8>, %tokens: tensor<1xi32>, %s: tensor<512x2xf32>) -> tensor<1x64xf32> {
  // CHECK: %[[D:.*]] = linalg.index 1 : index
  // CHECK: %[[BLOCK:.*]] = arith.divui %[[D]], %{{.*}} : index
  // CHECK: tensor.extract %{{.*}}[%[[ROW:.*]], %[[BLOCK]]] : tensor<512x2xf32>
  // CHECK: %[[COL:.*]] = arith.addi %{{.*}}, %{{.*}} : index
  // CHECK: tensor.extract %{{.*}}[%[[ROW]], %[[COL]]] : tensor<512x32xi8>
  %0 = attn.embedding %table[%tokens] scales %s {quant = #attn.quant<q4_0>} : tensor<512x32xi8>, tensor<1xi32>, tensor<512x2xf32> -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}
