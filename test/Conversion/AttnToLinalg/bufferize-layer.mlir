// RUN: attnc-opt %s --attn-decompose-attention --convert-attn-to-linalg | FileCheck %s --check-prefix=LINALG
// RUN: attnc-opt %s --attn-decompose-attention --convert-attn-to-linalg --canonicalize --cse \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s
// RUN: attnc-opt %s --attn-decompose-attention --convert-attn-to-linalg --canonicalize --cse \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=NO-HEAP

// The whole chain this conversion owns, on one layer of a stories260K-shaped
// model (dim 64, 8 heads, 4 kv heads, head_dim 8, hidden 192, vocab 512 in
// blocks of 16, a 5-layer cache of context 512): decode (T = 1) and prefill
// (T dynamic). The result must be attn-free, bufferize with One-Shot Bufferize
// (to_tensor restrict and materialize_in_destination used as it accepts), and
// in decode allocate nothing of dynamic size: the scores, whose key count is
// the dynamic cache length, are allocated at the cache's context.

// Tests that no attn op survives the chain.
// LINALG-LABEL: func.func @attn_decode
// LINALG-NOT: attn.
// LINALG-LABEL: func.func @attn_prefill
// LINALG-NOT: attn.

// Tests that decode bufferizes with the KV cache written and read in place
// and the scores allocated at the static context.
// CHECK-LABEL: func.func @attn_decode
// CHECK-SAME: %[[POS:[^:]*]]: index, %{{[^:]*}}: memref<?xi8>, %[[K_CACHE:[^:]*]]: memref<5x4x512x8xf32>, %[[V_CACHE:[^:]*]]: memref<5x4x512x8xf32>, %[[LOGITS:[^:]*]]: memref<1x512xf32>)
// CHECK: %[[K_NEW:.*]] = memref.subview %[[K_CACHE]][0, 0, %[[POS]], 0] [1, 4, 1, 8] [1, 1, 1, 1]
// CHECK: memref.copy %{{.*}}, %[[K_NEW]] : memref<4x1x8xf32> to memref<4x1x8xf32, strided<[4096, 8, 1], offset: ?>>
// CHECK: %[[V_NEW:.*]] = memref.subview %[[V_CACHE]][0, 0, %[[POS]], 0] [1, 4, 1, 8] [1, 1, 1, 1]
// CHECK: memref.copy %{{.*}}, %[[V_NEW]] : memref<4x1x8xf32> to memref<4x1x8xf32, strided<[4096, 8, 1], offset: ?>>
// CHECK: %[[KEYS:.*]] = memref.subview %[[K_CACHE]][0, 0, 0, 0] [1, 4, %[[N:.*]], 8] [1, 1, 1, 1]
// CHECK: %[[VALUES:.*]] = memref.subview %[[V_CACHE]][0, 0, 0, 0] [1, 4, %[[N]], 8] [1, 1, 1, 1]
// CHECK: %[[SCORES:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x2x1x512xf32>
// CHECK: %[[USED:.*]] = memref.subview %[[SCORES]][0, 0, 0, 0] [4, 2, 1, %[[N]]] [1, 1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[KEYS]] : memref<1x4x2x8xf32>, memref<4x?x8xf32, strided<[4096, 8, 1]>>) outs(%[[USED]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[VALUES]] : memref<4x2x1x?xf32, strided<[1024, 512, 512, 1]>>, memref<4x?x8xf32, strided<[4096, 8, 1]>>)
// CHECK: memref.copy %{{.*}}, %[[LOGITS]] : memref<1x512xf32> to memref<1x512xf32>
// CHECK-LABEL: func.func @attn_prefill

// Tests that decode has no dynamically sized allocation and no tensor left.
// NO-HEAP-LABEL: func.func @attn_decode
// NO-HEAP-NOT: memref.alloc(%
// NO-HEAP-NOT: bufferization.to_tensor
// NO-HEAP-NOT: tensor<
// NO-HEAP-LABEL: func.func @attn_prefill

