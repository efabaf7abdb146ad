//===- Assign.cpp - the compute unit of every op, for the whole program --===//
#include "lib/Partition/Assign.h"

#include <cmath>
#include <limits>

using namespace anec::partition;

Assignment anec::partition::evaluate(const Target &target, const Program &program,
                                     std::vector<Unit> units) {
  Assignment a;
  a.units = std::move(units);
  for (size_t i = 0; i < a.units.size(); ++i) {
    if (i == 0 || a.units[i] != a.units[i - 1]) {
      ++a.segments;
      a.ms += dispatchMs(target, a.units[i]);
      if (i > 0)
        a.ms += transferMs(target, program.liveBytesAfter[i - 1]);
    }
    a.ms += program.opMs[i][(int)a.units[i]];
  }
  a.transitions = a.segments ? a.segments - 1 : 0;
  return a;
}

Assignment anec::partition::assignUnits(const Target &target, const Program &program) {
  size_t n = program.opMs.size();
  if (n == 0)
    return {};
  const double inf = std::numeric_limits<double>::infinity();
  // best[i][u]: least time of ops 0..i with op i on u; from[i][u]: the unit
  // of op i-1 on that path.
  std::vector<std::array<double, kNumUnits>> best(n);
  std::vector<std::array<int, kNumUnits>> from(n);
  for (int u = 0; u < kNumUnits; ++u)
    best[0][u] = dispatchMs(target, (Unit)u) + program.opMs[0][u];
  for (size_t i = 1; i < n; ++i)
    for (int u = 0; u < kNumUnits; ++u) {
      best[i][u] = inf;
      from[i][u] = u;
      if (std::isinf(program.opMs[i][u]))
        continue;
      for (int p = 0; p < kNumUnits; ++p) {
        double c = best[i - 1][p];
        if (p != u)
          c += transferMs(target, program.liveBytesAfter[i - 1]) + dispatchMs(target, (Unit)u);
        // Ties stay on the same unit, then prefer the ANE (lower index).
        if (c < best[i][u] || (c == best[i][u] && p == u)) {
          best[i][u] = c;
          from[i][u] = p;
        }
      }
      best[i][u] += program.opMs[i][u];
    }
  int u = 0;
  for (int v = 1; v < kNumUnits; ++v)
    if (best[n - 1][v] < best[n - 1][u])
      u = v;
  if (std::isinf(best[n - 1][u]))
    return {};
  std::vector<Unit> units(n);
  for (size_t i = n; i-- > 0;) {
    units[i] = (Unit)u;
    u = from[i][u];
  }
  return evaluate(target, program, std::move(units));
}
