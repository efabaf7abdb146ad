//===- Plist.h - Apple XML property lists, read as JSON values --*- C++ -*-===//
//
// The subset Espresso network descriptions use: dict, array, key, string,
// integer, real, true, false (data and date are refused). Values come back
// as llvm::json::Value (dict -> Object, integer -> int64, real -> double),
// so the importer reads them with the JSON accessors. The input is hostile:
// nesting past 64 levels, unknown elements, bad numbers, unbalanced tags and
// files past 16 MiB are refused with the file and the line named.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_PLIST_H
#define ANEC_LIB_IMPORT_PLIST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include "absl/status/statusor.h"

#include <string>

namespace anec::import {

absl::StatusOr<llvm::json::Value> parsePlist(llvm::StringRef text, const std::string &name);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_PLIST_H
