// RUN: attnc-opt %s --split-input-file --attn-tile-and-vectorize | FileCheck %s

// Tests that the packed linear generic (dims (nb, t, j, k), W as NB x K x B
// blocks) for one token becomes a loop over the 18 blocks around a k loop of
// 16-wide steps that carries the vector<16> accumulator in registers and
// contracts vector<16> x vector<16x16> with no transposes or broadcasts; the
// block loop, and only it, is marked to run on all cores.

// CHECK-LABEL: func.func @linear_decode
// CHECK-SAME: %[[X:[a-z0-9_]+]]: tensor<1x288xf32>, %[[W:[a-z0-9_]+]]: tensor<18x288x16xf32>
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C18:.*]] = arith.constant 18 : index
// CHECK-DAG: %[[C288:.*]] = arith.constant 288 : index
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %[[C18]]
// CHECK: %[[ACC0:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[NB]], %{{.*}}]{{.*}} vector<16xf32>
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[C288]] step %[[C16]] iter_args(%[[A:.*]] = %[[ACC0]]) -> (vector<16xf32>)
// CHECK-NEXT: %[[XV:.*]] = vector.transfer_read %[[X]][%{{.*}}, %[[K]]]{{.*}} : tensor<1x288xf32>, vector<16xf32>
// CHECK-NEXT: %[[WV:.*]] = vector.transfer_read %[[W]][%[[NB]], %[[K]], %{{.*}}]{{.*}} : tensor<18x288x16xf32>, vector<16x16xf32>
// CHECK-NEXT: %[[R:.*]] = vector.contract {{.*}} %[[XV]], %[[WV]], %[[A]] : vector<16xf32>, vector<16x16xf32> into vector<16xf32>
// CHECK-NEXT: scf.yield %[[R]] : vector<16xf32>
// CHECK: vector.transfer_write %[[ACC]]
// CHECK: } {attn.parallel}
// CHECK-NOT: attn.parallel
// CHECK-NOT: linalg.generic
func.func @linear_decode(%x: tensor<1x288xf32>, %w: tensor<18x288x16xf32>) -> tensor<1x288xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x288xf32>, tensor<18x288x16xf32>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x18x16xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x18x16xf32> into tensor<1x288xf32>
  return %c : tensor<1x288xf32>
}

// -----

// Tests that the decode linear on a bf16 weight vectorizes as the f32 one
// does: the 16x16 weight tile is read as bf16 and widened with one vector
// arith.extf before the contraction (the vector<16> accumulator stays f32 in
// registers through the k loop).
// CHECK-LABEL: func.func @linear_decode_bf16
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %{{.*}}
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK-NEXT: %[[XV:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %[[K]]]{{.*}} : tensor<1x288xf32>, vector<16xf32>
// CHECK-NEXT: %[[WN:.*]] = vector.transfer_read %{{.*}}[%[[NB]], %[[K]], %{{.*}}]{{.*}} : tensor<18x288x16xbf16>, vector<16x16xbf16>
// CHECK-NEXT: %[[WV:.*]] = arith.extf %[[WN]] : vector<16x16xbf16> to vector<16x16xf32>
// CHECK-NEXT: %[[R:.*]] = vector.contract {{.*}} %[[XV]], %[[WV]], %[[A]] : vector<16xf32>, vector<16x16xf32> into vector<16xf32>
// CHECK-NEXT: scf.yield %[[R]] : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @linear_decode_bf16(%x: tensor<1x288xf32>, %w: tensor<18x288x16xbf16>) -> tensor<1x288xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x288xf32>, tensor<18x288x16xbf16>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b: bf16, %c: f32):
    %bw = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %bw : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x18x16xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x18x16xf32> into tensor<1x288xf32>
  return %c : tensor<1x288xf32>
}

// -----

