//===- OutputPath.cpp - outputs that never destroy what they should not ---===//
#include "lib/Support/OutputPath.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

#include "absl/strings/str_cat.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <mutex>
#include <signal.h>
#include <vector>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace anec::support;
namespace fs = llvm::sys::fs;

namespace {

/// The canonical absolute form of `path`, for paths that may not exist yet:
/// its folder resolved, its own name kept.
std::string canonical(const std::string &path) {
  llvm::SmallString<256> abs(path);
  fs::make_absolute(abs);
  llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
  llvm::SmallString<256> real;
  if (!fs::real_path(abs, real))
    return std::string(real);
  llvm::SmallString<256> parent = llvm::sys::path::parent_path(abs);
  if (!fs::real_path(parent, real)) {
    llvm::sys::path::append(real, llvm::sys::path::filename(abs));
    return std::string(real);
  }
  return std::string(abs);
}

/// `inner` is `outer` or lies inside it.
bool within(const std::string &inner, const std::string &outer) {
  return inner == outer || (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                            inner[outer.size()] == '/');
}

//===----------------------------------------------------------------------===//
// Temporaries, removed on SIGINT/SIGTERM
//===----------------------------------------------------------------------===//

// Fixed storage the signal handler can read without allocating.
constexpr int kSlots = 64;
constexpr size_t kPathMax = 4096;
char slotPaths[kSlots][kPathMax];
std::atomic<bool> slotUsed[kSlots];
std::mutex slotMutex;
std::atomic<unsigned> counter{0};

int registerTemp(const std::string &path) {
  if (path.size() >= kPathMax)
    return -1;
  std::lock_guard<std::mutex> lock(slotMutex);
  for (int i = 0; i < kSlots; ++i)
    if (!slotUsed[i]) {
      memcpy(slotPaths[i], path.c_str(), path.size() + 1);
      slotUsed[i] = true;
      return i;
    }
  return -1;
}

void unregisterTemp(int slot) {
  if (slot >= 0)
    slotUsed[slot] = false;
}

/// Removes a file or a folder tree with system calls only (no allocation,
/// no locks: the SIGINT handler uses it while another thread may hold the
/// allocator's lock).
void removeTree(int parentFd, const char *name, int depth) {
  // Removing entries while reading a folder may make the reading skip some:
  // a few rounds, then the folder itself.
  for (int round = 0; round < 4; ++round) {
    if (unlinkat(parentFd, name, 0) == 0 || errno == ENOENT || depth > 64)
      return;
    int fd = openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
      return;
    // struct linux_dirent64: inode, offset, record length, type, name.
    alignas(8) char buf[4096];
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
      for (long off = 0; off < n;) {
        const char *entry = buf + off + 19;
        if (strcmp(entry, ".") && strcmp(entry, ".."))
          removeTree(fd, entry, depth + 1);
        unsigned short length;
        memcpy(&length, buf + off + 16, sizeof length);
        off += length;
      }
    close(fd);
    if (unlinkat(parentFd, name, AT_REMOVEDIR) == 0 || errno != ENOTEMPTY)
      return;
  }
}

void removePath(const char *path) { removeTree(AT_FDCWD, path, 0); }

/// An exclusive lock of the folder that holds `path`, released when it
/// goes out of scope.
class FolderLock {
public:
  explicit FolderLock(const std::string &path) {
    llvm::SmallString<256> parent = llvm::sys::path::parent_path(path);
    if (parent.empty())
      parent = ".";
    fd = open(parent.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0)
      flock(fd, LOCK_EX);
  }
  ~FolderLock() {
    if (fd >= 0) {
      flock(fd, LOCK_UN);
      close(fd);
    }
  }

private:
  int fd = -1;
};

} // namespace

void anec::support::removeTemporariesOnInterrupt() {
  static std::once_flag once;
  std::call_once(once, [] { llvm::sys::SetInterruptFunction(removeTemporariesOnSignal); });
}

void anec::support::removeTemporariesOnSignal() {
  for (int i = 0; i < kSlots; ++i)
    if (slotUsed[i])
      removePath(slotPaths[i]);
  // LLVM's handler returns to the program after an interrupt function: the
  // run ends here, as an interrupted one (128 + SIGINT).
  _exit(130);
}

bool anec::support::isAnecOutput(const std::string &path, OutputKind kind) {
  auto has = [&](std::initializer_list<const char *> parts) {
    llvm::SmallString<256> p(path);
    for (const char *part : parts)
      llvm::sys::path::append(p, part);
    return fs::exists(p);
  };
  switch (kind) {
  case OutputKind::Package:
    return fs::is_directory(path) && has({"Manifest.json"}) &&
           has({"Data", "com.apple.CoreML", "model.mlmodel"});
  case OutputKind::MilText:
    return fs::is_directory(path) && has({"model.mil"});
  case OutputKind::File:
    return fs::is_regular_file(path);
  }
  return false;
}

