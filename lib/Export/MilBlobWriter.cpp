//===- MilBlobWriter.cpp - Core ML's MILBlob v2 weight file -----------------===//
#include "lib/Export/MilBlobWriter.h"
#include "anec/Progress.h"
#include "lib/Support/Half.h"
#include "lib/Support/MappedFiles.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/Support/xxhash.h"

#include "absl/strings/str_cat.h"

#include <cstring>
#include <vector>

using namespace mlir;
using namespace anec::exporter;

WeightIdentity anec::exporter::weightIdentity(ElementsAttr attr) {
  // By content: equal bytes are one weight, also after a round trip
  // through text has given each function its own copy of a shared weight.
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *b = res.getRawHandle().getBlob()) {
      ArrayRef<char> d = b->getData();
      uint64_t h = llvm::xxh3_64bits(ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(d.data()), d.size()));
      // Hashing touched every page of a mapped weight: give them back.
      releaseMappedPages(d.data(), d.size());
      return {reinterpret_cast<const void *>(h), d.size()};
    }
  return {attr.getAsOpaquePointer(), 0};
}

uint32_t anec::exporter::milBlobDtype(Type t) {
  if (t.isF16())
    return 1;
  if (t.isF32())
    return 2;
  if (t.isBF16())
    return 5;
  auto i = dyn_cast<IntegerType>(t);
  if (!i)
    return 0;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1: return u ? 9 : 0;
  case 2: return u ? 10 : 0;
  case 3: return u ? 12 : 0;
  case 4: return u ? 11 : 8;
  case 6: return u ? 13 : 0;
  case 8: return u ? 3 : 4;
  case 16: return u ? 7 : 6;
  case 32: return u ? 15 : 14;
  default: return 0;
  }
}

absl::StatusOr<std::unique_ptr<MilBlobWriter>>
MilBlobWriter::create(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return absl::InternalError(absl::StrCat(path, ": cannot create"));
  std::unique_ptr<MilBlobWriter> w(new MilBlobWriter(f, path));
  // Header: count (patched by finish), version 2, reserved.
  uint8_t header[64] = {};
  uint32_t version = 2;
  memcpy(header + 4, &version, 4);
  if (absl::Status s = w->write(header, 64); !s.ok())
    return s;
  return w;
}

MilBlobWriter::~MilBlobWriter() {
  if (file)
    std::fclose(file);
}

absl::Status MilBlobWriter::write(const void *data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, file) != bytes)
    return absl::InternalError(absl::StrCat(path, ": write failed"));
  end += bytes;
  return absl::OkStatus();
}

absl::Status MilBlobWriter::padTo64() {
  static const uint8_t zeros[64] = {};
  return write(zeros, (64 - end % 64) % 64);
}

absl::StatusOr<uint64_t> MilBlobWriter::add(ElementsAttr attr, Type element) {
  absl::StatusOr<uint64_t> offset = addBlob(attr, element);
  if (offset.ok()) {
    reportProgress("write", (int64_t)end, 0); // bytes so far; the total is unknown here
    // Written: a weight mapped from a checkpoint gives its pages back.
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
      if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
        releaseMappedPages(blob->getData().data(), blob->getData().size());
  }
  return offset;
}

