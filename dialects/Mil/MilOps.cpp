//===- MilOps.cpp - mil op definitions and the verifiers beyond shapes ----===//
#include "dialects/Mil/MilDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace anec::mil;

#define GET_OP_CLASSES
#include "dialects/Mil/MilOps.cpp.inc"

LogicalResult GeluOp::verify() {
  StringRef mode = getMode();
  if (mode != "EXACT" && mode != "TANH_APPROXIMATION" &&
      mode != "SIGMOID_APPROXIMATION")
    return emitOpError("expects mode EXACT, TANH_APPROXIMATION or "
                       "SIGMOID_APPROXIMATION, got '")
           << mode << "'";
  return success();
}

LogicalResult BandPartOp::verify() {
  if (getX().getType().getRank() < 2)
    return emitOpError("expects x of rank at least 2 (the band is taken over "
                       "the last two axes)");
  if (getLower() < -1 || getUpper() < -1)
    return emitOpError("expects lower and upper to be -1 (keep all) or "
                       "non-negative");
  return success();
}
