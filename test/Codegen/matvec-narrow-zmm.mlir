// RUN: attnc-codegen %s --emit=obj -o %t.o
// RUN: llvm-objdump -dr --no-show-raw-insn %t.o | FileCheck %s

// Tests that the decode linear layer (K = 288 -> N = 288, packed) on bf16 and
// f16 weights stays vector code on the host: each 16-wide weight row is one
// widening load into a zmm register (bf16: zero-extend to 32 bits and shift
// the bits into the high half, which is exactly bf16 -> f32; f16:
// vcvtph2ps), followed by broadcast FMAs in f32 on 512-bit registers. The
// loop over output blocks is outlined for OpenMP (FN..omp_par); the only
// calls in it are libomp's (__kmpc_*), none to a conversion routine.
// REQUIRES: avx512, attnc-codegen

// CHECK-LABEL: <linear_bf16..omp_par>:
// CHECK: vpmovzxwd {{.*}}, %zmm{{[0-9]+}}
// CHECK: vpslld $0x10, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK: vfmadd{{[0-9]+}}ps {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{R_X86_64_PLT32.*(__ext|__trunc|__gnu|fma|cvt)}}
// CHECK-LABEL: <_mlir_ciface_linear_bf16>:

// CHECK-LABEL: <linear_f16..omp_par>:
// CHECK: vcvtph2ps {{.*}}, %zmm{{[0-9]+}}
// CHECK: vfmadd{{[0-9]+}}ps {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{R_X86_64_PLT32.*(__ext|__trunc|__gnu|fma|cvt)}}
// CHECK-LABEL: <_mlir_ciface_linear_f16>:

func.func @linear_bf16(%x: tensor<1x288xf32>, %w: tensor<18x288x16xbf16>, %out: memref<1x288xf32>)
    attributes {llvm.emit_c_interface} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x288xf32>, tensor<18x288x16xbf16>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b16: bf16, %c: f32):
    %b = arith.extf %b16 : bf16 to f32
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x18x16xf32>
  %y = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x18x16xf32> into tensor<1x288xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<1x288xf32>, memref<1x288xf32>) -> ()
  return
}

func.func @linear_f16(%x: tensor<1x288xf32>, %w: tensor<18x288x16xf16>, %out: memref<1x288xf32>)
    attributes {llvm.emit_c_interface} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x18x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x18x16xf32>) -> tensor<1x18x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(nb, t, j, k) -> (t, k)>, affine_map<(nb, t, j, k) -> (nb, k, j)>, affine_map<(nb, t, j, k) -> (t, nb, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x288xf32>, tensor<18x288x16xf16>) outs(%init : tensor<1x18x16xf32>) {
  ^bb0(%a: f32, %b16: f16, %c: f32):
    %b = arith.extf %b16 : f16 to f32
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x18x16xf32>
  %y = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x18x16xf32> into tensor<1x288xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<1x288xf32>, memref<1x288xf32>) -> ()
  return
}
