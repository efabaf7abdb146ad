//===- AtomicFile.cpp - outputs that are whole or absent ------------------===//
#include "lib/Support/AtomicFile.h"

#include "absl/strings/str_cat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

absl::Status anec::writeFileAtomically(const std::string &path, std::string_view text,
                                       std::string_view what) {
  llvm::sys::fs::file_status status;
  bool device = !llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
                !llvm::sys::fs::is_regular_file(status) && !llvm::sys::fs::is_directory(status);
  llvm::SmallString<256> tmp(path);
  std::error_code ec;
  if (!device) {
    int fd;
    llvm::SmallString<256> model(path);
    model += ".tmp-%%%%%%";
    ec = llvm::sys::fs::createUniqueFile(model, fd, tmp);
    if (!ec)
      llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  }
  if (!ec) {
    llvm::raw_fd_ostream os(tmp, ec);
    if (!ec) {
      os << llvm::StringRef(text.data(), text.size());
      os.close();
      if (os.has_error()) {
        ec = os.error();
        os.clear_error();
      }
    }
  }
  if (!ec && !device)
    ec = llvm::sys::fs::rename(tmp, path);
  if (ec) {
    if (!device)
      llvm::sys::fs::remove(tmp);
    return absl::InternalError(
        absl::StrCat("cannot write the ", std::string(what), " '", path, "': ", ec.message()));
  }
  return absl::OkStatus();
}
