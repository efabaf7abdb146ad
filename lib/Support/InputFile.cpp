//===- InputFile.cpp - inputs that are files, not endless streams ---------===//
#include "lib/Support/InputFile.h"

#include "absl/strings/str_cat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

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

absl::StatusOr<std::unique_ptr<llvm::MemoryBuffer>>
anec::readInputFile(const std::string &path, uint64_t maxBytes, llvm::StringRef kind) {
  if (!llvm::sys::fs::exists(path))
    return absl::NotFoundError(path + ": no such file");
  if (absl::Status regular = requireRegularFile(path); !regular.ok())
    return regular;
  uint64_t size = 0;
  if (llvm::sys::fs::file_size(path, size))
    return absl::NotFoundError(path + ": cannot open");
  if (size > maxBytes) {
    std::string limit = maxBytes >= (1u << 30) ? absl::StrCat(maxBytes >> 30, " GiB")
                                               : absl::StrCat(maxBytes >> 20, " MiB");
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", size, " bytes is larger than ",
                                                   kind.str(), " (", limit, " at most)"));
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return absl::NotFoundError(path + ": cannot open");
  return std::move(*buffer);
}
