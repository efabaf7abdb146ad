//===- CostModel.h - roofline time of an op on a compute unit -*- C++ -*-===//
//
// Estimated milliseconds per op and unit: the larger of compute time (FLOPs
// at the unit's peak, or at the SRAM-cliff fraction of it when the op's
// working set does not fit the Neural Engine's on-chip memory) and memory
// time (weights streamed at the unit's bandwidth, plus activations when they
// spill). Segment dispatch and unit crossings are charged by the assignment
// (Assign.h), not here. An estimate, labelled as one everywhere it is shown.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_PARTITION_COSTMODEL_H
#define ANEC_LIB_PARTITION_COSTMODEL_H

#include "lib/Partition/Target.h"

namespace anec::partition {

/// What one op does, independent of where it runs.
struct OpWork {
  double flops = 0;           ///< floating-point operations (a multiply-add is 2)
  double activationBytes = 0; ///< non-constant operands read plus results written
  double weightBytes = 0;     ///< constant operands as stored (compressed)
  bool int8Activations = false; ///< W8A8: int8 weights and activations
};

/// Estimated milliseconds of `work` on `unit`, without dispatch.
double opMs(const Target &target, Unit unit, const OpWork &work);

/// Milliseconds to hand `bytes` of live values from one unit to another.
double transferMs(const Target &target, double bytes);

/// Milliseconds to start a segment on `unit`.
double dispatchMs(const Target &target, Unit unit);

} // namespace anec::partition

#endif // ANEC_LIB_PARTITION_COSTMODEL_H
