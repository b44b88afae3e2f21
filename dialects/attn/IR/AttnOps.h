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

#define GET_OP_CLASSES
#include "dialects/attn/IR/AttnOps.h.inc"

#endif // ATTN_IR_ATTNOPS_H
