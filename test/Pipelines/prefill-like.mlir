// RUN: attnc-opt %s --attnc-linalg-to-vector-pipeline --attnc-vector-to-llvm-pipeline | FileCheck %s

// Tests that a prefill-shaped function (dynamic token count T: embedding
// gather, rms_norm, a packed linear and the classifier written into the
// logits) lowers completely to the LLVM dialect. attn_prefill may allocate;
// its temporaries are freed before it returns.

// CHECK-LABEL: llvm.func @attn_prefill
// CHECK: llvm.call @malloc
// CHECK: llvm.intr.fmuladd{{.*}}vector<16xf32>
// CHECK: llvm.call @free
// CHECK-LABEL: llvm.func @_mlir_ciface_attn_prefill

#id2 = affine_map<(t, d) -> (t, d)>
#row = affine_map<(t, d) -> (t)>
#col = affine_map<(t, d) -> (d)>
#lx = affine_map<(nb, t, j, k) -> (t, k)>
#lw = affine_map<(nb, t, j, k) -> (nb, k, j)>
#ly = affine_map<(nb, t, j, k) -> (t, nb, j)>

func.func @attn_prefill(%tokens: tensor<?xi32>, %pos: index, %weights: tensor<?xi8>,
                        %k_cache: memref<1x2x512x16xf32>, %v_cache: memref<1x2x512x16xf32>,
                        %logits: memref<?x512xf32>) attributes {llvm.emit_c_interface} {
  %wbytes = bufferization.to_memref %weights read_only : memref<?xi8>
  %c0 = arith.constant 0 : index
  %c0f = arith.constant 0.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %dimf = arith.constant 64.0 : f32
  %T = tensor.dim %tokens, %c0 : tensor<?xi32>
  %emb_at = arith.constant 0 : index
  %emb_view = memref.view %wbytes[%emb_at][] : memref<?xi8> to memref<512x64xf32>
  %emb = bufferization.to_tensor %emb_view restrict : memref<512x64xf32>
  %g_at = arith.constant 131072 : index
  %g_view = memref.view %wbytes[%g_at][] : memref<?xi8> to memref<64xf32>
  %g = bufferization.to_tensor %g_view restrict : memref<64xf32>
  %wc_at = arith.constant 131328 : index
  %wc_view = memref.view %wbytes[%wc_at][] : memref<?xi8> to memref<32x64x16xf32>
  %wc = bufferization.to_tensor %wc_view restrict : memref<32x64x16xf32>

  %e0 = tensor.empty(%T) : tensor<?x64xf32>
  %x = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%_o: f32):
    %_t = linalg.index 0 : index
    %_d = linalg.index 1 : index
    %_tok = tensor.extract %tokens[%_t] : tensor<?xi32>
    %_ti = arith.index_cast %_tok : i32 to index
    %_v = tensor.extract %emb[%_ti, %_d] : tensor<512x64xf32>
    linalg.yield %_v : f32
  } -> tensor<?x64xf32>
  %e1 = tensor.empty(%T) : tensor<?xf32>
  %z1 = linalg.fill ins(%c0f : f32) outs(%e1 : tensor<?xf32>) -> tensor<?xf32>
  %ss = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x64xf32>) outs(%z1 : tensor<?xf32>) {
  ^bb0(%_a: f32, %_acc: f32):
    %_m = arith.mulf %_a, %_a : f32
    %_s = arith.addf %_acc, %_m : f32
    linalg.yield %_s : f32
  } -> tensor<?xf32>
  %xn = linalg.generic {indexing_maps = [#id2, #row, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %ss, %g : tensor<?x64xf32>, tensor<?xf32>, tensor<64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%_a: f32, %_s: f32, %_w: f32, %_o: f32):
    %_mean = arith.divf %_s, %dimf : f32
    %_me = arith.addf %_mean, %eps : f32
    %_r = math.rsqrt %_me : f32
    %_n = arith.mulf %_a, %_r : f32
    %_y = arith.mulf %_n, %_w : f32
    linalg.yield %_y : f32
  } -> tensor<?x64xf32>
  %ec = tensor.empty(%T) : tensor<?x32x16xf32>
  %zc = linalg.fill ins(%c0f : f32) outs(%ec : tensor<?x32x16xf32>) -> tensor<?x32x16xf32>
  %lg = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xn, %wc : tensor<?x64xf32>, tensor<32x64x16xf32>) outs(%zc : tensor<?x32x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_r = arith.addf %_c, %_m : f32
    linalg.yield %_r : f32
  } -> tensor<?x32x16xf32>
  %lg2 = tensor.collapse_shape %lg [[0], [1, 2]] : tensor<?x32x16xf32> into tensor<?x512xf32>
  bufferization.materialize_in_destination %lg2 in restrict writable %logits : (tensor<?x512xf32>, memref<?x512xf32>) -> ()
  return
}
