// RUN: attnc-opt %s --convert-attn-to-linalg | attnc-codegen - --emit=obj -o %t.o
// RUN: llvm-objdump -dr --no-show-raw-insn %t.o | FileCheck %s

// Tests that the decode linear layer (K = 288 -> N = 288, packed) on q4_0
// weights (144 bytes of two 4-bit codes per row) stays vector code on the
// host: per 32-wide k block, each 16-byte row of a 16 x 16 byte block is one
// zero-extending load into a zmm register (vpmovzxbd), its high nibbles a
// shift by 4 (vpsrld) and its low ones a mask (vpandd), converted
// (vcvtdq2ps) and dequantized with one FMA each by the block's 16 scales
// (fma(code, s, -8 s)), then 32 broadcast FMAs in f32 on 512-bit registers
// (h and kk merged into one 32-wide contraction, no shuffles). The loop
// over output blocks is outlined for OpenMP (FN..omp_par); the only calls
// in it are libomp's (__kmpc_*), none to a conversion routine.
// REQUIRES: avx512, attnc-codegen

// CHECK-LABEL: <linear_q4_0..omp_par>:
// CHECK: vpmovzxbd {{.*}}, %zmm{{[0-9]+}}
// CHECK: vpsrld $0x4, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK: vpandd {{.*}}%zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK: vcvtdq2ps {{.*}}, %zmm{{[0-9]+}}
// CHECK: vfmadd{{[0-9]+}}ps %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-COUNT-32: vfmadd{{[0-9]+}}ps {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{R_X86_64_PLT32.*(__ext|__trunc|__gnu|fma|cvt|__float)}}
// CHECK-NOT: vpermt2ps
// CHECK-LABEL: <_mlir_ciface_linear_q4_0>:

func.func @linear_q4_0(%x: tensor<1x288xf32>, %w: tensor<18x144x16xi8>, %s: tensor<18x9x16xf32>, %out: memref<1x288xf32>)
    attributes {llvm.emit_c_interface} {
  %y = attn.linear %x, %w scales %s {quant = #attn.quant<q4_0>} : tensor<1x288xf32>, tensor<18x144x16xi8>, tensor<18x9x16xf32> -> tensor<1x288xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<1x288xf32>, memref<1x288xf32>) -> ()
  return
}
