// RUN: attnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --attn-check-stack-only=functions=attn_decode | FileCheck %s

// Tests that a stack-only function with allocas only outside loops, and a
// heap-allocating function that is not stack-only, pass the check.

// CHECK-LABEL: llvm.func @attn_decode
// CHECK-LABEL: llvm.func @attn_prefill
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @attn_decode(%n: i64) {
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %a = llvm.alloca %c1 x f32 : (i64) -> !llvm.ptr
  llvm.br ^loop(%c1 : i64)
^loop(%i: i64):
  %next = llvm.add %i, %c1 : i64
  %done = llvm.icmp "eq" %next, %n : i64
  llvm.cond_br %done, ^exit, ^loop(%next : i64)
^exit:
  %b = llvm.alloca %n x f32 : (i64) -> !llvm.ptr
  llvm.return
}
llvm.func @attn_prefill(%n: i64) {
  %p = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
  llvm.return
}

// -----

// Tests that a heap allocation reached from the C-interface wrapper of a
// stack-only function is reported.

llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @helper(%n: i64) {
  // expected-error @+1 {{'helper' must not allocate on the heap, but calls malloc}}
  %p = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
  llvm.return
}
llvm.func @attn_decode(%n: i64) {
  llvm.call @helper(%n) : (i64) -> ()
  llvm.return
}
llvm.func @_mlir_ciface_attn_decode(%n: i64) {
  llvm.call @attn_decode(%n) : (i64) -> ()
  llvm.return
}

// -----

// Tests that an alloca executed in a loop of a stack-only function is
// reported.

llvm.func @attn_decode(%n: i64) {
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^loop(%c1 : i64)
^loop(%i: i64):
  // expected-error @+1 {{'attn_decode' must not grow the stack in a loop}}
  %a = llvm.alloca %c1 x f32 : (i64) -> !llvm.ptr
  %next = llvm.add %i, %c1 : i64
  %done = llvm.icmp "eq" %next, %n : i64
  llvm.cond_br %done, ^exit, ^loop(%next : i64)
^exit:
  llvm.return
}
