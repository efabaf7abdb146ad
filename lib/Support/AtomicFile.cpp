//===- AtomicFile.cpp - outputs that are whole or absent ------------------===//
#include "lib/Support/AtomicFile.h"
#include "lib/Support/OutputPath.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

absl::Status anec::writeFileAtomically(const std::string &path, std::string_view text,
                                       std::string_view what) {
  llvm::sys::fs::file_status status;
  bool device = !llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
                !llvm::sys::fs::is_regular_file(status) && !llvm::sys::fs::is_directory(status);
  // A device (/dev/stdout) is written in place; a file through a temporary
  // beside it, removed on failure and on SIGINT, renamed into place.
  std::optional<support::TempOutput> tmp;
  if (!device)
    tmp.emplace(path);
  std::string target = device ? path : tmp->path();
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(target, ec);
    if (!ec) {
      os << llvm::StringRef(text.data(), text.size());
      os.close();
      if (os.has_error()) {
        ec = os.error();
        os.clear_error();
      }
    }
  }
  if (ec)
    return absl::InternalError(
        absl::StrCat("cannot write the ", std::string(what), " '", path, "': ", ec.message()));
  if (!device)
    if (absl::Status s = tmp->commit(); !s.ok())
      return absl::InternalError(absl::StrCat("cannot write the ", std::string(what), " '", path,
                                              "': ", s.message()));
  return absl::OkStatus();
}
