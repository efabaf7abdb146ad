//===- anec-opt.cpp - opt-style driver for anec's dialect and passes ------===//
//
// `anec-opt in.mlir --anec-ane-pipeline` runs the ANE pipeline; every anec
// pass is also available on its own for lit tests.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/Nesting.h"
#include "anec/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/// LLVM's own options (code generation for every target, registered when
/// the libraries load) still work but leave --help, which then lists MLIR's
/// and anec's: every option registered before this call. (The options are
/// objects of Debian's libLLVM, built without RTTI, which UBSan's vptr check
/// cannot tell from a bad cast: this file is built without that check.)
static void hideLlvmOptions() {
  for (auto &entry : llvm::cl::getRegisteredOptions())
    if (entry.first() != "help" && entry.first() != "help-hidden" && entry.first() != "version")
      entry.second->setHiddenFlag(llvm::cl::Hidden);
}

int main(int argc, char **argv) {
  hideLlvmOptions();
  mlir::DialectRegistry registry;
  anec::registerDialects(registry);
  anec::registerPasses();
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "anec optimizer: mil dialect and ANE passes\n", registry);
  // Input nested too deep for the recursive parser is refused first. Standard
  // input is read whole, measured, and handed to the parser from a memory
  // file in its place.
  if (input != "-") {
    if (absl::Status s = anec::checkMlirFileNesting(input, registry); !s.ok()) {
      llvm::errs() << "anec-opt: error: " << std::string(s.message()) << "\n";
      return 1;
    }
  } else if (auto in = llvm::MemoryBuffer::getSTDIN()) {
    llvm::StringRef text = (*in)->getBuffer();
    if (absl::Status s = anec::checkMlirNesting(text, "<stdin>", registry); !s.ok()) {
      llvm::errs() << "anec-opt: error: " << std::string(s.message()) << "\n";
      return 1;
    }
    int fd = ::memfd_create("anec-opt-stdin", 0);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != ssize_t(text.size()) ||
        ::lseek(fd, 0, SEEK_SET) != 0 || ::dup2(fd, STDIN_FILENO) < 0) {
      llvm::errs() << "anec-opt: error: cannot hold standard input in memory\n";
      return 1;
    }
    ::close(fd);
  }
  // An output that is a device or pipe (-o /dev/null) becomes stdout: the
  // output file's clean-up on failure would otherwise delete it (as root).
  llvm::sys::fs::file_status st;
  if (output != "-" && !llvm::sys::fs::status(output, st) && llvm::sys::fs::exists(st) &&
      !llvm::sys::fs::is_regular_file(st)) {
    int fd = ::open(output.c_str(), O_WRONLY);
    if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) {
      llvm::errs() << "anec-opt: error: " << output << ": cannot open for writing\n";
      return 1;
    }
    ::close(fd);
    output = "-";
  }
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, input, output, registry));
}
