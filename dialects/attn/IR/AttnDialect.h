//===- AttnDialect.h - The attn dialect -------------------------*- C++ -*-===//
//
// Declares the `attn` dialect and its attributes (the mask kind). Ops are in
// AttnOps.h.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_ATTNDIALECT_H
#define ATTN_IR_ATTNDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/attn/IR/AttnDialect.h.inc"
#include "dialects/attn/IR/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/attn/IR/AttnAttrs.h.inc"

#endif // ATTN_IR_ATTNDIALECT_H
