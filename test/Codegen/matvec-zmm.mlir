// RUN: attnc-codegen %s --emit=obj -o %t.o
// RUN: llvm-objdump -d --no-show-raw-insn %t.o | FileCheck %s
// RUN: attnc-codegen %s --emit=ll -o - | FileCheck %s --check-prefix=IR

// Tests that a packed matvec (the decode linear layer, K = 288 -> N = 288)
// compiled for the host becomes broadcast FMAs on 512-bit registers, with
// the accumulator in a register across the k loop (no store between FMAs).
// REQUIRES: avx512, attnc-codegen

// CHECK-LABEL: <linear>:
// CHECK: vfmadd{{[0-9]+}}ps {{.*}}%zmm{{[0-9]+}}
// CHECK-NEXT: vfmadd{{[0-9]+}}ps {{.*}}%zmm{{[0-9]+}}
// CHECK-NEXT: vfmadd{{[0-9]+}}ps {{.*}}%zmm{{[0-9]+}}
// CHECK-LABEL: <_mlir_ciface_linear>:

// IR: define void @_mlir_ciface_linear(
// IR: attributes #{{[0-9]+}} = {{.*}}"min-legal-vector-width"="512"

func.func @linear(%x: tensor<1x288xf32>, %w: tensor<18x288x16xf32>, %out: memref<1x288xf32>)
    attributes {llvm.emit_c_interface} {
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
  %y = tensor.collapse_shape %r [[0], [1, 2]] : tensor<1x18x16xf32> into tensor<1x288xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<1x288xf32>, memref<1x288xf32>) -> ()
  return
}
