//===- Interface.h - how a runner drives a written program ------*- C++ -*-===//
//
// Every package anec writes says, in Core ML's user-defined metadata, what a
// runner needs: the architecture, context and prefill lengths, BOS/EOS ids
// (from the importer, the module's `anec.interface` dictionary), how the
// logits outputs concatenate, the states and their layout, the chunk order
// for chunked output, and the anec version. The same keys go into the JSON
// manifest beside chunked output.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_EXPORT_INTERFACE_H
#define ANEC_LIB_EXPORT_INTERFACE_H

#include "lib/Export/MilProgram.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <utility>
#include <vector>

namespace anec::exporter {

/// The module attribute holding the importer's (and the chunker's) keys.
constexpr const char *kInterfaceAttrName = "anec.interface";

/// Adds `key` = `value` to `module`'s interface dictionary.
void setInterfaceKey(mlir::ModuleOp module, llvm::StringRef key, llvm::StringRef value);

/// The interface keys of `module` as lowered to `program`: the module's own
/// keys, plus anec.version, anec.functions, anec.logits and anec.state
/// derived from the program (names as written). Sorted by key.
std::vector<std::pair<std::string, std::string>> interfaceMetadata(mlir::ModuleOp module,
                                                                   const MilProgram &program);

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_INTERFACE_H
