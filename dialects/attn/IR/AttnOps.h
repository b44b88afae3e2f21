//===- AttnOps.h - attn dialect operations ----------------------*- C++ -*-===//
//
// The ops of the `attn` dialect, generated from AttnOps.td.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_ATTNOPS_H
#define ATTN_IR_ATTNOPS_H

#include "dialects/attn/IR/AttnDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::attn {

/// Fails (with an op error naming the operand or result) when a shaped
/// operand or result of `op` has an element count or a size in bytes that
/// overflows int64.
LogicalResult verifySizesFitInt64(Operation *op);

/// The trait behind Attn_SizesFitInt64 (AttnDialect.td): every attn op has it.
template <typename ConcreteType>
class SizesFitInt64 : public OpTrait::TraitBase<ConcreteType, SizesFitInt64> {
public:
  static LogicalResult verifyTrait(Operation *op) { return verifySizesFitInt64(op); }
};

} // namespace mlir::attn

#define GET_OP_CLASSES
#include "dialects/attn/IR/AttnOps.h.inc"

#endif // ATTN_IR_ATTNOPS_H
