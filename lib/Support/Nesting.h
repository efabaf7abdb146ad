//===- Nesting.h - MLIR nested too deep for the recursive parser ----------===//
//
// MLIR's text parser recurses per region, attribute and type, and its
// verifier and op destruction recurse per region, so a file nested tens of
// thousands deep overflows the stack. Inputs are measured first: nesting
// past kMaxMlirDepth is refused with a message.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_NESTING_H
#define ANEC_LIB_SUPPORT_NESTING_H

#include "absl/status/status.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace anec {

constexpr unsigned kMaxMlirDepth = 1000;

/// OK when `text` nests at most `maxDepth` deep. MLIR text: brackets,
/// braces, parentheses and angle brackets are counted. MLIR bytecode: read
/// into a scratch context of `registry`'s dialects without verification (the
/// bytecode reader does not recurse per region), its op nesting measured and
/// the tree torn down without recursion.
absl::Status checkMlirNesting(llvm::StringRef text, const std::string &name,
                              const mlir::DialectRegistry &registry,
                              unsigned maxDepth = kMaxMlirDepth);

/// The same for the file at `path` (unreadable files pass: the parser
/// reports them).
absl::Status checkMlirFileNesting(const std::string &path, const mlir::DialectRegistry &registry,
                                  unsigned maxDepth = kMaxMlirDepth);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_NESTING_H
