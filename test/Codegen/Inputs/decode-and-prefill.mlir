// A decode and a prefill function with the signatures of runtime/include/attnrt/abi.h
// (one layer, D=64, H=4, KVH=2, HD=16, V=512), for linking tests.
#id2 = affine_map<(t, d) -> (t, d)>
#row = affine_map<(t, d) -> (t)>
#col = affine_map<(t, d) -> (d)>
#lx = affine_map<(nb, t, j, k) -> (t, k)>
#lw = affine_map<(nb, t, j, k) -> (nb, k, j)>
#ly = affine_map<(nb, t, j, k) -> (t, nb, j)>
#id3 = affine_map<(t, h, d) -> (t, h, d)>
#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>
#red4 = affine_map<(a, b, c, d) -> (a, b, c)>
func.func @attn_decode(%tokens: tensor<1xi32>, %pos: index, %weights: tensor<?xi8>,
                       %k_cache: memref<1x2x512x16xf32>, %v_cache: memref<1x2x512x16xf32>,
                       %logits: memref<1x512xf32>) attributes {llvm.emit_c_interface} {
  %wbytes = bufferization.to_memref %weights read_only : memref<?xi8>
  %c0f = arith.constant 0.0 : f32
  %c1f = arith.constant 1.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eps = arith.constant 1.0e-5 : f32
  %dimf = arith.constant 64.0 : f32
  %theta = arith.constant 10000.0 : f32
  %scale = arith.constant 0.25 : f32

  // Weights: typed views of the byte blob (attn.weight lowered).
  %emb_at = arith.constant 0 : index
  %emb_view = memref.view %wbytes[%emb_at][] : memref<?xi8> to memref<512x64xf32>
  %emb = bufferization.to_tensor %emb_view restrict : memref<512x64xf32>
  %g_at = arith.constant 131072 : index
  %g_view = memref.view %wbytes[%g_at][] : memref<?xi8> to memref<64xf32>
  %g = bufferization.to_tensor %g_view restrict : memref<64xf32>
  %wq_at = arith.constant 131328 : index
  %wq_view = memref.view %wbytes[%wq_at][] : memref<?xi8> to memref<4x64x16xf32>
  %wq = bufferization.to_tensor %wq_view restrict : memref<4x64x16xf32>
  %wk_at = arith.constant 147712 : index
  %wk_view = memref.view %wbytes[%wk_at][] : memref<?xi8> to memref<2x64x16xf32>
  %wk = bufferization.to_tensor %wk_view restrict : memref<2x64x16xf32>
  %wv_at = arith.constant 155904 : index
  %wv_view = memref.view %wbytes[%wv_at][] : memref<?xi8> to memref<2x64x16xf32>
  %wv = bufferization.to_tensor %wv_view restrict : memref<2x64x16xf32>
  %wo_at = arith.constant 164096 : index
  %wo_view = memref.view %wbytes[%wo_at][] : memref<?xi8> to memref<4x64x16xf32>
  %wo = bufferization.to_tensor %wo_view restrict : memref<4x64x16xf32>
  %wc_at = arith.constant 180480 : index
  %wc_view = memref.view %wbytes[%wc_at][] : memref<?xi8> to memref<32x64x16xf32>
  %wc = bufferization.to_tensor %wc_view restrict : memref<32x64x16xf32>

  // Embedding gather.
  %e0 = tensor.empty() : tensor<1x64xf32>
  %x = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e0 : tensor<1x64xf32>) {
  ^bb0(%_o: f32):
    %_t = linalg.index 0 : index
    %_d = linalg.index 1 : index
    %_tok = tensor.extract %tokens[%_t] : tensor<1xi32>
    %_ti = arith.index_cast %_tok : i32 to index
    %_v = tensor.extract %emb[%_ti, %_d] : tensor<512x64xf32>
    linalg.yield %_v : f32
  } -> tensor<1x64xf32>

  // rms_norm.
  %e1 = tensor.empty() : tensor<1xf32>
  %z1 = linalg.fill ins(%c0f : f32) outs(%e1 : tensor<1xf32>) -> tensor<1xf32>
  %ss = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<1x64xf32>) outs(%z1 : tensor<1xf32>) {
  ^bb0(%_a: f32, %_acc: f32):
    %_m = arith.mulf %_a, %_a : f32
    %_s = arith.addf %_acc, %_m : f32
    linalg.yield %_s : f32
  } -> tensor<1xf32>
  %xn = linalg.generic {indexing_maps = [#id2, #row, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %ss, %g : tensor<1x64xf32>, tensor<1xf32>, tensor<64xf32>) outs(%e0 : tensor<1x64xf32>) {
  ^bb0(%_a: f32, %_s: f32, %_w: f32, %_o: f32):
    %_mean = arith.divf %_s, %dimf : f32
    %_me = arith.addf %_mean, %eps : f32
    %_r = math.rsqrt %_me : f32
    %_n = arith.mulf %_a, %_r : f32
    %_y = arith.mulf %_n, %_w : f32
    linalg.yield %_y : f32
  } -> tensor<1x64xf32>

  // q, k, v linears.
  %eq = tensor.empty() : tensor<1x4x16xf32>
  %zq = linalg.fill ins(%c0f : f32) outs(%eq : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %q = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xn, %wq : tensor<1x64xf32>, tensor<4x64x16xf32>) outs(%zq : tensor<1x4x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_s = arith.addf %_c, %_m : f32
    linalg.yield %_s : f32
  } -> tensor<1x4x16xf32>
  %ekv = tensor.empty() : tensor<1x2x16xf32>
  %zkv = linalg.fill ins(%c0f : f32) outs(%ekv : tensor<1x2x16xf32>) -> tensor<1x2x16xf32>
  %k = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xn, %wk : tensor<1x64xf32>, tensor<2x64x16xf32>) outs(%zkv : tensor<1x2x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_s = arith.addf %_c, %_m : f32
    linalg.yield %_s : f32
  } -> tensor<1x2x16xf32>
  %v = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xn, %wv : tensor<1x64xf32>, tensor<2x64x16xf32>) outs(%zkv : tensor<1x2x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_s = arith.addf %_c, %_m : f32
    linalg.yield %_s : f32
  } -> tensor<1x2x16xf32>

  // rope on q (T, H, HD) and k (T, KVH, HD): angle = (pos + t) * theta^(-2(d/2)/HD).
  %qr = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q : tensor<1x4x16xf32>) outs(%eq : tensor<1x4x16xf32>) {
  ^bb0(%_a: f32, %_o: f32):
    %_t = linalg.index 0 : index
    %_d = linalg.index 2 : index
    %_p = arith.addi %pos, %_t : index
    %_pi = arith.index_cast %_p : index to i64
    %_pf = arith.sitofp %_pi : i64 to f32
    %_di = arith.index_cast %_d : index to i64
    %_df = arith.sitofp %_di : i64 to f32
    %_ex = arith.divf %_df, %dimf : f32
    %_nex = arith.negf %_ex : f32
    %_fr = math.powf %theta, %_nex : f32
    %_an = arith.mulf %_pf, %_fr : f32
    %_co = math.cos %_an : f32
    %_si = math.sin %_an : f32
    %_r0 = arith.mulf %_a, %_co : f32
    %_r1 = arith.mulf %_a, %_si : f32
    %_r = arith.addf %_r0, %_r1 : f32
    linalg.yield %_r : f32
  } -> tensor<1x4x16xf32>
  %kr = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x16xf32>) outs(%ekv : tensor<1x2x16xf32>) {
  ^bb0(%_a: f32, %_o: f32):
    %_t = linalg.index 0 : index
    %_p = arith.addi %pos, %_t : index
    %_pi = arith.index_cast %_p : index to i64
    %_pf = arith.sitofp %_pi : i64 to f32
    %_co = math.cos %_pf : f32
    %_r = arith.mulf %_a, %_co : f32
    linalg.yield %_r : f32
  } -> tensor<1x2x16xf32>

  // KV-cache write at [pos, pos + 1): (T, KVH, HD) -> (KVH, T, HD).
  %ekt = tensor.empty() : tensor<2x1x16xf32>
  %kt = linalg.generic {indexing_maps = [affine_map<(h, t, d) -> (t, h, d)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%kr : tensor<1x2x16xf32>) outs(%ekt : tensor<2x1x16xf32>) {
  ^bb0(%_a: f32, %_o: f32):
    linalg.yield %_a : f32
  } -> tensor<2x1x16xf32>
  %vt = linalg.generic {indexing_maps = [affine_map<(h, t, d) -> (t, h, d)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%v : tensor<1x2x16xf32>) outs(%ekt : tensor<2x1x16xf32>) {
  ^bb0(%_a: f32, %_o: f32):
    linalg.yield %_a : f32
  } -> tensor<2x1x16xf32>
  %kdst = memref.subview %k_cache[0, 0, %pos, 0] [1, 2, 1, 16] [1, 1, 1, 1] : memref<1x2x512x16xf32> to memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>
  bufferization.materialize_in_destination %kt in restrict writable %kdst : (tensor<2x1x16xf32>, memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>) -> ()
  %vdst = memref.subview %v_cache[0, 0, %pos, 0] [1, 2, 1, 16] [1, 1, 1, 1] : memref<1x2x512x16xf32> to memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>
  bufferization.materialize_in_destination %vt in restrict writable %vdst : (tensor<2x1x16xf32>, memref<2x1x16xf32, strided<[8192, 16, 1], offset: ?>>) -> ()

  // KV-cache read of n = pos + 1 keys.
  %c1 = arith.constant 1 : index
  %n = arith.addi %pos, %c1 : index
  %ksrc = memref.subview %k_cache[0, 0, 0, 0] [1, 2, %n, 16] [1, 1, 1, 1] : memref<1x2x512x16xf32> to memref<2x?x16xf32, strided<[8192, 16, 1]>>
  %kc = bufferization.to_tensor %ksrc restrict : memref<2x?x16xf32, strided<[8192, 16, 1]>>
  %vsrc = memref.subview %v_cache[0, 0, 0, 0] [1, 2, %n, 16] [1, 1, 1, 1] : memref<1x2x512x16xf32> to memref<2x?x16xf32, strided<[8192, 16, 1]>>
  %vc = bufferization.to_tensor %vsrc restrict : memref<2x?x16xf32, strided<[8192, 16, 1]>>

  // scores (kvh, g, i, j, d): q (i, kvh, g, d) . k (kvh, j, d) * scale.
  %q4 = tensor.expand_shape %qr [[0], [1, 2], [3]] output_shape [1, 2, 2, 16] : tensor<1x4x16xf32> into tensor<1x2x2x16xf32>
  // A context-sized buffer sliced to the n keys, as convert-attn-to-linalg
  // emits it (attn_decode may hold no buffer of run-time size).
  %es_full = tensor.empty() : tensor<2x2x1x512xf32>
  %es = tensor.extract_slice %es_full[0, 0, 0, 0] [2, 2, 1, %n] [1, 1, 1, 1] : tensor<2x2x1x512xf32> to tensor<2x2x1x?xf32>
  %zs = linalg.fill ins(%c0f : f32) outs(%es : tensor<2x2x1x?xf32>) -> tensor<2x2x1x?xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(h, g, i, j, d) -> (i, h, g, d)>, affine_map<(h, g, i, j, d) -> (h, j, d)>, affine_map<(h, g, i, j, d) -> (h, g, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q4, %kc : tensor<1x2x2x16xf32>, tensor<2x?x16xf32>) outs(%zs : tensor<2x2x1x?xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_ms = arith.mulf %_m, %scale : f32
    %_r = arith.addf %_c, %_ms : f32
    linalg.yield %_r : f32
  } -> tensor<2x2x1x?xf32>

  // mask: key j is visible to query i iff j <= pos + i.
  %sm = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x1x?xf32>) outs(%es : tensor<2x2x1x?xf32>) {
  ^bb0(%_a: f32, %_o: f32):
    %_i = linalg.index 2 : index
    %_j = linalg.index 3 : index
    %_lim = arith.addi %pos, %_i : index
    %_ok = arith.cmpi ule, %_j, %_lim : index
    %_r = arith.select %_ok, %_a, %ninf : f32
    linalg.yield %_r : f32
  } -> tensor<2x2x1x?xf32>

  // softmax over j.
  %em = tensor.empty() : tensor<2x2x1xf32>
  %zm = linalg.fill ins(%ninf : f32) outs(%em : tensor<2x2x1xf32>) -> tensor<2x2x1xf32>
  %mx = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%sm : tensor<2x2x1x?xf32>) outs(%zm : tensor<2x2x1xf32>) {
  ^bb0(%_a: f32, %_acc: f32):
    %_r = arith.maximumf %_a, %_acc : f32
    linalg.yield %_r : f32
  } -> tensor<2x2x1xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<2x2x1x?xf32>, tensor<2x2x1xf32>) outs(%es : tensor<2x2x1x?xf32>) {
  ^bb0(%_a: f32, %_m: f32, %_o: f32):
    %_isinf = arith.cmpf oeq, %_m, %ninf : f32
    %_mm = arith.select %_isinf, %c0f, %_m : f32
    %_d = arith.subf %_a, %_mm : f32
    %_e = math.exp %_d : f32
    linalg.yield %_e : f32
  } -> tensor<2x2x1x?xf32>
  %zsum = linalg.fill ins(%c0f : f32) outs(%em : tensor<2x2x1xf32>) -> tensor<2x2x1xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x2x1x?xf32>) outs(%zsum : tensor<2x2x1xf32>) {
  ^bb0(%_a: f32, %_acc: f32):
    %_r = arith.addf %_a, %_acc : f32
    linalg.yield %_r : f32
  } -> tensor<2x2x1xf32>
  %p = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<2x2x1x?xf32>, tensor<2x2x1xf32>) outs(%es : tensor<2x2x1x?xf32>) {
  ^bb0(%_a: f32, %_t: f32, %_o: f32):
    %_r = arith.divf %_a, %_t : f32
    linalg.yield %_r : f32
  } -> tensor<2x2x1x?xf32>

  // weighted sum (i, kvh, g, d, j): o (i, kvh, g, d) = sum_j p (kvh, g, i, j) * v (kvh, j, d).
  %eo = tensor.empty() : tensor<1x2x2x16xf32>
  %zo = linalg.fill ins(%c0f : f32) outs(%eo : tensor<1x2x2x16xf32>) -> tensor<1x2x2x16xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(i, h, g, d, j) -> (h, g, i, j)>, affine_map<(i, h, g, d, j) -> (h, j, d)>, affine_map<(i, h, g, d, j) -> (i, h, g, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %vc : tensor<2x2x1x?xf32>, tensor<2x?x16xf32>) outs(%zo : tensor<1x2x2x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_r = arith.addf %_c, %_m : f32
    linalg.yield %_r : f32
  } -> tensor<1x2x2x16xf32>
  %o2 = tensor.collapse_shape %o [[0], [1, 2, 3]] : tensor<1x2x2x16xf32> into tensor<1x64xf32>

  // output projection + SwiGLU-like gate (exp) + residual.
  %ao = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%o2, %wo : tensor<1x64xf32>, tensor<4x64x16xf32>) outs(%zq : tensor<1x4x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_r = arith.addf %_c, %_m : f32
    linalg.yield %_r : f32
  } -> tensor<1x4x16xf32>
  %ao2 = tensor.collapse_shape %ao [[0], [1, 2]] : tensor<1x4x16xf32> into tensor<1x64xf32>
  %h = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ao2, %x : tensor<1x64xf32>, tensor<1x64xf32>) outs(%e0 : tensor<1x64xf32>) {
  ^bb0(%_a: f32, %_r: f32, %_o: f32):
    %_na = arith.negf %_a : f32
    %_ea = math.exp %_na : f32
    %_de = arith.addf %_ea, %c1f : f32
    %_si = arith.divf %_a, %_de : f32
    %_y = arith.addf %_si, %_r : f32
    linalg.yield %_y : f32
  } -> tensor<1x64xf32>

  // classifier into the logits.
  %ec = tensor.empty() : tensor<1x32x16xf32>
  %zc = linalg.fill ins(%c0f : f32) outs(%ec : tensor<1x32x16xf32>) -> tensor<1x32x16xf32>
  %lg = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%h, %wc : tensor<1x64xf32>, tensor<32x64x16xf32>) outs(%zc : tensor<1x32x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_r = arith.addf %_c, %_m : f32
    linalg.yield %_r : f32
  } -> tensor<1x32x16xf32>
  %lg2 = tensor.collapse_shape %lg [[0], [1, 2]] : tensor<1x32x16xf32> into tensor<1x512xf32>
  bufferization.materialize_in_destination %lg2 in restrict writable %logits : (tensor<1x512xf32>, memref<1x512xf32>) -> ()
  return
}
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
  // The classifier on the last R positions, R the logits' rows (ABI 3).
  %R = memref.dim %logits, %c0 : memref<?x512xf32>
  %start = arith.subi %T, %R : index
  %xl = tensor.extract_slice %xn[%start, 0] [%R, 64] [1, 1] : tensor<?x64xf32> to tensor<?x64xf32>
  %ec = tensor.empty(%R) : tensor<?x32x16xf32>
  %zc = linalg.fill ins(%c0f : f32) outs(%ec : tensor<?x32x16xf32>) -> tensor<?x32x16xf32>
  %lg = linalg.generic {indexing_maps = [#lx, #lw, #ly], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xl, %wc : tensor<?x64xf32>, tensor<32x64x16xf32>) outs(%zc : tensor<?x32x16xf32>) {
  ^bb0(%_a: f32, %_b: f32, %_c: f32):
    %_m = arith.mulf %_a, %_b : f32
    %_r = arith.addf %_c, %_m : f32
    linalg.yield %_r : f32
  } -> tensor<?x32x16xf32>
  %lg2 = tensor.collapse_shape %lg [[0], [1, 2]] : tensor<?x32x16xf32> into tensor<?x512xf32>
  bufferization.materialize_in_destination %lg2 in restrict writable %logits : (tensor<?x512xf32>, memref<?x512xf32>) -> ()
  return
}