// Tests that the register-blocked prefill linear on a bf16 weight keeps its
// form: in a full tile of 8 tokens x 2 output blocks each bf16 weight tile
// is widened once and feeds the vector<8x2x16> accumulator.
// CHECK-LABEL: func.func @linear_prefill_bf16
// CHECK: scf.for %{{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (vector<8x2x16xf32>)
// CHECK: %[[XV:.*]] = vector.transfer_read {{.*}} : tensor<?x288xf32>, vector<8x16xf32>
// CHECK-NEXT: %[[WN:.*]] = vector.transfer_read {{.*}} : tensor<18x288x16xbf16>, vector<2x16x16xbf16>
// CHECK-NEXT: %[[WV:.*]] = arith.extf %[[WN]] : vector<2x16x16xbf16> to vector<2x16x16xf32>
// CHECK-NEXT: vector.contract {{.*}} %[[XV]], %[[WV]], %[[A]] : vector<8x16xf32>, vector<2x16x16xf32> into vector<8x2x16xf32>
func.func @linear_prefill_bf16(%x: tensor<?x288xf32>, %w: tensor<18x288x16xbf16>) -> tensor<?x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x288xf32>
  %e = tensor.empty(%t) : tensor<?x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x18x16xf32>) -> tensor<?x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x288xf32>, tensor<18x288x16xbf16>) outs(%init : tensor<?x18x16xf32>) {
  ^bb0(%a: f32, %b: bf16, %c: f32):
    %bw = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %bw : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x18x16xf32>
  return %r : tensor<?x18x16xf32>
}

// -----

// Tests that with a dynamic token count (prefill) the linear is register
// blocked: inside the loop over the 18 output blocks, two at a time
// (outermost, so that it can run in parallel and the W blocks are reused
// from cache by every token), full tiles of 8 tokens carry a vector<8x2x16>
// accumulator (16 zmm registers) through the k loop and contract vector<8x16>
// of x with two vector<16x16> weight tiles, so each weight vector is loaded
// once for 8 tokens and each x value feeds two blocks; the tokens left over
// (T mod 8) run one at a time in a peeled remainder loop, both blocks each.
// With 9 output tiles (fewer than 16), the tokens are split in two halves of
// ceil(T / 2) rounded up to 8 first, and both loops, blocks and halves, are
// marked to run on all cores (attn-parallelize makes them one 2-D loop):
// 18 work items balance two threads where 9 gave one of them 5.

