// RUN: attnc-opt %s --convert-attn-to-linalg | attnc-codegen - --emit=obj -o %t.o
// RUN: llvm-objdump -dr --no-show-raw-insn %t.o | FileCheck %s

// Tests that the decode linear layer (K = 288 -> N = 288, packed) on q8_0
// weights stays vector code on the host: per k, the 16 int8 values of 16
// output rows are one sign-extending load into a zmm register (vpmovsxbd),
// converted (vcvtdq2ps) and used by a broadcast FMA in f32 on 512-bit
// registers, 32 per block; the block's sum is then scaled by its 16 scales
// once (an FMA with the scales from memory into the accumulator), not each
// weight vector. The loop over output blocks is outlined for OpenMP
// (FN..omp_par); the only calls in it are libomp's (__kmpc_*), none to a
// conversion routine.
// REQUIRES: avx512, attnc-codegen

// CHECK-LABEL: <linear_q8_0..omp_par>:
// CHECK: vpmovsxbd {{.*}}, %zmm{{[0-9]+}}
// CHECK: vcvtdq2ps %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-COUNT-32: vfmadd{{[0-9]+}}ps {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NEXT: vfmadd231ps {{\(.*\)}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: vmulps
// CHECK-NOT: {{R_X86_64_PLT32.*(__ext|__trunc|__gnu|fma|cvt|__float)}}
// CHECK-LABEL: <_mlir_ciface_linear_q8_0>:

func.func @linear_q8_0(%x: tensor<1x288xf32>, %w: tensor<18x288x16xi8>, %s: tensor<18x9x16xf32>, %out: memref<1x288xf32>)
    attributes {llvm.emit_c_interface} {
  %y = attn.linear %x, %w scales %s : tensor<1x288xf32>, tensor<18x288x16xi8>, tensor<18x9x16xf32> -> tensor<1x288xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<1x288xf32>, memref<1x288xf32>) -> ()
  return
}
