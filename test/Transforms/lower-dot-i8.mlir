// RUN: attnc-opt %s --attn-lower-vector-ops=int8-dot-product=true | FileCheck %s --check-prefix=VNNI
// RUN: attnc-opt %s --attn-lower-vector-ops | FileCheck %s --check-prefix=WIDE

// attn.dot_i8: lane i gets acc[i] + sum_{k<4} zext(lhs[4i+k]) * sext(rhs[4i+k]).

// Tests that with int8-dot-product 16 lanes become vpdpbusd on the bytes
// bit-cast to <16 x i32>, in the intrinsic's order (accumulator, unsigned
// bytes, signed bytes); and that without it the bytes are widened (lhs
// zero-, rhs sign-extended), multiplied, and each lane's 4 products added
// to the accumulator.
// VNNI-LABEL: func.func @dot16
// VNNI-SAME: (%[[ACC:.*]]: vector<16xi32>, %[[U:.*]]: vector<64xi8>, %[[S:.*]]: vector<64xi8>)
// VNNI-DAG: %[[UI:.*]] = vector.bitcast %[[U]] : vector<64xi8> to vector<16xi32>
// VNNI-DAG: %[[SI:.*]] = vector.bitcast %[[S]] : vector<64xi8> to vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[UI]], %[[SI]]) : (vector<16xi32>, vector<16xi32>, vector<16xi32>) -> vector<16xi32>
// WIDE-LABEL: func.func @dot16
// WIDE-SAME: (%[[ACC:.*]]: vector<16xi32>, %[[U:.*]]: vector<64xi8>, %[[S:.*]]: vector<64xi8>)
// WIDE-DAG: %[[UW:.*]] = arith.extui %[[U]] : vector<64xi8> to vector<64xi32>
// WIDE-DAG: %[[SW:.*]] = arith.extsi %[[S]] : vector<64xi8> to vector<64xi32>
// WIDE: arith.muli %[[UW]], %[[SW]] : vector<64xi32>
// WIDE-NOT: llvm.call_intrinsic
// WIDE: arith.addi
// WIDE-NOT: attn.dot_i8
func.func @dot16(%acc: vector<16xi32>, %u: vector<64xi8>, %s: vector<64xi8>) -> vector<16xi32> {
  %0 = attn.dot_i8 %acc, %u, %s : vector<64xi8> into vector<16xi32>
  return %0 : vector<16xi32>
}

// Tests that other lane counts take the widening form even with
// int8-dot-product (only the 512-bit instruction is used).
// VNNI-LABEL: func.func @dot8
// VNNI-NOT: llvm.call_intrinsic
// VNNI: arith.extui %{{.*}} : vector<32xi8> to vector<32xi32>
// VNNI-NOT: attn.dot_i8
// VNNI: return
func.func @dot8(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
  %0 = attn.dot_i8 %acc, %u, %s : vector<32xi8> into vector<8xi32>
  return %0 : vector<8xi32>
}
