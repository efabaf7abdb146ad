//===- OutputPath.h - outputs that never destroy what they should not -----===//
//
// Every output anec writes (a package, a MIL text folder, a file) goes
// through here:
//   - checkOutput refuses a path that is (or holds, or lies in) an input, a
//     device or other special file, a folder that does not exist, or an
//     existing file or folder that is not an earlier anec output of the same
//     kind (unless `force`);
//   - TempOutput is a name beside the output, unique to this process and
//     call, removed on every exit path: its destructor, and SIGINT/SIGTERM
//     in the tools (removeTemporariesOnInterrupt);
//   - TempOutput::commit puts it in place under a lock of the folder, so
//     that concurrent writers of one path each leave a whole output (the
//     last one's) and nothing else.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_OUTPUTPATH_H
#define ANEC_LIB_SUPPORT_OUTPUTPATH_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace anec::support {

enum class OutputKind {
  Package, ///< a Core ML .mlpackage folder
  MilText, ///< a folder of model.mil and weights/
  File,    ///< one file (MLIR, JSON); devices are written in place
};

/// Whether `path` may be written as an output of `kind`; the error names
/// the path, what is wrong, and (where it helps) --force.
absl::Status checkOutput(const std::string &path, OutputKind kind,
                         llvm::ArrayRef<std::string> inputs, bool force);

/// True when `path` looks like what anec writes as `kind`.
bool isAnecOutput(const std::string &path, OutputKind kind);

/// A temporary file or folder beside an output.
class TempOutput {
public:
  /// Reserves the name (nothing is created); `dest` is the final path.
  explicit TempOutput(const std::string &dest);
  ~TempOutput();
  TempOutput(const TempOutput &) = delete;
  TempOutput &operator=(const TempOutput &) = delete;

  const std::string &path() const { return tmp; }
  /// Moves the temporary into place, replacing what is there (an earlier
  /// output) atomically where the file system can.
  absl::Status commit();

private:
  std::string dest, tmp;
  int slot = -1;
  bool committed = false;
};

/// Makes SIGINT/SIGTERM remove every temporary and end the process. For
/// the tools' main(); a library does not take a host program's signals (its
/// temporaries go on every other exit path).
void removeTemporariesOnInterrupt();
/// Removes every registered temporary now and exits (the handler).
void removeTemporariesOnSignal();

} // namespace anec::support

#endif // ANEC_LIB_SUPPORT_OUTPUTPATH_H
