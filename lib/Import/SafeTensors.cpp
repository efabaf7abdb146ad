//===- SafeTensors.cpp - memory-mapped safetensors checkpoints -------------===//
//
// Format (model-formats.md): u64 little-endian header length N, N bytes of
// UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}}, then the
// data section. Offsets are relative to the data section, end exclusive.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "lib/Import/SafeTensors.h"
#include "lib/Support/MappedFiles.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

using namespace anec::import;

namespace {
/// Headers above this are not checkpoints (real ones are a few MB at most).
constexpr uint64_t kMaxHeaderBytes = 256ull << 20;
/// No real tensor has more dimensions.
constexpr size_t kMaxRank = 8;

absl::Status bad(const std::string &path, const std::string &what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}
} // namespace

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

unsigned anec::import::safetensorsDtypeSize(llvm::StringRef dtype) {
  return llvm::StringSwitch<unsigned>(dtype)
      .Cases("F64", "I64", "U64", 8)
      .Cases("F32", "I32", "U32", 4)
      .Cases("F16", "BF16", "I16", "U16", 2)
      .Cases("I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", 1)
      .Default(0);
}

absl::Status anec::import::checkJsonDepth(llvm::StringRef text,
                                          unsigned maxDepth,
                                          const std::string &path) {
  unsigned depth = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '{' || c == '[') {
      if (++depth > maxDepth)
        return bad(path, absl::StrCat("JSON nested deeper than ", maxDepth,
                                      " levels"));
    } else if ((c == '}' || c == ']') && depth > 0)
      --depth;
  }
  return absl::OkStatus();
}

/// llvm::json keeps the last of two equal keys; a checkpoint with two
/// tensors of one name is malformed, so look for them first.
static std::optional<std::string> duplicateTopLevelKey(llvm::StringRef text) {
  llvm::StringSet<> seen;
  unsigned depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      size_t start = i++;
      for (; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      if (depth != 1)
        continue;
      size_t next = text.find_first_not_of(" \t\r\n", i + 1);
      if (next == llvm::StringRef::npos || text[next] != ':')
        continue;
      auto key = anec::parseJson(text.slice(start, i + 1));
      if (!key) {
        llvm::consumeError(key.takeError());
        continue;
      }
      std::string name = key->getAsString() ? key->getAsString()->str() : "";
      if (!seen.insert(name).second)
        return name;
    }
  }
  return std::nullopt;
}

absl::StatusOr<llvm::StringMap<TensorView>>
anec::import::readSafetensors(const std::string &path) {
  if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
    return regular;
  auto bufferOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!bufferOr)
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", bufferOr.getError().message()));
  std::shared_ptr<llvm::MemoryBuffer> buffer = shareMappedFile(std::move(*bufferOr));
  llvm::StringRef bytes = buffer->getBuffer();
  if (bytes.size() < 8)
    return bad(path, absl::StrCat("truncated: ", bytes.size(),
                                  " bytes, a safetensors file starts with an "
                                  "8-byte header length"));
  uint64_t headerLen = 0;
  for (int b = 0; b < 8; ++b)
    headerLen |= uint64_t((unsigned char)bytes[b]) << (8 * b);
  if (headerLen > bytes.size() - 8)
    return bad(path, absl::StrCat("header length ", headerLen,
                                  " runs past the end of the file (",
                                  bytes.size(), " bytes)"));
  if (headerLen > kMaxHeaderBytes)
    return bad(path, absl::StrCat("header length ", headerLen,
                                  " is larger than any checkpoint's"));
  llvm::StringRef header = bytes.substr(8, headerLen);
  uint64_t dataStart = 8 + headerLen, dataSize = bytes.size() - dataStart;
  if (absl::Status s = checkJsonDepth(header, 16, path); !s.ok())
    return s;
  llvm::Expected<llvm::json::Value> json = anec::parseJson(header);
  if (!json)
    return bad(path, absl::StrCat("header is not valid JSON: ",
                                  llvm::toString(json.takeError())));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return bad(path, "header is not a JSON object");
  if (std::optional<std::string> dup = duplicateTopLevelKey(header))
    return bad(path, absl::StrCat("tensor '", *dup, "' appears twice (duplicate name)"));

  llvm::StringMap<TensorView> tensors;
  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (const auto &[key, value] : *root) {
    std::string name = key.str();
    if (name == "__metadata__")
      continue;
    auto where = [&](const std::string &what) {
      return bad(path, absl::StrCat("tensor '", name, "': ", what));
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return where("entry is not an object");
    std::optional<llvm::StringRef> dtype = entry->getString("dtype");
    const llvm::json::Array *shape = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!dtype || !shape || !offsets)
      return where("needs dtype, shape and data_offsets");
    unsigned size = safetensorsDtypeSize(*dtype);
    if (!size)
      return where(absl::StrCat("unknown dtype '", dtype->str(), "'"));
    if (shape->size() > kMaxRank)
      return where(absl::StrCat("rank ", shape->size(), " is above ", kMaxRank));
    TensorView view;
    view.name = name;
    view.dtype = dtype->str();
    view.file = buffer;
    view.path = path;
    // Element count with overflow checks: no dimension may exceed the file.
    uint64_t count = 1;
    for (const llvm::json::Value &d : *shape) {
      std::optional<int64_t> dim = d.getAsInteger();
      if (!dim || *dim < 0)
        return where("shape holds a value that is not a non-negative integer");
      if (*dim > 0 && count > (uint64_t(1) << 62) / uint64_t(*dim))
        return where("shape overflows");
      count *= uint64_t(*dim);
      view.shape.push_back(*dim);
    }
    if (offsets->size() != 2)
      return where("data_offsets must be [begin, end]");
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger(),
                           end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return where("data_offsets are not an increasing pair of integers");
    if (uint64_t(*end) > dataSize)
      return where(absl::StrCat("data_offsets [", *begin, ", ", *end,
                                "] run past the data section (", dataSize,
                                " bytes)"));
    if (count > (uint64_t(1) << 62) / size ||
        uint64_t(*end - *begin) != count * size)
      return where(absl::StrCat(dtype->str(), " shape of ", count,
                                " elements needs ", count * size,
                                " bytes, data_offsets hold ", *end - *begin));
    view.data = llvm::ArrayRef<char>(bytes.data() + dataStart + *begin,
                                     *end - *begin);
    ranges.push_back({uint64_t(*begin), uint64_t(*end), name});
    tensors[name] = std::move(view);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range &a, const Range &b) { return a.begin < b.begin; });
  for (size_t k = 1; k < ranges.size(); ++k)
    if (ranges[k].begin < ranges[k - 1].end)
      return bad(path, absl::StrCat("tensors '", ranges[k - 1].name, "' and '",
                                    ranges[k].name, "' overlap"));
  return tensors;
}

