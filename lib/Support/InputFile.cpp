//===- InputFile.cpp - inputs that are files, not endless streams ---------===//
#include "lib/Support/InputFile.h"

#include "absl/strings/str_cat.h"
#include "llvm/ADT/SmallString.h"

#include <sys/stat.h>

absl::Status anec::requireRegularFile(const llvm::Twine &path) {
  llvm::SmallString<256> p;
  llvm::StringRef name = path.toNullTerminatedStringRef(p);
  struct stat st;
  if (stat(name.data(), &st) != 0 || S_ISREG(st.st_mode))
    return absl::OkStatus();
  const char *what = S_ISDIR(st.st_mode)                         ? "a folder"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISFIFO(st.st_mode)                       ? "a pipe"
                                                                   : "not a regular file";
  return absl::InvalidArgumentError(
      absl::StrCat(name.str(), ": is ", what, ", not a file anec can read"));
}
