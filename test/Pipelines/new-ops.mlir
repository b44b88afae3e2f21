// RUN: attnc-opt %s --attn-decompose-attention --convert-attn-to-linalg --attnc-linalg-to-vector-pipeline | FileCheck %s --check-prefix=VECTOR
// RUN: attnc-opt %s --attnc-decompose-pipeline --attnc-attn-to-linalg-pipeline --attnc-linalg-to-vector-pipeline | FileCheck %s --check-prefix=VECTOR
// RUN: attnc-opt %s --attnc-pipeline | FileCheck %s --check-prefix=LLVM

// Tests that the ops of GPT-2-style and original-Transformer layers (learned
// and sinusoidal positions, layer_norm, bias_add, gelu both ways, relu, rope
// with halves pairs), chained as a block uses them, go through the whole
// pipeline from attn IR to the LLVM dialect in both entry-point shapes: a
// prefill with a dynamic token count and a decode of one token, which must
// keep every temporary off the heap (attnc-pipeline ends with
// attn-check-stack-only on attn_decode, which fails the run otherwise). erf,
// tanh, sin and cos are vectorized and become polynomial code: no libm call.

// VECTOR-LABEL: func.func @attn_prefill
// VECTOR: math.erf {{.*}} : vector<64xf32>
// VECTOR: math.tanh {{.*}} : vector<64xf32>
// VECTOR: math.cos {{.*}} : vector<16xf32>
// VECTOR-LABEL: func.func @attn_decode
// VECTOR-NOT: memref.alloc(
// VECTOR-NOT: memref.alloc()
// VECTOR: math.sin {{.*}} : vector<64xf32>
// VECTOR: vector.multi_reduction
// VECTOR: math.erf {{.*}} : vector<64xf32>
// VECTOR: math.tanh {{.*}} : vector<64xf32>
// VECTOR: arith.maximumf {{.*}} : vector<64xf32>
// VECTOR: math.cos {{.*}} : vector<16xf32>
// VECTOR: return

// LLVM-LABEL: llvm.func @attn_prefill
// LLVM-NOT: llvm.call @{{(erf|tanh|sin|cos|exp|pow)}}
// LLVM-LABEL: llvm.func @_mlir_ciface_attn_prefill
// LLVM-LABEL: llvm.func @attn_decode
// LLVM-NOT: llvm.call @{{(erf|tanh|sin|cos|exp|pow|malloc)}}
// LLVM-LABEL: llvm.func @_mlir_ciface_attn_decode
// LLVM-NOT: llvm.func @{{(erf|tanh|sin|cos|exp|pow|malloc)}}

// GPT-2-like: learned positions, pre-norm with bias, bias, gelu (tanh) and
// relu, then the exact gelu; the original Transformer's sinusoidal positions;
// Hugging Face rope on (T, 4, 16).
func.func @attn_prefill(%x: tensor<?x64xf32>, %table: tensor<512x64xf32>, %w: tensor<64xf32>,
                        %b: tensor<64xf32>, %q: tensor<?x4x16xf32>, %pos: index,
                        %out: memref<?x64xf32>, %qout: memref<?x4x16xf32>)
    attributes {llvm.emit_c_interface} {
  %0 = attn.learned_positions %x, %table, %pos : tensor<?x64xf32>, tensor<512x64xf32>
  %1 = attn.sinusoidal_positions %0, %pos {base = 1.000000e+04 : f32} : tensor<?x64xf32>
  %2 = attn.layer_norm %1, %w, %b {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xf32>
  %3 = attn.bias_add %2, %b : tensor<?x64xf32>, tensor<64xf32>
  %4 = attn.gelu %3 {approximation = #attn.gelu<none>} : tensor<?x64xf32>
  %5 = attn.gelu %4 {approximation = #attn.gelu<tanh>} : tensor<?x64xf32>
  %6 = attn.relu %5 : tensor<?x64xf32>
  bufferization.materialize_in_destination %6 in restrict writable %out : (tensor<?x64xf32>, memref<?x64xf32>) -> ()
  %7 = attn.rope %q, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<?x4x16xf32>
  bufferization.materialize_in_destination %7 in restrict writable %qout : (tensor<?x4x16xf32>, memref<?x4x16xf32>) -> ()
  return
}

func.func @attn_decode(%x: tensor<1x64xf32>, %table: tensor<512x64xf32>, %w: tensor<64xf32>,
                       %b: tensor<64xf32>, %q: tensor<1x4x16xf32>, %pos: index,
                       %out: memref<1x64xf32>, %qout: memref<1x4x16xf32>)
    attributes {llvm.emit_c_interface} {
  %0 = attn.learned_positions %x, %table, %pos : tensor<1x64xf32>, tensor<512x64xf32>
  %1 = attn.sinusoidal_positions %0, %pos {base = 1.000000e+04 : f32} : tensor<1x64xf32>
  %2 = attn.layer_norm %1, %w, %b {epsilon = 1.0e-05 : f32} : tensor<1x64xf32>, tensor<64xf32>
  %3 = attn.bias_add %2, %b : tensor<1x64xf32>, tensor<64xf32>
  %4 = attn.gelu %3 {approximation = #attn.gelu<none>} : tensor<1x64xf32>
  %5 = attn.gelu %4 {approximation = #attn.gelu<tanh>} : tensor<1x64xf32>
  %6 = attn.relu %5 : tensor<1x64xf32>
  bufferization.materialize_in_destination %6 in restrict writable %out : (tensor<1x64xf32>, memref<1x64xf32>) -> ()
  %7 = attn.rope %q, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<1x4x16xf32>
  bufferization.materialize_in_destination %7 in restrict writable %qout : (tensor<1x4x16xf32>, memref<1x4x16xf32>) -> ()
  return
}
