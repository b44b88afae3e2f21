// RUN: attnc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(func.func(attn-promote-allocs-to-stack{functions=attn_decode max-bytes=64}))' | FileCheck %s

// Tests that in a stack-only function a static buffer allocated inside a
// loop becomes one alloca in the entry block (no stack growth per
// iteration), a dynamic one outside loops becomes an alloca where it was,
// and their deallocs disappear.

// CHECK-LABEL: func.func @attn_decode
// CHECK-SAME: %[[N:[a-z0-9_]+]]: index
// CHECK-NEXT: %[[S:.*]] = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK-NOT: memref.alloc(
// CHECK-NOT: memref.alloc()
// CHECK: memref.alloca(%[[N]]) {alignment = 64 : i64} : memref<?xf32>
// CHECK: scf.for
// CHECK-NOT: memref.alloca
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK-NOT: memref.dealloc
func.func @attn_decode(%n: index, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  %d = memref.alloc(%n) : memref<?xf32>
  memref.store %f, %d[%c0] : memref<?xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %s = memref.alloc() : memref<16xf32>
    memref.store %f, %s[%i] : memref<16xf32>
    memref.copy %s, %out : memref<16xf32> to memref<16xf32>
    memref.dealloc %s : memref<16xf32>
  }
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
