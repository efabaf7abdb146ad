//===- ReplayMain.cpp - run a fuzz target over files, without libFuzzer ---===//
//
// `anec-fuzz-replay TARGET FILE_OR_DIR...` feeds every file to the reader
// TARGET once: the regression half of fuzzing, run by the test suite.
//
//===----------------------------------------------------------------------===//
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdio>
#include <string>
#include <vector>

bool anecFuzzOne(const std::string &target, const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: anec-fuzz-replay TARGET FILE_OR_DIR...\n");
    return 2;
  }
  std::string target = argv[1];
  if (!anecFuzzOne(target, nullptr, 0)) {
    std::fprintf(stderr, "unknown target '%s'\n", target.c_str());
    return 2;
  }
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    if (llvm::sys::fs::is_directory(argv[i])) {
      std::error_code ec;
      for (llvm::sys::fs::recursive_directory_iterator it(argv[i], ec), end; it != end && !ec;
           it.increment(ec))
        if (!llvm::sys::fs::is_directory(it->path()))
          files.push_back(it->path());
    } else {
      files.push_back(argv[i]);
    }
  }
  for (const std::string &f : files) {
    auto buffer = llvm::MemoryBuffer::getFile(f, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!buffer) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 2;
    }
    anecFuzzOne(target, reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
                (*buffer)->getBufferSize());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}
