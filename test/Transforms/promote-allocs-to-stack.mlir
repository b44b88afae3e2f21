// RUN: attnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(attn-promote-allocs-to-stack{functions=attn_decode max-bytes=64 max-alloca-bytes=256 stack-budget-bytes=512})' \
// RUN:   | FileCheck %s

// Tests that in a stack-only function a static buffer allocated inside a
// loop becomes one alloca in the entry block (no stack growth per
// iteration), and its dealloc disappears.

// CHECK-LABEL: func.func @attn_decode
// CHECK-NEXT: %[[S:.*]] = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK-NOT: memref.alloca
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK-NOT: memref.dealloc
func.func @attn_decode(%out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %s = memref.alloc() : memref<16xf32>
    memref.store %f, %s[%i] : memref<16xf32>
    memref.copy %s, %out : memref<16xf32> to memref<16xf32>
    memref.dealloc %s : memref<16xf32>
  }
  return
}

// -----

// Tests the per-buffer threshold (max-alloca-bytes=256) on each side: a
// buffer of exactly 256 bytes becomes an alloca, one of 260 bytes a private,
// uninitialized, 64-byte-aligned global read with get_global (static
// storage: no stack, no heap), and its dealloc disappears.

// CHECK: memref.global "private" @attn_decode_scratch0 : memref<65xf32> = uninitialized {alignment = 64 : i64}
// CHECK-LABEL: func.func @attn_decode
// CHECK-DAG: %[[G:.*]] = memref.get_global @attn_decode_scratch0 : memref<65xf32>
// CHECK-DAG: %[[A:.*]] = memref.alloca() {alignment = 64 : i64} : memref<64xf32>
// CHECK-NOT: memref.alloc
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: memref.store %{{.*}}, %[[G]]
// CHECK-NOT: memref.dealloc
func.func @attn_decode() {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %at = memref.alloc() : memref<64xf32>
  %over = memref.alloc() : memref<65xf32>
  memref.store %f, %at[%c0] : memref<64xf32>
  memref.store %f, %over[%c0] : memref<65xf32>
  memref.dealloc %over : memref<65xf32>
  return
}

// -----

// Tests the stack budget (stack-budget-bytes=512): buffers go on the stack
// smallest first while they fit (16 + 64 + 256 bytes = 336), and the one
// that would pass the budget (256 more) goes to static storage, though it
// is under the per-buffer threshold; an existing global name is not reused.

// CHECK: memref.global "private" @attn_decode_scratch0_0 : memref<64xf32> = uninitialized
// CHECK-LABEL: func.func @attn_decode
// CHECK-DAG: memref.get_global @attn_decode_scratch0_0 : memref<64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<4xf32>
// CHECK-NOT: memref.alloc
memref.global "private" @attn_decode_scratch0 : memref<1xf32> = uninitialized
func.func @attn_decode() {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  %c = memref.alloc() : memref<16xf32>
  %d = memref.alloc() : memref<4xf32>
  memref.store %f, %a[%c0] : memref<64xf32>
  memref.store %f, %b[%c0] : memref<64xf32>
  memref.store %f, %c[%c0] : memref<16xf32>
  memref.store %f, %d[%c0] : memref<4xf32>
  return
}

// -----

// Tests that a dynamic-size buffer in a stack-only function is an error even
// outside loops: its size comes from the input, so no bound holds.

func.func @attn_decode(%n: index) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  // expected-error @+1 {{dynamic-size buffer in 'attn_decode', whose stack use must not depend on its input}}
  %d = memref.alloc(%n) : memref<?xf32>
  memref.store %f, %d[%c0] : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  return
}

// -----

// Tests that a dynamic-size buffer inside a loop of a stack-only function is
// an error: it can be neither heap-allocated nor put on the stack per
// iteration.

func.func @attn_decode(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-error @+1 {{dynamic-size buffer inside a loop in 'attn_decode'}}
    %d = memref.alloc(%i) : memref<?xf32>
    memref.dealloc %d : memref<?xf32>
  }
  return
}