absl::StatusOr<uint64_t> MilBlobWriter::addBlob(ElementsAttr attr, Type element) {
  uint32_t dtype = milBlobDtype(element);
  if (!dtype)
    return absl::InvalidArgumentError("element type has no MILBlob dtype");
  auto type = cast<ShapedType>(attr.getType());
  uint64_t n = type.getNumElements();
  unsigned bits = element.getIntOrFloatBitWidth();
  uint64_t bytes = (n * bits + 7) / 8;
  if (absl::Status s = padTo64(); !s.ok())
    return s;
  uint64_t metadataOffset = end;
  uint8_t meta[64] = {};
  uint32_t sentinel = 0xDEADBEEF;
  uint64_t dataOffset = metadataOffset + 64;
  uint64_t paddingBits = bytes * 8 - n * bits;
  memcpy(meta, &sentinel, 4);
  memcpy(meta + 4, &dtype, 4);
  memcpy(meta + 8, &bytes, 8);
  memcpy(meta + 16, &dataOffset, 8);
  memcpy(meta + 24, &paddingBits, 8);
  if (absl::Status s = write(meta, 64); !s.ok())
    return s;

  Type source = type.getElementType();
  // Raw resource bytes already in the target type go straight through.
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return absl::InvalidArgumentError("a weight resource has no data");
    ArrayRef<char> raw = blob->getData();
    if (source == element) {
      if (raw.size() != bytes)
        return absl::InvalidArgumentError("a weight resource has the wrong size");
      if (absl::Status s = write(raw.data(), raw.size()); !s.ok())
        return s;
      ++count;
      return metadataOffset;
    }
    if (!element.isF16() || !(source.isBF16() || source.isF32()))
      return absl::InvalidArgumentError("unsupported weight conversion");
    // Convert in chunks: the weights are never held twice in memory.
    std::vector<uint16_t> chunk(1 << 16);
    unsigned srcBytes = source.isBF16() ? 2 : 4;
    if (raw.size() != n * srcBytes)
      return absl::InvalidArgumentError("a weight resource has the wrong size");
    bool bf16 = source.isBF16(); // asked once, not per element
    for (uint64_t done = 0; done < n;) {
      uint64_t m = std::min<uint64_t>(chunk.size(), n - done);
      if (bf16) {
        anec::bf16ToHalf(raw.data() + 2 * done, chunk.data(), m);
      } else {
        for (uint64_t k = 0; k < m; ++k) {
          float v;
          memcpy(&v, raw.data() + 4 * (done + k), 4);
          chunk[k] = anec::floatToHalf(v);
        }
      }
      if (absl::Status s = write(chunk.data(), 2 * m); !s.ok())
        return s;
      done += m;
    }
    ++count;
    return metadataOffset;
  }

  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return absl::InvalidArgumentError("unsupported constant attribute");
  std::vector<uint8_t> out(bytes, 0);
  uint64_t k = 0;
  if (isa<FloatType>(source)) {
    for (APFloat v : dense.getValues<APFloat>()) {
      float f = (float)v.convertToDouble();
      if (element.isF16()) {
        uint16_t h = anec::floatToHalf(f);
        memcpy(&out[2 * k], &h, 2);
      } else if (element.isF32()) {
        memcpy(&out[4 * k], &f, 4);
      } else {
        return absl::InvalidArgumentError("float constant into an integer blob");
      }
      ++k;
    }
  } else {
    for (APInt v : dense.getValues<APInt>()) {
      uint64_t u = v.getZExtValue();
      if (bits < 8) {
        for (unsigned b = 0; b < bits; ++b)
          if ((u >> b) & 1)
            out[(k * bits + b) / 8] |= uint8_t(1u << ((k * bits + b) % 8));
      } else {
        memcpy(&out[k * (bits / 8)], &u, bits / 8);
      }
      ++k;
    }
  }
  if (dense.isSplat()) {
    // A splat yields one value: replicate it.
    for (uint64_t e = 1; e < n; ++e)
      if (bits >= 8)
        memcpy(&out[e * (bits / 8)], &out[0], bits / 8);
      else
        for (unsigned b = 0; b < bits; ++b)
          if ((out[0] >> b) & 1)
            out[(e * bits + b) / 8] |= uint8_t(1u << ((e * bits + b) % 8));
  }
  if (absl::Status s = write(out.data(), out.size()); !s.ok())
    return s;
  ++count;
  return metadataOffset;
}

absl::Status MilBlobWriter::finish() {
  if (std::fseek(file, 0, SEEK_SET) != 0 || std::fwrite(&count, 4, 1, file) != 1)
    return absl::InternalError(absl::StrCat(path, ": cannot write the header"));
  if (std::fclose(file) != 0) {
    file = nullptr;
    return absl::InternalError(absl::StrCat(path, ": close failed"));
  }
  file = nullptr;
  return absl::OkStatus();
}