// CHECK-DAG: #[[HALFMAP:.*]] = affine_map<()[s0] -> (((s0 + 15) floordiv 16) * 8)>
// CHECK-LABEL: func.func @linear_prefill
// CHECK-SAME: %[[X:[a-z0-9_]+]]: tensor<?x768xf32>, %[[W:[a-z0-9_]+]]: tensor<18x768x16xf32>
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C18:.*]] = arith.constant 18 : index
// CHECK-DAG: %[[C768:.*]] = arith.constant 768 : index
// CHECK: %[[ZEROED:.*]] = scf.for
// CHECK: %[[HALF:.*]] = affine.apply #[[HALFMAP]]()[%{{.*}}]
// CHECK: scf.for %[[NB:.*]] = %{{.*}} to %[[C18]] step %[[C2]] iter_args(%{{.*}} = %[[ZEROED]])
// CHECK-NEXT: scf.for %[[H:.*]] = %{{.*}} to %[[T:.*]] step %[[HALF]]
// CHECK-NEXT: %[[ROWS:.*]] = affine.min #{{.*}}(%[[H]])
// CHECK: %[[SPLIT:.*]] = affine.apply #{{.*}}()[%[[ROWS]]]
// CHECK: %[[MAIN:.*]] = scf.for %[[T0:.*]] = %{{.*}} to %[[SPLIT]] step %[[C8]]
// CHECK: %[[ACC0:.*]] = vector.transfer_read %{{.*}}[%[[T0]], %{{.*}}, %{{.*}}]{{.*}} vector<8x2x16xf32>
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[C768]] step %[[C16]] iter_args(%[[A:.*]] = %[[ACC0]]) -> (vector<8x2x16xf32>)
// CHECK-NEXT: %[[ROW:.*]] = affine.apply #{{.*}}()[%[[H]], %[[T0]]]
// CHECK-NEXT: %[[XV:.*]] = vector.transfer_read %[[X]][%[[ROW]], %[[K]]]{{.*}} : tensor<?x768xf32>, vector<8x16xf32>
// CHECK-NEXT: %[[WV:.*]] = vector.transfer_read %[[W]][%[[NB]], %[[K]], %{{.*}}]{{.*}} : tensor<18x768x16xf32>, vector<2x16x16xf32>
// CHECK-NOT: scf.for
// CHECK: vector.contract {{.*}} %[[XV]], %[[WV]], %[[A]] : vector<8x16xf32>, vector<2x16x16xf32> into vector<8x2x16xf32>
// CHECK: vector.transfer_write %[[ACC]], %{{.*}}[%[[T0]], %{{.*}}, %{{.*}}]
// CHECK: scf.for %[[T1:.*]] = %[[SPLIT]] to %[[ROWS]] step %[[C8]] iter_args(%{{.*}} = %[[MAIN]])
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C1]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C768]] step %[[C16]] {{.*}} -> (vector<2x16xf32>)
// CHECK: vector.contract {{.*}} : vector<16xf32>, vector<2x16x16xf32> into vector<2x16xf32>
// CHECK: } {attn.parallel}
// CHECK-NEXT: scf.yield
// CHECK-NEXT: } {attn.parallel}
// CHECK-NOT: attn.parallel
// CHECK-NOT: linalg.generic
func.func @linear_prefill(%x: tensor<?x768xf32>, %w: tensor<18x768x16xf32>) -> tensor<?x18x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x768xf32>
  %e = tensor.empty(%t) : tensor<?x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x18x16xf32>) -> tensor<?x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x768xf32>, tensor<18x768x16xf32>) outs(%init : tensor<?x18x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x18x16xf32>
  return %r : tensor<?x18x16xf32>
}

// -----

// Tests that with 24 output tiles (48 blocks, 16 or more tiles) the tokens
// are not split: only the block loop runs on all cores, and each weight
// block is read by one thread for all the tokens.
// CHECK-LABEL: func.func @linear_prefill_many_blocks
// CHECK: scf.for %{{.*}} = %{{.*}} to %c48 step %c2
// CHECK-NEXT: tensor.extract_slice
// CHECK-NEXT: affine.apply
// CHECK-NEXT: scf.for %{{.*}} step %c8 {{.*}} -> (tensor<?x2x16xf32>)
// CHECK: } {attn.parallel}
// CHECK-NOT: attn.parallel
func.func @linear_prefill_many_blocks(%x: tensor<?x288xf32>, %w: tensor<48x288x16xf32>) -> tensor<?x48x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x288xf32>
  %e = tensor.empty(%t) : tensor<?x48x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x48x16xf32>) -> tensor<?x48x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x288xf32>, tensor<48x288x16xf32>) outs(%init : tensor<?x48x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x48x16xf32>
  return %r : tensor<?x48x16xf32>
}

// -----

// Tests that attention scores (kvh, g, i, j, d) over a dynamic key count
// are vectorized along the head dim d: one 48-wide product per (head, key).

// CHECK-LABEL: func.func @scores
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[J:.*]] =
// CHECK: vector.transfer_read {{.*}} : tensor<1x2x3x48xf32>, vector<48xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<2x?x48xf32>, vector<48xf32>
// CHECK: vector.contract
// CHECK-NOT: linalg.generic
func.func @scores(%q: tensor<1x2x3x48xf32>, %k: tensor<2x?x48xf32>) -> tensor<2x3x1x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %n = tensor.dim %k, %c1 : tensor<2x?x48xf32>
  %e = tensor.empty(%n) : tensor<2x3x1x?xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x1x?xf32>) -> tensor<2x3x1x?xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(h, g, i, j, d) -> (i, h, g, d)>, affine_map<(h, g, i, j, d) -> (h, j, d)>, affine_map<(h, g, i, j, d) -> (h, g, i, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x3x48xf32>, tensor<2x?x48xf32>) outs(%init : tensor<2x3x1x?xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x1x?xf32>
  return %s : tensor<2x3x1x?xf32>
}

