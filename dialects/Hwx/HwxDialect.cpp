//===- HwxDialect.cpp - native ANE tasks for M1 (H13) ----------------------===//
#include "dialects/Hwx/HwxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace anec::hwx;

#include "dialects/Hwx/HwxDialect.cpp.inc"

void HwxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Hwx/HwxOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dialects/Hwx/HwxOps.cpp.inc"
