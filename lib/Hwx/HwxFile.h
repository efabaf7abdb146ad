//===- HwxFile.h - Apple's ANE program binary for M1 (H13) ------*- C++ -*-===//
//
// An .hwx is a Mach-O file (magic 0xbeefface, CPU type 128) whose __TEXT
// segment holds the program: __text the task descriptors, __const the packed
// weights (kernels). Buffers the program reads and writes are __FVMLIB
// segments, named by LC_LOADFVMLIB commands; LC_IDENT carries the compiler's
// command line, LC_THREAD commands per-procedure and per-buffer records, and
// LC_SYMTAB names the kernels, buffers and their types (docs/HWX.md).
//
// A task descriptor is a 40-byte header (aneTD.Header[0..9]) followed by
// register streams: each a word `(count - 1) << 26 | register address` and
// `count` register words. The header's NextPointer chains the tasks. The
// fields of both are H13Fields.inc (the public field map); register words
// with bits outside it are kept and printed as unmapped words.
//
// The reader treats the file as hostile: every offset and size is checked
// against the file, task chains are bounded and may not loop.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_HWX_HWXFILE_H
#define ANEC_LIB_HWX_HWXFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace anec::hwx {

/// One field of the task-descriptor map: bits [bit, bit + width) of the
/// little-endian word at `byte` of the task.
struct Field {
  const char *name;
  uint16_t byte;
  uint8_t bit, width;
};

/// The H13 field map, in its published order.
llvm::ArrayRef<Field> h13Fields();
/// The field of the map named `name`, or null.
const Field *fieldNamed(llvm::StringRef name);

/// The value of `f` in a task's bytes (0 where the task is shorter).
uint32_t getField(llvm::ArrayRef<uint8_t> task, const Field &f);
/// Sets `f` in a task's bytes (which must hold it).
void setField(llvm::MutableArrayRef<uint8_t> task, const Field &f, uint32_t value);

/// The bytes of a task the field map covers, as a mask per byte.
std::vector<uint8_t> fieldMask(size_t taskSize);

/// The task-descriptor header: 10 words.
constexpr uint32_t kTaskHeaderBytes = 40;

/// A register stream of a task: its header word's offset in the task, the
/// first register's address and the number of words.
struct Stream {
  uint32_t offset = 0, address = 0, words = 0;
};

/// Writes `s`'s header word, `(words - 1) << 26 | address`, into a task.
void writeStreamHeader(llvm::MutableArrayRef<uint8_t> task, const Stream &s);

/// The block of the field map a stream's register address belongs to
/// ("Common", "KernelDMASrc", ...), or "" when the map names none.
llvm::StringRef streamBlock(uint32_t address);

struct Task {
  uint32_t offset = 0;       ///< in __text
  std::vector<uint8_t> bytes; ///< header and streams, without trailing padding
  std::vector<Stream> streams;
};

struct Section {
  std::string segment, name;
  uint64_t address = 0, size = 0;
  uint32_t offset = 0, align = 0, relocOffset = 0, relocCount = 0, flags = 0;
  uint32_t reserved[3] = {0, 0, 0};
};

struct Segment {
  std::string name;
  uint64_t vmAddress = 0, vmSize = 0, fileOffset = 0, fileSize = 0;
  int32_t maxProt = 0, initProt = 0;
  uint32_t flags = 0;
  std::vector<Section> sections;
};

/// A load command: segments are parsed (`segment`), every other command is
/// kept as its payload (after cmd and cmdsize) and described by kind.
struct LoadCommand {
  uint32_t cmd = 0;
  int segment = -1; ///< index into HwxFile::segments for LC_SEGMENT_64
  std::vector<uint8_t> payload;
};

struct Symbol {
  std::string name;
  uint8_t type = 0, section = 0;
  uint16_t desc = 0;
  uint64_t value = 0;
};

struct HwxFile {
  uint32_t magic = 0, cpuType = 0, cpuSubtype = 0, fileType = 0, flags = 0, reserved = 0;
  std::vector<LoadCommand> commands;
  std::vector<Segment> segments;
  std::vector<Symbol> symbols;
  std::string ident; ///< LC_IDENT text
  std::vector<Task> tasks;
  /// The whole file, for what is not modelled (section contents, padding).
  std::vector<uint8_t> data;

  /// The section `segment,name`, or null.
  const Section *section(llvm::StringRef segment, llvm::StringRef name) const;
};

constexpr uint32_t kHwxMagic = 0xbeefface;

/// Reads an .hwx; `name` is used in errors.
absl::StatusOr<HwxFile> readHwx(llvm::ArrayRef<uint8_t> bytes, const std::string &name);
/// Reads the .hwx at `path`: a regular file of at most 1 GiB.
absl::StatusOr<HwxFile> readHwxFile(const std::string &path);

/// Writes `file` back: the Mach-O header and load commands from their parsed
/// form, the tasks from their bytes, everything else from `data`.
std::vector<uint8_t> writeHwx(const HwxFile &file);

/// The tasks of a decode (describe's "task" lines): each task's bytes
/// rebuilt from its streams, its fields by name and its unmapped words, and
/// nothing else. Encoding a decode: with writeHwx, a file again.
absl::StatusOr<std::vector<Task>> tasksFromDescription(llvm::ArrayRef<std::string> lines);

/// The decode `anec inspect --registers` prints: the Mach-O layout, then per
/// task every field of the map by name, the streams and the unmapped words,
/// then the weight section's size and SHA-256. One line per item, in a
/// stable order, so that two decodes compare with `cmp`.
std::vector<std::string> describe(const HwxFile &file);

} // namespace anec::hwx

#endif // ANEC_LIB_HWX_HWXFILE_H