// -----

// Tests that the weighted sum of values (i, kvh, g, d, j) is vectorized
// along d with the key loop carrying a vector<48> accumulator.

// CHECK-LABEL: func.func @weighted_sum
// CHECK: scf.for %{{.*}} = {{.*}} -> (vector<48xf32>)
// CHECK: vector.transfer_read {{.*}} : tensor<2x?x48xf32>, vector<48xf32>
// CHECK: vector.contract {{.*}} into vector<48xf32>
// CHECK-NOT: linalg.generic
func.func @weighted_sum(%p: tensor<2x3x1x?xf32>, %v: tensor<2x?x48xf32>) -> tensor<1x2x3x48xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x48xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x48xf32>) -> tensor<1x2x3x48xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(i, h, g, d, j) -> (h, g, i, j)>, affine_map<(i, h, g, d, j) -> (h, j, d)>, affine_map<(i, h, g, d, j) -> (i, h, g, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x3x1x?xf32>, tensor<2x?x48xf32>) outs(%init : tensor<1x2x3x48xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3x48xf32>
  return %o : tensor<1x2x3x48xf32>
}

// -----

// Tests that the embedding gather (tensor.extract of the table at (token, d)
// inside the generic) becomes a contiguous 16-wide row read.

// CHECK-LABEL: func.func @embedding
// CHECK: scf.for %[[D:.*]] =
// CHECK: %[[ROW:.*]] = vector.extractelement
// CHECK: vector.transfer_read %{{.*}}[%[[ROW]], %{{.*}}]{{.*}} : tensor<512x288xf32>, vector<16xf32>
func.func @embedding(%tokens: tensor<1xi32>, %table: tensor<512x288xf32>) -> tensor<1x288xf32> {
  %e = tensor.empty() : tensor<1x288xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(t, d) -> (t, d)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<1x288xf32>) {
  ^bb0(%o: f32):
    %t = linalg.index 0 : index
    %d = linalg.index 1 : index
    %tok = tensor.extract %tokens[%t] : tensor<1xi32>
    %ti = arith.index_cast %tok : i32 to index
    %v = tensor.extract %table[%ti, %d] : tensor<512x288xf32>
    linalg.yield %v : f32
  } -> tensor<1x288xf32>
  return %x : tensor<1x288xf32>
}

// -----

// Tests that an elementwise op over a dim of 288 is tiled by 16 and that
// math.exp stays a vector op (for the polynomial approximation later).

// CHECK-LABEL: func.func @silu
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}}
// CHECK: math.exp %{{.*}} : vector<16xf32>
func.func @silu(%x: tensor<1x288xf32>) -> tensor<1x288xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x288xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(t, d) -> (t, d)>, affine_map<(t, d) -> (t, d)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x288xf32>) outs(%e : tensor<1x288xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %r = arith.divf %a, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x288xf32>
  return %y : tensor<1x288xf32>
}

// -----

// Tests that the per-token factor of rms_norm, 1 / sqrt(mean + eps), is
// computed once on scalars and broadcast, not per lane of a transposed
// vector<64x1>.

