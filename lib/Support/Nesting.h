//===- Nesting.h - MLIR text nested too deep for the recursive parser -----===//
//
// MLIR's parser recurses per region, attribute and type, so a file nested
// tens of thousands deep overflows the stack. Text inputs are measured
// first: nesting past kMaxMlirDepth is refused with a message.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_NESTING_H
#define ANEC_LIB_SUPPORT_NESTING_H

#include "absl/status/status.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace anec {

constexpr unsigned kMaxMlirDepth = 1000;

/// OK when `text` (MLIR text; bytecode passes) nests brackets, braces,
/// parentheses and angle brackets at most `maxDepth` deep.
absl::Status checkMlirNesting(llvm::StringRef text, const std::string &name,
                              unsigned maxDepth = kMaxMlirDepth);

/// The same for the file at `path` (unreadable files pass: the parser
/// reports them).
absl::Status checkMlirFileNesting(const std::string &path, unsigned maxDepth = kMaxMlirDepth);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_NESTING_H
