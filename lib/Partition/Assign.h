//===- Assign.h - the compute unit of every op, for the whole program -*- C++ -*-===//
//
// Ops run in program order as segments, each a run of consecutive ops on one
// unit. A segment costs its dispatch; a boundary costs a transfer of every
// value live across it; an op costs its time on its unit. The assignment
// minimising the total is found exactly by dynamic programming over the
// order (state: the unit of the current segment), so one op the ANE cannot
// run moves its neighbours with it when two crossings would cost more.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_PARTITION_ASSIGN_H
#define ANEC_LIB_PARTITION_ASSIGN_H

#include "lib/Partition/CostModel.h"

#include <array>
#include <vector>

namespace anec::partition {

struct Program {
  /// Per op and unit, milliseconds; infinity where the op cannot run.
  std::vector<std::array<double, kNumUnits>> opMs;
  /// Bytes live across the boundary after op i (i < n - 1).
  std::vector<double> liveBytesAfter;
};

struct Assignment {
  std::vector<Unit> units;
  double ms = 0;        ///< estimated total, dispatches and transfers included
  int segments = 0;
  int transitions = 0;  ///< segments - 1
};

/// The assignment of least estimated total time; empty units when some op
/// runs nowhere.
Assignment assignUnits(const Target &target, const Program &program);

/// The estimated total of a given assignment (same accounting).
Assignment evaluate(const Target &target, const Program &program, std::vector<Unit> units);

} // namespace anec::partition

#endif // ANEC_LIB_PARTITION_ASSIGN_H
