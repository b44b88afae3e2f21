// RUN: attnc-opt %s --split-input-file --verify-diagnostics --attn-parallelize | FileCheck %s

// Tests that a loop marked attn.parallel becomes an scf.parallel over the
// same range with the same body, and that an unmarked loop is left alone.

// CHECK-LABEL: func.func @blocks
// CHECK-SAME: %[[X:[a-z0-9_]+]]: memref<18x16xf32>, %[[Y:[a-z0-9_]+]]: memref<18x16xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C18:.*]] = arith.constant 18 : index
// CHECK: scf.parallel (%[[NB:.*]]) = (%[[C0]]) to (%[[C18]]) step (%[[C1]]) {
// CHECK-NEXT: %[[V:.*]] = vector.transfer_read %[[X]][%[[NB]], %[[C0]]]
// CHECK-NEXT: vector.transfer_write %[[V]], %[[Y]][%[[NB]], %[[C0]]]
// CHECK-NEXT: scf.reduce
// CHECK-NOT: attn.parallel
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[C18]] step %[[C1]] {
// CHECK-NOT: scf.parallel
func.func @blocks(%x: memref<18x16xf32>, %y: memref<18x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c18 = arith.constant 18 : index
  %pad = arith.constant 0.0 : f32
  scf.for %nb = %c0 to %c18 step %c1 {
    %v = vector.transfer_read %x[%nb, %c0], %pad : memref<18x16xf32>, vector<16xf32>
    vector.transfer_write %v, %y[%nb, %c0] : vector<16xf32>, memref<18x16xf32>
  } {attn.parallel}
  scf.for %i = %c0 to %c18 step %c1 {
    %v = vector.transfer_read %y[%i, %c0], %pad : memref<18x16xf32>, vector<16xf32>
    vector.transfer_write %v, %x[%i, %c0] : vector<16xf32>, memref<18x16xf32>
  }
  return
}

// -----

// Tests that a marked loop that carries a value is rejected: its iterations
// depend on each other.

func.func @carried(%x: memref<18xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c18 = arith.constant 18 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'scf.for' op marked attn.parallel still carries values: its iterations are not independent}}
  %s = scf.for %i = %c0 to %c18 step %c1 iter_args(%a = %zero) -> (f32) {
    %v = memref.load %x[%i] : memref<18xf32>
    %n = arith.addf %a, %v : f32
    scf.yield %n : f32
  } {attn.parallel}
  return %s : f32
}

// -----

// Tests that a marked loop counting in another type than index is rejected
// with an error (scf.parallel counts in index), not turned into invalid IR.

func.func @counts_in_i32(%x: memref<18xf32>) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c18 = arith.constant 18 : i32
  %one = arith.constant 1.0 : f32
  // expected-error @+1 {{'scf.for' op marked attn.parallel counts in 'i32': scf.parallel needs an index induction variable}}
  scf.for %i = %c0 to %c18 step %c1 : i32 {
    %j = arith.index_cast %i : i32 to index
    memref.store %one, %x[%j] : memref<18xf32>
  } {attn.parallel}
  return
}

// -----

// Tests that a marked loop whose body allocates becomes scf.parallel with the
// buffer still in its body: private to the iteration (convert-scf-to-openmp
// puts the body in a memref.alloca_scope), not shared by the threads.

// CHECK-LABEL: func.func @private_buffer
// CHECK-NOT: memref.alloca
// CHECK: scf.parallel
// CHECK-NEXT: memref.alloca() : memref<16xf32>
func.func @private_buffer(%x: memref<18xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c18 = arith.constant 18 : index
  scf.for %i = %c0 to %c18 step %c1 {
    %t = memref.alloca() : memref<16xf32>
    %v = memref.load %t[%c0] : memref<16xf32>
    memref.store %v, %x[%i] : memref<18xf32>
  } {attn.parallel}
  return
}

// -----

// Tests that two perfectly nested marked loops (a linear's output tiles and
// token halves, blockTokens) become one 2-D scf.parallel, the outer body's
// effect-free ops (the subview of the tile) moved into it; and that an inner
// marked loop whose bounds depend on the outer one stays a loop of its own
// (a nested scf.parallel).

