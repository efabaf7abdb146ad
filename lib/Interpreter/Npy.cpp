//===- Npy.cpp - read and write numpy .npy files ----------------------------===//
//
// The .npy format: "\x93NUMPY", a version, a header length, and a Python
// dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded so the data starts 64-byte aligned. Input is treated as hostile.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Interpreter/Npy.h"

#include "mlir/IR/Builders.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace mlir;
using namespace anec::interp;

namespace {

struct Dtype {
  const char *descr;
  unsigned bytes;
  char kind; // f, i, u, b
};
constexpr Dtype kDtypes[] = {
    {"f2", 2, 'f'}, {"f4", 4, 'f'}, {"f8", 8, 'f'}, {"i1", 1, 'i'},
    {"i2", 2, 'i'}, {"i4", 4, 'i'}, {"i8", 8, 'i'}, {"u1", 1, 'u'},
    {"b1", 1, 'b'},
};

absl::Status bad(const std::string &path, const std::string &what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid .npy file: ", what));
}

/// The value text of 'key' in the header dict.
std::optional<std::string> field(const std::string &header, const std::string &key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return std::nullopt;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return std::nullopt;
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return std::nullopt;
  size_t end = header[start] == '(' ? header.find(')', start) + 1
                                    : header.find_first_of(",}", start);
  if (end == std::string::npos || end == 0)
    return std::nullopt;
  return header.substr(start, end - start);
}

} // namespace

absl::StatusOr<Tensor> anec::interp::readNpy(MLIRContext *ctx,
                                             const std::string &path) {
  if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
    return regular;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return bad(path, "missing the \\x93NUMPY magic");
  unsigned major = (unsigned char)bytes[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = (unsigned char)bytes[8] | ((unsigned char)bytes[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad(path, "truncated header length");
    headerLen = 0;
    for (int b = 0; b < 4; ++b)
      headerLen |= size_t((unsigned char)bytes[8 + b]) << (8 * b);
    headerStart = 12;
  } else {
    return bad(path, absl::StrCat("unsupported version ", major));
  }
  if (headerLen > bytes.size() - headerStart)
    return bad(path, absl::StrCat("header of ", headerLen, " bytes runs past the end"));
  std::string header = bytes.substr(headerStart, headerLen);
  auto descr = field(header, "descr"), fortran = field(header, "fortran_order"),
       shapeText = field(header, "shape");
  if (!descr || !fortran || !shapeText)
    return bad(path, "header lacks descr, fortran_order or shape");
  if (*fortran != "False")
    return bad(path, "Fortran-order arrays are not supported");
  std::string d(absl::StripSuffix(absl::StripPrefix(*descr, "'"), "'"));
  if (d.size() != 3 || (d[0] != '<' && d[0] != '|'))
    return bad(path, absl::StrCat("unsupported dtype ", d, " (little-endian only)"));
  const Dtype *dtype = nullptr;
  for (const Dtype &candidate : kDtypes)
    if (d.substr(1) == candidate.descr)
      dtype = &candidate;
  if (!dtype)
    return bad(path, absl::StrCat("unsupported dtype ", d));
  SmallVector<int64_t> shape;
  std::string dims(absl::StripSuffix(absl::StripPrefix(*shapeText, "("), ")"));
  __int128 count = 1;
  for (absl::string_view part : absl::StrSplit(dims, ',', absl::SkipWhitespace())) {
    std::string s(absl::StripAsciiWhitespace(part));
    int64_t v = 0;
    if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos)
      return bad(path, absl::StrCat("bad dimension '", s, "'"));
    v = std::stoll(s);
    shape.push_back(v);
    count *= v;
  }
  size_t dataStart = headerStart + headerLen;
  __int128 expected = count * dtype->bytes;
  if (expected != (__int128)(bytes.size() - dataStart))
    return bad(path, absl::StrCat("shape and dtype need ", (long long)expected,
                                  " bytes of data, the file has ",
                                  bytes.size() - dataStart));
  Builder b(ctx);
  Type element;
  switch (dtype->kind) {
  case 'f': element = dtype->bytes == 2 ? Type(b.getF16Type()) : Type(b.getF32Type()); break;
  case 'u': element = IntegerType::get(ctx, 8, IntegerType::Unsigned); break;
  case 'b': element = b.getI1Type(); break;
  default: element = b.getIntegerType(dtype->bytes * 8);
  }
  Tensor t = Tensor::zeros(RankedTensorType::get(shape, element));
  const char *p = bytes.data() + dataStart;
  for (int64_t k = 0, n = t.numElements(); k < n; ++k, p += dtype->bytes) {
    switch (dtype->kind) {
    case 'f':
      if (dtype->bytes == 2) {
        _Float16 h;
        memcpy(&h, p, 2);
        t.f[k] = (float)h;
      } else if (dtype->bytes == 4) {
        memcpy(&t.f[k], p, 4);
      } else {
        double v;
        memcpy(&v, p, 8);
        t.f[k] = (float)v;
      }
      break;
    case 'u':
    case 'b':
      t.i[k] = (unsigned char)*p;
      break;
    default: {
      int64_t v = 0;
      memcpy(&v, p, dtype->bytes);
      int shift = 64 - 8 * dtype->bytes;
      t.i[k] = shift ? (v << shift) >> shift : v;
    }
    }
  }
  return t;
}

absl::Status anec::interp::writeNpy(const Tensor &t, const std::string &path,
                                   bool floatsAsF32) {
  Type e = t.elementType;
  if (floatsAsF32 && t.isFloat())
    e = Float32Type::get(e.getContext());
  std::string descr;
  unsigned bytes;
  if (e.isF16()) {
    descr = "<f2";
    bytes = 2;
  } else if (e.isF32()) {
    descr = "<f4";
    bytes = 4;
  } else if (e.isInteger(1)) {
    descr = "|b1";
    bytes = 1;
  } else if (e.isUnsignedInteger(8) || e.getIntOrFloatBitWidth() < 8) {
    descr = e.isUnsignedInteger() ? "|u1" : "|i1";
    bytes = 1;
  } else {
    bytes = e.getIntOrFloatBitWidth() / 8;
    descr = absl::StrCat(e.isUnsignedInteger() ? "<u" : "<i", bytes);
  }
  std::string shape;
  for (size_t d = 0; d < t.shape.size(); ++d)
    absl::StrAppend(&shape, d ? ", " : "", t.shape[d]);
  shape = t.shape.size() == 1 ? absl::StrCat("(", shape, ",)")
                              : absl::StrCat("(", shape, ")");
  std::string header = absl::StrCat("{'descr': '", descr,
                                    "', 'fortran_order': False, 'shape': ", shape, ", }");
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  for (int64_t k = 0, n = t.numElements(); k < n; ++k) {
    char buf[8];
    if (e.isF16()) {
      _Float16 h = (_Float16)t.f[k];
      memcpy(buf, &h, 2);
    } else if (e.isF32()) {
      memcpy(buf, &t.f[k], 4);
    } else {
      memcpy(buf, &t.i[k], bytes);
    }
    out.append(buf, bytes);
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(out.data(), out.size()))
      return absl::InternalError(absl::StrCat(path, ": cannot write"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place"));
  return absl::OkStatus();
}
