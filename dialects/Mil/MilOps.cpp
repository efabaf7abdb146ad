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

//===----------------------------------------------------------------------===//
// SegmentOp
//===----------------------------------------------------------------------===//

LogicalResult SegmentOp::verify() {
  StringRef unit = getComputeUnit();
  if (unit != "ane" && unit != "gpu" && unit != "cpu")
    return emitOpError("compute_unit must be ane, gpu or cpu, got '") << unit << "'";
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("has ") << getInputs().size() << " inputs but its body takes "
                               << body.getNumArguments();
  for (auto [i, arg, in] : llvm::enumerate(body.getArguments(), getInputs()))
    if (arg.getType() != in.getType())
      return emitOpError("input ") << i << " is " << in.getType() << " but the body takes "
                                   << arg.getType();
  auto yield = body.empty() ? nullptr : dyn_cast<YieldOp>(body.back());
  if (!yield)
    return emitOpError("body must end in mil.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().size()
                                  << " values whose types differ from its results";
  return success();
}
