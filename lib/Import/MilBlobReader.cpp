//===- MilBlobReader.cpp - read a MILBlob v2 weight file -------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Import/MilBlobReader.h"

#include "absl/strings/str_cat.h"

#include <cstring>

using namespace anec::import;

absl::StatusOr<MilBlobReader> MilBlobReader::open(const std::string &path) {
  if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", buffer.getError().message()));
  MilBlobReader r;
  r.buffer = std::move(*buffer);
  r.path = path;
  llvm::StringRef bytes = r.buffer->getBuffer();
  if (bytes.size() < 64)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": truncated: ", bytes.size(), " bytes, the header alone is 64"));
  uint32_t version;
  memcpy(&r.count, bytes.data(), 4);
  memcpy(&version, bytes.data() + 4, 4);
  if (version != 2)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": MILBlob version ", version, " (only version 2 is known)"));
  // Every blob takes at least a 64-byte record.
  if (uint64_t(r.count) * 64 > bytes.size())
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": header claims ", r.count, " blobs, the file holds at most ",
        (bytes.size() - 64) / 64));
  return r;
}

absl::StatusOr<llvm::ArrayRef<char>> MilBlobReader::blob(uint64_t offset, uint32_t dtype,
                                                         uint64_t elements,
                                                         unsigned bits) const {
  llvm::StringRef bytes = buffer->getBuffer();
  auto bad = [&](const std::string &what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": blob at offset ", offset, ": ", what));
  };
  if (offset < 64 || offset % 64 != 0)
    return bad("not a 64-byte-aligned metadata record after the header");
  if (offset > bytes.size() || bytes.size() - offset < 64)
    return bad(absl::StrCat("past the end of the file (", bytes.size(), " bytes)"));
  const char *m = bytes.data() + offset;
  uint32_t sentinel, code;
  uint64_t size, data, padding;
  memcpy(&sentinel, m, 4);
  memcpy(&code, m + 4, 4);
  memcpy(&size, m + 8, 8);
  memcpy(&data, m + 16, 8);
  memcpy(&padding, m + 24, 8);
  if (sentinel != 0xDEADBEEF)
    return bad(absl::StrCat("wrong sentinel 0x", absl::Hex(sentinel), " (0xDEADBEEF expected)"));
  if (code != dtype)
    return bad(absl::StrCat("dtype code ", code, ", the program declares code ", dtype));
  uint64_t expected = (elements * bits + 7) / 8;
  if (size != expected)
    return bad(absl::StrCat("holds ", size, " bytes, the declared type needs ", expected));
  if (data < offset + 64 || data > bytes.size() || bytes.size() - data < size)
    return bad(absl::StrCat("data at ", data, " (", size, " bytes) runs past the end"));
  if (padding != expected * 8 - elements * bits)
    return bad(absl::StrCat("padding of ", padding, " bits is wrong"));
  return llvm::ArrayRef<char>(bytes.data() + data, size);
}
