// RUN: attnc-opt %s --convert-attn-to-linalg --mlir-print-local-scope | FileCheck %s
// RUN: attnc-opt %s --convert-attn-to-linalg --canonicalize \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=BUF
// RUN: attnc-opt %s --attn-inject-fault | FileCheck %s --check-prefix=FAULT

// Tests that attn.trace copies its value, flattened in row-major order, into
// the trace buffer at [offset, offset + size): a collapse to one dimension,
// a subview of that size at the offset, materialized in place (no copy of the
// buffer, no allocation once bufferized).

// CHECK-LABEL: func.func @trace
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4x8xf32>, %[[BUFFER:.*]]: memref<?xf32>, %[[OFF:.*]]: index)
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<?x4x8xf32> into tensor<?xf32>
// CHECK:         %[[N:.*]] = tensor.dim %[[FLAT]], %{{.*}} : tensor<?xf32>
// CHECK:         %[[WIN:.*]] = memref.subview %[[BUFFER]][%[[OFF]]] [%[[N]]] [1] : memref<?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK:         bufferization.materialize_in_destination %[[FLAT]] in restrict writable %[[WIN]]
// BUF-LABEL:   func.func @trace
// BUF-NOT:       memref.alloc
// BUF:           memref.subview
// BUF-NOT:       memref.alloc
// BUF:           memref.copy
func.func @trace(%x: tensor<?x4x8xf32>, %buf: memref<?xf32>, %off: index) {
  attn.trace "attention" %x into %buf[%off] : tensor<?x4x8xf32>, memref<?xf32>
  return
}

// attn-inject-fault (mask-leak): the mask sees its queries one position
// later, so query i also sees key i + 1.
// FAULT-LABEL: func.func @leak
// FAULT:         %[[ONE:.*]] = arith.constant 1 : index
// FAULT:         %[[LATER:.*]] = arith.addi %arg1, %[[ONE]] : index
// FAULT:         attn.mask %arg0, %[[LATER]] {mask = #attn.mask<causal>}
func.func @leak(%s: tensor<4x3x3xf32>, %pos: index) -> tensor<4x3x3xf32> {
  %m = attn.mask %s, %pos {mask = #attn.mask<causal>} : tensor<4x3x3xf32>
  return %m : tensor<4x3x3xf32>
}
