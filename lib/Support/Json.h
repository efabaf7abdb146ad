//===- Json.h - JSON from files anec does not trust -----------------------===//
//
// llvm::json parses and destroys values recursively, so JSON nested tens of
// thousands deep overflows the stack. Every reader parses through here: the
// nesting is measured first (strings skipped) and refused past a depth no
// real config, target, manifest or header comes near.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_JSON_H
#define ANEC_LIB_SUPPORT_JSON_H

#include "llvm/Support/JSON.h"

namespace anec {

constexpr unsigned kMaxJsonDepth = 256;

/// llvm::json::parse, refusing text nested deeper than `maxDepth`.
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            unsigned maxDepth = kMaxJsonDepth);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_JSON_H