// -----

// Tests that a loop-local buffer yielded out of its loop in a stack-only
// function is an error (hoisting it would share one buffer between
// iterations whose values are still live).

func.func @attn_decode(%n: index, %init: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%b = %init) -> (memref<4xf32>) {
    // expected-error @+1 {{loop-local buffer escapes its loop in 'attn_decode'}}
    %s = memref.alloc() : memref<4xf32>
    scf.yield %s : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

// Tests that other functions only get small static buffers outside loops
// promoted; large, dynamic and loop-local ones are left to the
// deallocation pipeline.

// CHECK-LABEL: func.func @attn_prefill
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK: memref.alloc() : memref<32xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.for
// CHECK: memref.alloc() : memref<4xf32>
func.func @attn_prefill(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %small = memref.alloc() : memref<16xf32>
  %large = memref.alloc() : memref<32xf32>
  %dyn = memref.alloc(%n) : memref<?xf32>
  memref.store %f, %small[%c0] : memref<16xf32>
  memref.store %f, %large[%c0] : memref<32xf32>
  memref.store %f, %dyn[%c0] : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %l = memref.alloc() : memref<4xf32>
    memref.store %f, %l[%c0] : memref<4xf32>
  }
  return
}

// -----

// Tests that other functions keep within the stack budget as well
// (stack-budget-bytes=512): of nine small buffers of 64 bytes, eight become
// allocas and the ninth is left to the deallocation pipeline.

// CHECK-LABEL: func.func @attn_prefill
// CHECK-COUNT-8: memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK-NOT: memref.alloca
// CHECK: memref.alloc() : memref<16xf32>
// CHECK-NOT: memref.alloc
func.func @attn_prefill() {
  %a0 = memref.alloc() : memref<16xf32>
  %a1 = memref.alloc() : memref<16xf32>
  %a2 = memref.alloc() : memref<16xf32>
  %a3 = memref.alloc() : memref<16xf32>
  %a4 = memref.alloc() : memref<16xf32>
  %a5 = memref.alloc() : memref<16xf32>
  %a6 = memref.alloc() : memref<16xf32>
  %a7 = memref.alloc() : memref<16xf32>
  %a8 = memref.alloc() : memref<16xf32>
  return
}

// -----

// Tests that a buffer inside a loop marked attn.parallel stays private to the
// marked loop's iteration: a small static one becomes an alloca at the start
// of the marked loop's body (not of the entry block, where the threads would
// share it), even from an inner loop; one over max-alloca-bytes stays a heap
// allocation of its iteration.

// CHECK-LABEL: func.func @attn_prefill
// CHECK-NOT: memref.alloca
// CHECK: scf.for
// CHECK-NEXT: memref.alloca() {alignment = 64 : i64} : memref<8xf32>
// CHECK-NEXT: scf.for
// CHECK: memref.alloc() : memref<128xf32>
// CHECK: } {attn.parallel}
func.func @attn_prefill(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.for %h = %c0 to %n step %c1 {
    scf.for %t = %c0 to %n step %c1 {
      %row = memref.alloc() : memref<8xf32>
      %big = memref.alloc() : memref<128xf32>
      memref.store %f, %row[%c0] : memref<8xf32>
      memref.store %f, %big[%c0] : memref<128xf32>
      memref.dealloc %big : memref<128xf32>
      memref.dealloc %row : memref<8xf32>
    }
  } {attn.parallel}
  return
}

// -----

// Tests that a stack-only function refuses a buffer in a marked loop that can
// be neither a private alloca (over max-alloca-bytes) nor static storage
// (which the threads would share).

func.func @attn_decode() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %h = %c0 to %c4 step %c1 {
    // expected-error @+1 {{buffer of type 'memref<128xf32>' in a parallel loop of 'attn_decode' can be neither a private alloca nor shared static storage}}
    %big = memref.alloc() : memref<128xf32>
    memref.store %f, %big[%c0] : memref<128xf32>
  } {attn.parallel}
  return
}
