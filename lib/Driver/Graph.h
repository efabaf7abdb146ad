//===- Graph.h - the program drawn by compute unit (Graphviz) --*- C++ -*-===//
#ifndef ANEC_LIB_DRIVER_GRAPH_H
#define ANEC_LIB_DRIVER_GRAPH_H

#include "absl/status/status.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace anec::driver {

/// The partitioned program as Graphviz DOT: a box per function, a box per
/// segment inside it, ops coloured by `mil.compute_unit` (ANE green, GPU
/// blue, CPU orange), edges along the data. Functions of more than
/// `maxOps` ops are drawn one node per segment.
std::string programToDot(mlir::ModuleOp module, int64_t maxOps = 1500);

/// Writes the drawing to `path`: DOT text for a .dot path, otherwise the
/// format of its extension (svg, png, pdf) through Graphviz's `dot`.
absl::Status writeGraph(mlir::ModuleOp module, const std::string &path);

} // namespace anec::driver

#endif // ANEC_LIB_DRIVER_GRAPH_H