// CHECK-LABEL: func.func @tiles_and_halves
// CHECK-SAME: %[[Y:[a-z0-9_]+]]: memref<?x18x16xf32>, %[[T:[a-z0-9_]+]]: index, %[[H:[a-z0-9_]+]]: index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C18:.*]] = arith.constant 18 : index
// CHECK: scf.parallel (%[[NB:.*]], %[[T0:.*]]) = (%[[C0]], %[[C0]]) to (%[[C18]], %[[T]]) step (%[[C2]], %[[H]]) {
// CHECK-NEXT: %[[TILE:.*]] = memref.subview %[[Y]][0, %[[NB]], 0]
// CHECK-NEXT: vector.transfer_write %{{.*}}, %[[TILE]][%[[T0]], %[[C0]], %[[C0]]]
// CHECK-NEXT: scf.reduce
// CHECK-NOT: scf.parallel
// CHECK-NOT: attn.parallel
func.func @tiles_and_halves(%y: memref<?x18x16xf32>, %t: index, %h: index) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c18 = arith.constant 18 : index
  %zero = arith.constant dense<0.0> : vector<16xf32>
  scf.for %nb = %c0 to %c18 step %c2 {
    %tile = memref.subview %y[0, %nb, 0] [%t, 2, 16] [1, 1, 1] : memref<?x18x16xf32> to memref<?x2x16xf32, strided<[288, 16, 1], offset: ?>>
    scf.for %t0 = %c0 to %t step %h {
      vector.transfer_write %zero, %tile[%t0, %c0, %c0] : vector<16xf32>, memref<?x2x16xf32, strided<[288, 16, 1], offset: ?>>
    } {attn.parallel}
  } {attn.parallel}
  return
}

// CHECK-LABEL: func.func @dependent_bounds
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: scf.parallel (%{{.*}}) = (%[[I]])
func.func @dependent_bounds(%y: memref<18x18xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c18 = arith.constant 18 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c18 step %c1 {
    scf.for %j = %i to %c18 step %c1 {
      memref.store %one, %y[%i, %j] : memref<18x18xf32>
    } {attn.parallel}
  } {attn.parallel}
  return
}

// -----

// Tests that sibling marked loops doing the same work per iteration on
// memory the others do not write (a token's wq, wk and wv) become one loop
// over all their iterations, each body in its branch at its own induction
// value (lower + (i - start) * step), with the views between the loops moved
// before it: one fork and join of the threads instead of three. The second
// loop has fewer iterations (a grouped-query attention's wk): the work per
// iteration is what must match, not the count. The outputs are the
// function's own buffers: an argument might be the same memory as another.

