// RUN: attnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --attn-check-stack-only='functions=attn_decode max-stack-bytes=1024' | FileCheck %s

// Tests that a stack-only function with constant-size allocas only outside
// loops and within the budget, and a heap-allocating function that is not
// stack-only, pass the check.

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
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %b = llvm.alloca %c16 x f32 : (i64) -> !llvm.ptr
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

// -----

// Tests that an alloca of run-time size in a stack-only function is reported:
// its stack use would depend on the input.

llvm.func @attn_decode(%n: i64) {
  // expected-error @+1 {{'attn_decode' must not put a buffer of run-time size on the stack}}
  %a = llvm.alloca %n x f32 : (i64) -> !llvm.ptr
  llvm.return
}

// -----

// Tests that allocas of a stack-only function and the functions it calls are
// summed against the budget (max-stack-bytes=1024): 800 + 256 bytes pass it.

llvm.func @helper() {
  %c64 = llvm.mlir.constant(64 : i64) : i64
  %a = llvm.alloca %c64 x f32 : (i64) -> !llvm.ptr
  llvm.return
}
llvm.func @attn_decode() {
  %c200 = llvm.mlir.constant(200 : i64) : i64
  // expected-error @+1 {{allocas of attn_decode take 1056 bytes of stack, more than the budget of 1024 (the largest, this one, takes 800)}}
  %a = llvm.alloca %c200 x f32 : (i64) -> !llvm.ptr
  llvm.call @helper() : () -> ()
  llvm.return
}