absl::StatusOr<Checkpoint> Checkpoint::open(const std::string &dir) {
  Checkpoint ckpt;
  llvm::SmallString<256> single(dir), index(dir);
  llvm::sys::path::append(single, "model.safetensors");
  llvm::sys::path::append(index, "model.safetensors.index.json");
  std::vector<std::string> files;
  if (llvm::sys::fs::exists(index)) {
    if (absl::Status regular = anec::requireRegularFile(index); !regular.ok())
      return regular;
    auto buffer = llvm::MemoryBuffer::getFile(index, /*IsText=*/true);
    if (!buffer)
      return absl::NotFoundError(absl::StrCat(index.str().str(), ": cannot open"));
    llvm::StringRef text = (*buffer)->getBuffer();
    if (absl::Status s = checkJsonDepth(text, 16, index.str().str()); !s.ok())
      return s;
    auto json = anec::parseJson(text);
    if (!json)
      return bad(index.str().str(), absl::StrCat("not valid JSON: ",
                                                 llvm::toString(json.takeError())));
    const llvm::json::Object *map =
        json->getAsObject() ? json->getAsObject()->getObject("weight_map") : nullptr;
    if (!map)
      return bad(index.str().str(), "has no weight_map object");
    for (const auto &[name, file] : *map) {
      std::optional<llvm::StringRef> f = file.getAsString();
      // Shard names are plain file names inside the folder.
      if (!f || f->contains('/') || f->contains('\\') || *f == ".." || f->empty())
        return bad(index.str().str(),
                   absl::StrCat("weight_map entry '", name.str(),
                                "' does not name a file in the folder"));
      if (std::find(files.begin(), files.end(), f->str()) == files.end())
        files.push_back(f->str());
    }
    std::sort(files.begin(), files.end());
  } else if (llvm::sys::fs::exists(single)) {
    files.push_back("model.safetensors");
  } else {
    return absl::NotFoundError(absl::StrCat(
        dir, ": no model.safetensors or model.safetensors.index.json"));
  }
  for (const std::string &f : files) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, f);
    auto tensors = readSafetensors(path.str().str());
    if (!tensors.ok())
      return tensors.status();
    for (auto &entry : *tensors) {
      if (ckpt.all.count(entry.getKey()))
        return bad(path.str().str(),
                   absl::StrCat("tensor '", entry.getKey().str(),
                                "' also appears in another shard"));
      ckpt.all[entry.getKey()] = std::move(entry.getValue());
    }
  }
  return ckpt;
}

const TensorView *Checkpoint::find(llvm::StringRef name) const {
  auto it = all.find(name);
  return it == all.end() ? nullptr : &it->second;
}

absl::Status anec::import::writeSafetensors(
    const std::string &path, const std::vector<TensorToWrite> &tensors) {
  llvm::json::Object header;
  uint64_t offset = 0;
  for (const TensorToWrite &t : tensors) {
    llvm::json::Array shape;
    for (int64_t d : t.shape)
      shape.push_back(d);
    header[t.name] = llvm::json::Object{
        {"dtype", t.dtype},
        {"shape", std::move(shape)},
        {"data_offsets",
         llvm::json::Array{int64_t(offset),
                           int64_t(offset + (t.produce ? t.bytes : t.data.size()))}}};
    offset += t.produce ? t.bytes : t.data.size();
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    uint64_t n = text.size();
    char len[8];
    for (int b = 0; b < 8; ++b)
      len[b] = char((n >> (8 * b)) & 0xff);
    out.write(len, 8);
    out.write(text.data(), text.size());
    for (const TensorToWrite &t : tensors) {
      if (t.produce)
        t.produce(out);
      else
        out.write(t.data.data(), t.data.size());
    }
    if (!out)
      return absl::InternalError(absl::StrCat(path, ": cannot write"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place"));
  return absl::OkStatus();
}