absl::Status anec::support::checkOutput(const std::string &path, OutputKind kind,
                                        llvm::ArrayRef<std::string> inputs, bool force) {
  if (path.empty())
    return absl::InvalidArgumentError("the output path is empty");
  llvm::SmallString<256> abs(path);
  fs::make_absolute(abs);
  llvm::StringRef parent = llvm::sys::path::parent_path(abs);
  if (!parent.empty() && !fs::is_directory(parent))
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": cannot write here: the folder '", parent.str(), "' does not exist"));
  // A file output follows links (/dev/stdout is one); a folder output does
  // not (replacing a link's target folder is not what -o said).
  struct stat st;
  bool exists = (kind == OutputKind::File ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) == 0;
  std::string out = canonical(path);
  for (const std::string &in : inputs) {
    if (in.empty())
      continue;
    std::string input = canonical(in);
    // Writing over the input, or over a folder that holds it, loses it.
    // A new output inside an input folder is fine; an existing one is not.
    if (within(input, out) || (exists && within(out, input)))
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          input == out             ? ": is the input"
          : within(input, out)     ? ": holds the input "
                                   : ": lies in the input ",
          input == out ? "" : in, "; anec never writes over its input"));
  }
  if (!exists)
    return absl::OkStatus();
  if (S_ISLNK(st.st_mode) && kind != OutputKind::File)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a symbolic link; give the folder it points to, or another name"));
  bool special = !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode);
  if (special && kind != OutputKind::File)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": is a device or special file, not a place for a ",
        kind == OutputKind::Package ? "package" : "MIL text folder"));
  if (special || isAnecOutput(path, kind) || force)
    return absl::OkStatus();
  const char *what = kind == OutputKind::Package   ? "an .mlpackage anec wrote"
                     : kind == OutputKind::MilText ? "a MIL text folder anec wrote"
                                                   : "a file";
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": exists and is not ", what,
                   S_ISDIR(st.st_mode) ? " (a folder holding something else)" : "",
                   "; anec replaces only its own outputs (--force replaces it anyway)"));
}

/// Removes the temporaries of `name` in `folder` left by runs that were
/// killed (SIGKILL leaves no chance to clean up): their process is gone.
static void removeStaleTemporaries(llvm::StringRef folder, llvm::StringRef name) {
  std::string prefix = absl::StrCat(".", name.str(), ".anec-");
  DIR *d = opendir(folder.empty() ? "." : folder.str().c_str());
  if (!d)
    return;
  std::vector<std::string> stale;
  while (struct dirent *e = readdir(d)) {
    llvm::StringRef entry(e->d_name);
    if (!entry.consume_front(prefix) || !entry.contains(".tmp"))
      continue;
    unsigned long long pid;
    if (entry.consumeInteger(10, pid) || pid == (unsigned long long)getpid())
      continue;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
      stale.push_back(e->d_name);
  }
  closedir(d);
  for (const std::string &entry : stale) {
    llvm::SmallString<256> p(folder);
    llvm::sys::path::append(p, entry);
    removePath(p.c_str());
  }
}

TempOutput::TempOutput(const std::string &d) : dest(d) {
  llvm::SmallString<256> p(d);
  llvm::StringRef name = llvm::sys::path::filename(d);
  llvm::sys::path::remove_filename(p);
  removeStaleTemporaries(p, name);
  llvm::sys::path::append(p, absl::StrCat(".", name.str(), ".anec-", getpid(), "-",
                                          counter.fetch_add(1), ".tmp"));
  tmp = std::string(p);
  slot = registerTemp(tmp);
}

TempOutput::~TempOutput() {
  if (!committed)
    removePath(tmp.c_str());
  unregisterTemp(slot);
}

absl::Status TempOutput::commit() {
  struct stat st;
  if (lstat(dest.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
    // A device (reports to /dev/stdout): written in place, not replaced.
    return absl::InvalidArgumentError(absl::StrCat(dest, ": is not a file to replace"));
  }
  FolderLock lock(dest);
  // Swap the new output with the old one in one step where the file system
  // can (then the old one, now at the temporary name, goes); else move the
  // old one to the temporary's place first.
  if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0) {
    removePath(tmp.c_str());
    committed = true;
    return absl::OkStatus();
  }
  if (std::rename(tmp.c_str(), dest.c_str()) == 0) {
    committed = true;
    return absl::OkStatus();
  }
  if (errno == ENOTEMPTY || errno == EEXIST || errno == EISDIR) {
    std::string old = tmp + ".old";
    if (std::rename(dest.c_str(), old.c_str()) == 0) {
      int oldSlot = registerTemp(old);
      bool ok = std::rename(tmp.c_str(), dest.c_str()) == 0;
      if (!ok)
        std::rename(old.c_str(), dest.c_str());
      removePath(old.c_str());
      unregisterTemp(oldSlot);
      if (ok) {
        committed = true;
        return absl::OkStatus();
      }
    }
  }
  return absl::InternalError(
      absl::StrCat(dest, ": cannot move the new output into place: ", strerror(errno)));
}
