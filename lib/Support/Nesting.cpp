//===- Nesting.cpp - MLIR text nested too deep for the recursive parser ---===//
#include "lib/Support/Nesting.h"
#include "lib/Support/InputFile.h"

#include "absl/strings/str_cat.h"
#include "llvm/Support/MemoryBuffer.h"

absl::Status anec::checkMlirNesting(llvm::StringRef text, const std::string &name,
                                    unsigned maxDepth) {
  // MLIR bytecode starts with "ML\xefR"; its reader is not the text parser.
  if (text.starts_with("ML\xef" "R"))
    return absl::OkStatus();
  unsigned depth = 0, line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > maxDepth)
        return absl::InvalidArgumentError(absl::StrCat(
            name, ":", line, ": nested deeper than ", maxDepth,
            " levels: not a program anec reads"));
    } else if ((c == ')' || c == ']' || c == '}' || (c == '>' && (i == 0 || text[i - 1] != '-'))) &&
               depth > 0) {
      --depth;
    }
  }
  return absl::OkStatus();
}

absl::Status anec::checkMlirFileNesting(const std::string &path, unsigned maxDepth) {
  // /dev/zero or a pipe would be read without end.
  if (path != "-")
    if (absl::Status s = requireRegularFile(path); !s.ok())
      return s;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/false);
  if (!buffer)
    return absl::OkStatus();
  return checkMlirNesting((*buffer)->getBuffer(), path, maxDepth);
}
