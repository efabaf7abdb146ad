//===- HwxDialect.h - native ANE tasks for M1 (H13) -------------*- C++ -*-===//
#ifndef ANEC_DIALECTS_HWX_HWXDIALECT_H
#define ANEC_DIALECTS_HWX_HWXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Hwx/HwxDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/Hwx/HwxOps.h.inc"

#endif // ANEC_DIALECTS_HWX_HWXDIALECT_H