// CHECK-LABEL: func.func @siblings
// CHECK-SAME: %[[W:[a-z0-9_]+]]: memref<?xi8>, %[[X:[a-z0-9_]+]]: memref<64xf32>
// CHECK-DAG: %[[QV:.*]] = memref.view %[[W]][%{{.*}}][] : memref<?xi8> to memref<8x64x16xf32>
// CHECK-DAG: %[[KV:.*]] = memref.view %[[W]][%{{.*}}][] : memref<?xi8> to memref<4x64x16xf32>
// CHECK-DAG: %[[VV:.*]] = memref.view %[[W]][%{{.*}}][] : memref<?xi8> to memref<4x64x16xf32>
// CHECK: %[[N:.*]] = arith.constant 16 : index
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[N]]) step
// CHECK: %[[INQ:.*]] = arith.cmpi ult, %[[I]], %[[C8]] : index
// CHECK-NEXT: scf.if %[[INQ]] {
// CHECK: vector.transfer_read %[[QV]][%[[I]],
// CHECK: } else {
// CHECK: %[[INK:.*]] = arith.cmpi ult, %[[I]], %[[C12]] : index
// CHECK-NEXT: scf.if %[[INK]] {
// CHECK-NEXT: %[[K:.*]] = arith.subi %[[I]], %[[C8]] : index
// CHECK: vector.transfer_read %[[KV]][%[[K]],
// CHECK: } else {
// CHECK-NEXT: %[[V:.*]] = arith.subi %[[I]], %[[C12]] : index
// CHECK: vector.transfer_read %[[VV]][%[[V]],
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @siblings(%w: memref<?xi8>, %x: memref<64xf32>) {
  %q = memref.alloca() : memref<8x16xf32>
  %k = memref.alloca() : memref<4x16xf32>
  %v = memref.alloca() : memref<4x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %c32768 = arith.constant 32768 : index
  %c49152 = arith.constant 49152 : index
  %pad = arith.constant 0.0 : f32
  %qw = memref.view %w[%c0][] : memref<?xi8> to memref<8x64x16xf32>
  scf.for %nb = %c0 to %c8 step %c1 {
    %acc = vector.transfer_read %q[%nb, %c0], %pad : memref<8x16xf32>, vector<16xf32>
    %r = scf.for %kk = %c0 to %c64 step %c16 iter_args(%a = %acc) -> (vector<16xf32>) {
      %xv = vector.transfer_read %x[%kk], %pad : memref<64xf32>, vector<16xf32>
      %wv = vector.transfer_read %qw[%nb, %kk, %c0], %pad : memref<8x64x16xf32>, vector<16xf32>
      %m = arith.mulf %xv, %wv : vector<16xf32>
      %n = arith.addf %a, %m : vector<16xf32>
      scf.yield %n : vector<16xf32>
    }
    vector.transfer_write %r, %q[%nb, %c0] : vector<16xf32>, memref<8x16xf32>
  } {attn.parallel}
  %kw = memref.view %w[%c32768][] : memref<?xi8> to memref<4x64x16xf32>
  scf.for %nb = %c0 to %c4 step %c1 {
    %acc = vector.transfer_read %k[%nb, %c0], %pad : memref<4x16xf32>, vector<16xf32>
    %r = scf.for %kk = %c0 to %c64 step %c16 iter_args(%a = %acc) -> (vector<16xf32>) {
      %xv = vector.transfer_read %x[%kk], %pad : memref<64xf32>, vector<16xf32>
      %wv = vector.transfer_read %kw[%nb, %kk, %c0], %pad : memref<4x64x16xf32>, vector<16xf32>
      %m = arith.mulf %xv, %wv : vector<16xf32>
      %n = arith.addf %a, %m : vector<16xf32>
      scf.yield %n : vector<16xf32>
    }
    vector.transfer_write %r, %k[%nb, %c0] : vector<16xf32>, memref<4x16xf32>
  } {attn.parallel}
  %vw = memref.view %w[%c49152][] : memref<?xi8> to memref<4x64x16xf32>
  scf.for %nb = %c0 to %c4 step %c1 {
    %acc = vector.transfer_read %v[%nb, %c0], %pad : memref<4x16xf32>, vector<16xf32>
    %r = scf.for %kk = %c0 to %c64 step %c16 iter_args(%a = %acc) -> (vector<16xf32>) {
      %xv = vector.transfer_read %x[%kk], %pad : memref<64xf32>, vector<16xf32>
      %wv = vector.transfer_read %vw[%nb, %kk, %c0], %pad : memref<4x64x16xf32>, vector<16xf32>
      %m = arith.mulf %xv, %wv : vector<16xf32>
      %n = arith.addf %a, %m : vector<16xf32>
      scf.yield %n : vector<16xf32>
    }
    vector.transfer_write %r, %v[%nb, %c0] : vector<16xf32>, memref<4x16xf32>
  } {attn.parallel}
  return
}

// -----

// Tests the siblings that stay apart: a loop that reads what the one before
// writes (the next layer's input), a loop with more work per iteration (a
// longer reduction), and loops with a write between them. Each stays a
// parallel loop of its own. (Without the reason, each pair would merge: they
// write buffers of their own.)

// CHECK-LABEL: func.func @dependent
// CHECK-COUNT-2: scf.parallel
// CHECK-NOT: scf.if
func.func @dependent(%x: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %y = memref.alloca() : memref<16xf32>
  %z = memref.alloca() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    memref.store %v, %y[%i] : memref<16xf32>
  } {attn.parallel}
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %y[%i] : memref<16xf32>
    memref.store %v, %z[%i] : memref<16xf32>
  } {attn.parallel}
  return
}

// CHECK-LABEL: func.func @more_work
// CHECK-COUNT-2: scf.parallel
// CHECK-NOT: scf.if
func.func @more_work(%x: memref<16x64xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloca() : memref<8xf32>
  %b = memref.alloca() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %j = %c0 to %c32 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<16x64xf32>
      %n = arith.addf %acc, %v : f32
      scf.yield %n : f32
    }
    memref.store %s, %a[%i] : memref<8xf32>
  } {attn.parallel}
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %j = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<16x64xf32>
      %n = arith.addf %acc, %v : f32
      scf.yield %n : f32
    }
    memref.store %s, %b[%i] : memref<8xf32>
  } {attn.parallel}
  return
}

// CHECK-LABEL: func.func @write_between
// CHECK: scf.parallel
// CHECK: memref.store
// CHECK: scf.parallel
// CHECK-NOT: scf.if
func.func @write_between(%x: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %a = memref.alloca() : memref<16xf32>
  %b = memref.alloca() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    memref.store %v, %a[%i] : memref<16xf32>
  } {attn.parallel}
  memref.store %one, %x[%c0] : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32>
    memref.store %v, %b[%i] : memref<16xf32>
  } {attn.parallel}
  return
}