// CHECK-LABEL: func.func @rms_scale
// CHECK-NOT: vector.transpose
// CHECK: math.rsqrt %{{.*}} : f32
// CHECK: vector.broadcast %{{.*}} : f32 to vector<64xf32>
// CHECK-NOT: vector.transpose
func.func @rms_scale(%x: tensor<1x64xf32>, %ss: tensor<1xf32>, %g: tensor<64xf32>) -> tensor<1x64xf32> {
  %n = arith.constant 64.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(t, d) -> (t, d)>, affine_map<(t, d) -> (t)>, affine_map<(t, d) -> (d)>, affine_map<(t, d) -> (t, d)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss, %g : tensor<1x64xf32>, tensor<1xf32>, tensor<64xf32>) outs(%e : tensor<1x64xf32>) {
  ^bb0(%a: f32, %s: f32, %w: f32, %o: f32):
    %mean = arith.divf %s, %n : f32
    %me = arith.addf %mean, %eps : f32
    %r = math.rsqrt %me : f32
    %xn = arith.mulf %a, %r : f32
    %out = arith.mulf %xn, %w : f32
    linalg.yield %out : f32
  } -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// Tests that an elementwise generic that reads the tensor it overwrites (the
// attention scale, mask and softmax steps: ins(%s) outs(%s)) reads it through
// the loop's iter_arg once tiled, not from the original tensor, so that
// bufferization can work in place instead of copying the whole tensor.

// CHECK-LABEL: func.func @scale_in_place
// CHECK-SAME: %[[S:[a-z0-9_]+]]: tensor<4x?xf32>
// CHECK: scf.for {{.*}} iter_args(%[[T:.*]] = %[[S]])
// CHECK: scf.for {{.*}} iter_args(%[[U:.*]] = %[[T]])
// CHECK-NEXT: vector.transfer_read %[[U]]
// CHECK-NOT: vector.transfer_read %[[S]]
func.func @scale_in_place(%s: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %k = arith.constant 0.5 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(h, j) -> (h, j)>, affine_map<(h, j) -> (h, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x?xf32>) outs(%s : tensor<4x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %k : f32
    linalg.yield %m : f32
  } -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

// Tests that a slice of a context-sized tensor.empty shared by two layers'
// scores (as CSE leaves it) becomes one empty and slice per use: shared,
// bufferization would give the second a fresh buffer of the slice's dynamic
// size.

// CHECK-LABEL: func.func @shared_scores_slice
// CHECK-COUNT-2: tensor.empty() : tensor<4x512xf32>
func.func @shared_scores_slice(%n: index) -> (tensor<4x?xf32>, tensor<4x?xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x512xf32>
  %slice = tensor.extract_slice %e[0, 0] [4, %n] [1, 1] : tensor<4x512xf32> to tensor<4x?xf32>
  %a = linalg.fill ins(%zero : f32) outs(%slice : tensor<4x?xf32>) -> tensor<4x?xf32>
  %b = linalg.fill ins(%zero : f32) outs(%slice : tensor<4x?xf32>) -> tensor<4x?xf32>
  return %a, %b : tensor<4x?xf32>, tensor<4x?xf32>
}

// -----

// Tests that an elementwise step of attention over a dynamic number of keys
// (here the scale of the scores, (heads, queries, keys)) runs in 16-key
// tiles, vectorized 16 wide, up to the largest multiple of 16, and the keys
// left over one at a time: the key loop is peeled, not masked.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @keys_in_blocks
// CHECK:         %[[C16:.*]] = arith.constant 16 : index
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<8x1x?xf32>
// CHECK:         %[[FULL:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %[[C16]]
// CHECK:           vector.transfer_read {{.*}} : tensor<8x1x?xf32>, vector<16xf32>
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:         scf.for %{{.*}} = %[[FULL]] to %[[N]] step %[[C16]]
// CHECK:           scf.for
// CHECK:             vector.transfer_read {{.*}} vector<1xf32>
// CHECK:             arith.mulf %{{.*}}, %{{.*}} : vector<1xf32>
func.func @keys_in_blocks(%s: tensor<8x1x?xf32>) -> tensor<8x1x?xf32> {
  %scale = arith.constant 0.125 : f32
  %0 = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%s : tensor<8x1x?xf32>) {
  ^bb0(%x: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<8x1x?xf32>
  return %0 : tensor<8x1x?xf32>
}