func.func @attn_decode(%tokens: tensor<1xi32>, %pos: index, %weights: tensor<?xi8>, %k_cache: memref<5x4x512x8xf32>, %v_cache: memref<5x4x512x8xf32>, %logits: memref<1x512xf32>) attributes {llvm.emit_c_interface} {
  %w_tok_embeddings = attn.weight "tok_embeddings" at 0 in %weights : tensor<?xi8> -> tensor<32x64x16xf32>
  %x0 = attn.embedding %w_tok_embeddings[%tokens] : tensor<32x64x16xf32>, tensor<1xi32> -> tensor<1x64xf32>
  %c1 = arith.constant 1 : index
  %n = arith.addi %pos, %c1 : index
  %w_layers_0_attention_norm = attn.weight "layers.0.attention_norm" at 131072 in %weights : tensor<?xi8> -> tensor<64xf32>
  %h = attn.rms_norm %x0, %w_layers_0_attention_norm {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<64xf32>
  %w_layers_0_wq = attn.weight "layers.0.wq" at 131328 in %weights : tensor<?xi8> -> tensor<4x64x16xf32>
  %q = attn.linear %h, %w_layers_0_wq : tensor<1x64xf32>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [1, 8, 8] : tensor<1x64xf32> into tensor<1x8x8xf32>
  %w_layers_0_wk = attn.weight "layers.0.wk" at 147712 in %weights : tensor<?xi8> -> tensor<2x64x16xf32>
  %k = attn.linear %h, %w_layers_0_wk : tensor<1x64xf32>, tensor<2x64x16xf32> -> tensor<1x32xf32>
  %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [1, 4, 8] : tensor<1x32xf32> into tensor<1x4x8xf32>
  %w_layers_0_wv = attn.weight "layers.0.wv" at 155904 in %weights : tensor<?xi8> -> tensor<2x64x16xf32>
  %v = attn.linear %h, %w_layers_0_wv : tensor<1x64xf32>, tensor<2x64x16xf32> -> tensor<1x32xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [1, 4, 8] : tensor<1x32xf32> into tensor<1x4x8xf32>
  %qr = attn.rope %q3, %pos {theta = 1.000000e+04 : f32} : tensor<1x8x8xf32>
  %kr = attn.rope %k3, %pos {theta = 1.000000e+04 : f32} : tensor<1x4x8xf32>
  attn.cache_write %kr into %k_cache[0] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  attn.cache_write %v3 into %v_cache[0] at %pos : tensor<1x4x8xf32>, memref<5x4x512x8xf32>
  %keys = attn.cache_read %k_cache[0] len %n : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %vals = attn.cache_read %v_cache[0] len %n : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %o = attn.attention %qr, %keys, %vals, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32} : tensor<1x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<1x8x8xf32>
  %o2 = tensor.collapse_shape %o [[0], [1, 2]] : tensor<1x8x8xf32> into tensor<1x64xf32>
  %w_layers_0_wo = attn.weight "layers.0.wo" at 164096 in %weights : tensor<?xi8> -> tensor<4x64x16xf32>
  %a = attn.linear %o2, %w_layers_0_wo : tensor<1x64xf32>, tensor<4x64x16xf32> -> tensor<1x64xf32>
  %x1 = attn.add %x0, %a : tensor<1x64xf32>
  %w_layers_0_ffn_norm = attn.weight "layers.0.ffn_norm" at 180480 in %weights : tensor<?xi8> -> tensor<64xf32>
  %h2 = attn.rms_norm %x1, %w_layers_0_ffn_norm {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<64xf32>
  %w_layers_0_w1 = attn.weight "layers.0.w1" at 180736 in %weights : tensor<?xi8> -> tensor<12x64x16xf32>
  %w_layers_0_w3 = attn.weight "layers.0.w3" at 229888 in %weights : tensor<?xi8> -> tensor<12x64x16xf32>
  %w_layers_0_w2 = attn.weight "layers.0.w2" at 279040 in %weights : tensor<?xi8> -> tensor<4x192x16xf32>
  %g = attn.linear %h2, %w_layers_0_w1 : tensor<1x64xf32>, tensor<12x64x16xf32> -> tensor<1x192xf32>
  %u = attn.linear %h2, %w_layers_0_w3 : tensor<1x64xf32>, tensor<12x64x16xf32> -> tensor<1x192xf32>
  %s = attn.swiglu %g, %u : tensor<1x192xf32>
  %f = attn.linear %s, %w_layers_0_w2 : tensor<1x192xf32>, tensor<4x192x16xf32> -> tensor<1x64xf32>
  %x2 = attn.add %x1, %f : tensor<1x64xf32>
  %w_norm = attn.weight "norm" at 328192 in %weights : tensor<?xi8> -> tensor<64xf32>
  %xf = attn.rms_norm %x2, %w_norm {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<64xf32>
  %lg = attn.linear %xf, %w_tok_embeddings : tensor<1x64xf32>, tensor<32x64x16xf32> -> tensor<1x512xf32>
  bufferization.materialize_in_destination %lg in restrict writable %logits : (tensor<1x512xf32>, memref<1x512xf32>) -> ()
  return
}


func.func @attn_prefill(%tokens: tensor<?xi32>, %pos: index, %weights: tensor<?xi8>, %k_cache: memref<5x4x512x8xf32>, %v_cache: memref<5x4x512x8xf32>, %logits: memref<?x512xf32>) attributes {llvm.emit_c_interface} {
  %w_tok_embeddings = attn.weight "tok_embeddings" at 0 in %weights : tensor<?xi8> -> tensor<32x64x16xf32>
  %x0 = attn.embedding %w_tok_embeddings[%tokens] : tensor<32x64x16xf32>, tensor<?xi32> -> tensor<?x64xf32>
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %t = tensor.dim %tokens, %c0 : tensor<?xi32>
  %n = arith.addi %pos, %t : index
  %w_layers_0_attention_norm = attn.weight "layers.0.attention_norm" at 131072 in %weights : tensor<?xi8> -> tensor<64xf32>
  %h = attn.rms_norm %x0, %w_layers_0_attention_norm {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %w_layers_0_wq = attn.weight "layers.0.wq" at 131328 in %weights : tensor<?xi8> -> tensor<4x64x16xf32>
  %q = attn.linear %h, %w_layers_0_wq : tensor<?x64xf32>, tensor<4x64x16xf32> -> tensor<?x64xf32>
  %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [%t, 8, 8] : tensor<?x64xf32> into tensor<?x8x8xf32>
  %w_layers_0_wk = attn.weight "layers.0.wk" at 147712 in %weights : tensor<?xi8> -> tensor<2x64x16xf32>
  %k = attn.linear %h, %w_layers_0_wk : tensor<?x64xf32>, tensor<2x64x16xf32> -> tensor<?x32xf32>
  %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%t, 4, 8] : tensor<?x32xf32> into tensor<?x4x8xf32>
  %w_layers_0_wv = attn.weight "layers.0.wv" at 155904 in %weights : tensor<?xi8> -> tensor<2x64x16xf32>
  %v = attn.linear %h, %w_layers_0_wv : tensor<?x64xf32>, tensor<2x64x16xf32> -> tensor<?x32xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%t, 4, 8] : tensor<?x32xf32> into tensor<?x4x8xf32>
  %qr = attn.rope %q3, %pos {theta = 1.000000e+04 : f32} : tensor<?x8x8xf32>
  %kr = attn.rope %k3, %pos {theta = 1.000000e+04 : f32} : tensor<?x4x8xf32>
  attn.cache_write %kr into %k_cache[0] at %pos : tensor<?x4x8xf32>, memref<5x4x512x8xf32>
  attn.cache_write %v3 into %v_cache[0] at %pos : tensor<?x4x8xf32>, memref<5x4x512x8xf32>
  %keys = attn.cache_read %k_cache[0] len %n : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %vals = attn.cache_read %v_cache[0] len %n : memref<5x4x512x8xf32> -> tensor<4x?x8xf32>
  %o = attn.attention %qr, %keys, %vals, %pos {heads = 8 : i64, kv_heads = 4 : i64, mask = #attn.mask<causal>, scale = 0.353553385 : f32} : tensor<?x8x8xf32>, tensor<4x?x8xf32>, tensor<4x?x8xf32> -> tensor<?x8x8xf32>
  %o2 = tensor.collapse_shape %o [[0], [1, 2]] : tensor<?x8x8xf32> into tensor<?x64xf32>
  %w_layers_0_wo = attn.weight "layers.0.wo" at 164096 in %weights : tensor<?xi8> -> tensor<4x64x16xf32>
  %a = attn.linear %o2, %w_layers_0_wo : tensor<?x64xf32>, tensor<4x64x16xf32> -> tensor<?x64xf32>
  %x1 = attn.add %x0, %a : tensor<?x64xf32>
  %w_layers_0_ffn_norm = attn.weight "layers.0.ffn_norm" at 180480 in %weights : tensor<?xi8> -> tensor<64xf32>
  %h2 = attn.rms_norm %x1, %w_layers_0_ffn_norm {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %w_layers_0_w1 = attn.weight "layers.0.w1" at 180736 in %weights : tensor<?xi8> -> tensor<12x64x16xf32>
  %w_layers_0_w3 = attn.weight "layers.0.w3" at 229888 in %weights : tensor<?xi8> -> tensor<12x64x16xf32>
  %w_layers_0_w2 = attn.weight "layers.0.w2" at 279040 in %weights : tensor<?xi8> -> tensor<4x192x16xf32>
  %g = attn.linear %h2, %w_layers_0_w1 : tensor<?x64xf32>, tensor<12x64x16xf32> -> tensor<?x192xf32>
  %u = attn.linear %h2, %w_layers_0_w3 : tensor<?x64xf32>, tensor<12x64x16xf32> -> tensor<?x192xf32>
  %s = attn.swiglu %g, %u : tensor<?x192xf32>
  %f = attn.linear %s, %w_layers_0_w2 : tensor<?x192xf32>, tensor<4x192x16xf32> -> tensor<?x64xf32>
  %x2 = attn.add %x1, %f : tensor<?x64xf32>
  %w_norm = attn.weight "norm" at 328192 in %weights : tensor<?xi8> -> tensor<64xf32>
  %xf = attn.rms_norm %x2, %w_norm {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %lg = attn.linear %xf, %w_tok_embeddings : tensor<?x64xf32>, tensor<32x64x16xf32> -> tensor<?x512xf32>
  bufferization.materialize_in_destination %lg in restrict writable %logits : (tensor<?x512xf32>, memref<?x512xf32>) -> ()
  return
}
