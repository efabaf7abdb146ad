//===- HwxFile.cpp - Apple's ANE program binary for M1 (H13) ---------------===//
#include "lib/Hwx/HwxFile.h"

#include "lib/Support/InputFile.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

using namespace anec::hwx;

namespace {

constexpr Field kH13Fields[] = {
#include "lib/Hwx/H13Fields.inc"
};

constexpr uint32_t kSegment64 = 0x19, kSymtab = 0x2, kThread = 0x4, kLoadFvmlib = 0x6,
                   kIdent = 0x8;
/// Mach-O files this reader takes: a few MiB of program and weights at most
/// for the networks here; a file past 1 GiB is not an ANE program.
constexpr size_t kMaxFileBytes = size_t(1) << 30;
/// No task chain is longer than its __text allows; this bounds a hostile one.
constexpr size_t kMaxTasks = 65536;

uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint64_t le64(const uint8_t *p) { return le32(p) | uint64_t(le32(p + 4)) << 32; }
void put32(std::vector<uint8_t> &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(uint8_t(v >> (8 * i)));
}
void put64(std::vector<uint8_t> &out, uint64_t v) {
  put32(out, uint32_t(v));
  put32(out, uint32_t(v >> 32));
}
void putName(std::vector<uint8_t> &out, const std::string &name) {
  char buf[16] = {0};
  std::memcpy(buf, name.data(), std::min<size_t>(16, name.size()));
  out.insert(out.end(), buf, buf + 16);
}
std::string nameOf(const uint8_t *p) {
  return std::string(reinterpret_cast<const char *>(p), strnlen(reinterpret_cast<const char *>(p), 16));
}

std::string sha256Hex(llvm::ArrayRef<uint8_t> bytes) {
  auto digest = llvm::SHA256::hash(bytes);
  std::string hex;
  for (uint8_t b : digest)
    hex += fmt::format("{:02x}", b);
  return hex;
}

class Reader {
public:
  Reader(llvm::ArrayRef<uint8_t> bytes, const std::string &name) : d(bytes), name(name) {}

  absl::StatusOr<HwxFile> read();

private:
  absl::Status bad(const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
  }
  bool fits(uint64_t offset, uint64_t size) const {
    return offset <= d.size() && size <= d.size() - offset;
  }
  absl::Status segment(HwxFile &f, const uint8_t *p, uint32_t size);
  absl::Status symtab(HwxFile &f, const uint8_t *p, uint32_t size);
  absl::Status tasks(HwxFile &f);

  llvm::ArrayRef<uint8_t> d;
  std::string name;
};

absl::Status Reader::segment(HwxFile &f, const uint8_t *p, uint32_t size) {
  if (size < 72)
    return bad("a segment command shorter than its 72 bytes");
  Segment s;
  s.name = nameOf(p + 8);
  s.vmAddress = le64(p + 24);
  s.vmSize = le64(p + 32);
  s.fileOffset = le64(p + 40);
  s.fileSize = le64(p + 48);
  s.maxProt = (int32_t)le32(p + 56);
  s.initProt = (int32_t)le32(p + 60);
  uint32_t count = le32(p + 64);
  s.flags = le32(p + 68);
  if (count > (size - 72) / 80 || 72 + uint64_t(count) * 80 != size)
    return bad(fmt::format("segment {}: {} sections do not fill its command of {} bytes", s.name,
                           count, size));
  if (s.fileSize && !fits(s.fileOffset, s.fileSize))
    return bad(fmt::format("segment {} lies past the end of the file", s.name));
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *q = p + 72 + 80 * i;
    Section c;
    c.name = nameOf(q);
    c.segment = nameOf(q + 16);
    c.address = le64(q + 32);
    c.size = le64(q + 40);
    c.offset = le32(q + 48);
    c.align = le32(q + 52);
    c.relocOffset = le32(q + 56);
    c.relocCount = le32(q + 60);
    c.flags = le32(q + 64);
    for (int k = 0; k < 3; ++k)
      c.reserved[k] = le32(q + 68 + 4 * k);
    // Zero-fill sections (the buffers) have no file offset.
    if (c.offset && !fits(c.offset, c.size))
      return bad(fmt::format("section {},{} lies past the end of the file", c.segment, c.name));
    s.sections.push_back(std::move(c));
  }
  f.segments.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status Reader::symtab(HwxFile &f, const uint8_t *p, uint32_t size) {
  if (size != 24)
    return bad("a symbol table command that is not 24 bytes");
  uint32_t symoff = le32(p + 8), nsyms = le32(p + 12), stroff = le32(p + 16),
           strsize = le32(p + 20);
  if (!fits(symoff, uint64_t(nsyms) * 16) || !fits(stroff, strsize))
    return bad("the symbol table lies past the end of the file");
  for (uint32_t i = 0; i < nsyms; ++i) {
    const uint8_t *e = d.data() + symoff + 16 * i;
    Symbol s;
    uint32_t strx = le32(e);
    s.type = e[4];
    s.section = e[5];
    s.desc = uint16_t(e[6] | e[7] << 8);
    s.value = le64(e + 8);
    if (strx >= strsize)
      return bad(fmt::format("symbol {} names a string past the string table", i));
    const char *str = reinterpret_cast<const char *>(d.data() + stroff + strx);
    s.name.assign(str, strnlen(str, strsize - strx));
    f.symbols.push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status Reader::tasks(HwxFile &f) {
  const Section *text = f.section("__TEXT", "__text");
  if (!text)
    return bad("no __TEXT,__text section (the task descriptors)");
  if (!text->offset || !fits(text->offset, text->size))
    return bad("__TEXT,__text lies past the end of the file");
  llvm::ArrayRef<uint8_t> region = d.slice(text->offset, text->size);
  const Field *next = fieldNamed("aneTD.Header[7].NextPointer");
  std::set<uint32_t> seen;
  uint32_t at = 0;
  while (true) {
    if (f.tasks.size() >= kMaxTasks)
      return bad("more than 65536 tasks");
    if (!seen.insert(at).second)
      return bad(fmt::format("the task chain loops back to offset {:#x}", at));
    if (uint64_t(at) + kTaskHeaderBytes > region.size())
      return bad(fmt::format("task {} at {:#x} runs past __text ({:#x} bytes)", f.tasks.size(), at,
                             region.size()));
    uint32_t nextAt = getField(region.slice(at, kTaskHeaderBytes), *next);
    if (nextAt && (nextAt < at + kTaskHeaderBytes || nextAt >= region.size()))
      return bad(fmt::format("task {} at {:#x}: its next task pointer {:#x} is not a later offset "
                             "inside __text",
                             f.tasks.size(), at, nextAt));
    uint32_t end = nextAt ? nextAt : uint32_t(region.size());
    Task t;
    t.offset = at;
    uint32_t pos = at + kTaskHeaderBytes;
    while (pos + 4 <= end) {
      uint32_t word = le32(region.data() + pos);
      if (word == 0)
        break; // padding to the next task
      Stream s;
      s.offset = pos - at;
      s.words = (word >> 26) + 1;
      s.address = word & 0x3ffffff;
      if (uint64_t(pos) + 4 + 4ull * s.words > end)
        return bad(fmt::format("task {} at {:#x}: the register stream at {:#x} ({} words) runs "
                               "past the task",
                               f.tasks.size(), at, pos - at, s.words));
      t.streams.push_back(s);
      pos += 4 + 4 * s.words;
    }
    for (uint32_t k = pos; k < end; ++k)
      if (region[k])
        return bad(fmt::format("task {} at {:#x}: unknown task layout (data after its register "
                               "streams at {:#x})",
                               f.tasks.size(), at, k - at));
    if (t.streams.empty())
      return bad(fmt::format("task {} at {:#x}: unknown task layout (no register stream)",
                             f.tasks.size(), at));
    t.bytes.assign(region.begin() + at, region.begin() + pos);
    f.tasks.push_back(std::move(t));
    if (!nextAt)
      break;
    at = nextAt;
  }
  return absl::OkStatus();
}

absl::StatusOr<HwxFile> Reader::read() {
  if (d.size() > kMaxFileBytes)
    return bad(fmt::format("{} bytes is larger than an ANE program (1 GiB at most)", d.size()));
  if (d.size() < 32)
    return bad("shorter than a Mach-O header (32 bytes)");
  HwxFile f;
  f.magic = le32(d.data());
  if (f.magic != kHwxMagic)
    return bad(fmt::format("magic {:#010x} is not an ANE program's ({:#010x})", f.magic, kHwxMagic));
  f.cpuType = le32(d.data() + 4);
  f.cpuSubtype = le32(d.data() + 8);
  f.fileType = le32(d.data() + 12);
  uint32_t ncmds = le32(d.data() + 16), sizeofcmds = le32(d.data() + 20);
  f.flags = le32(d.data() + 24);
  f.reserved = le32(d.data() + 28);
  if (!fits(32, sizeofcmds))
    return bad(fmt::format("load commands of {} bytes run past the end of the file", sizeofcmds));
  if (ncmds > sizeofcmds / 8)
    return bad(fmt::format("{} load commands cannot fit in {} bytes", ncmds, sizeofcmds));
  uint32_t at = 32;
  for (uint32_t i = 0; i < ncmds; ++i) {
    if (at + 8 > 32 + sizeofcmds)
      return bad(fmt::format("load command {} starts past the commands", i));
    const uint8_t *p = d.data() + at;
    uint32_t cmd = le32(p), size = le32(p + 4);
    if (size < 8 || size % 4 || size > 32 + sizeofcmds - at)
      return bad(fmt::format("load command {} has a size of {} bytes", i, size));
    LoadCommand c;
    c.cmd = cmd;
    if (cmd == kSegment64) {
      if (absl::Status s = segment(f, p, size); !s.ok())
        return s;
      c.segment = int(f.segments.size()) - 1;
    } else {
      c.payload.assign(p + 8, p + size);
      if (cmd == kSymtab)
        if (absl::Status s = symtab(f, p, size); !s.ok())
          return s;
      if (cmd == kIdent)
        f.ident.assign(reinterpret_cast<const char *>(p + 8), strnlen(reinterpret_cast<const char *>(p + 8), size - 8));
    }
    f.commands.push_back(std::move(c));
    at += size;
  }
  if (at != 32 + sizeofcmds)
    return bad(fmt::format("the load commands take {} bytes, the header says {}", at - 32,
                           sizeofcmds));
  f.data.assign(d.begin(), d.end());
  if (absl::Status s = tasks(f); !s.ok())
    return s;
  return f;
}

} // namespace

llvm::ArrayRef<Field> anec::hwx::h13Fields() { return kH13Fields; }

const Field *anec::hwx::fieldNamed(llvm::StringRef name) {
  static const llvm::StringMap<const Field *> byName = [] {
    llvm::StringMap<const Field *> m;
    for (const Field &f : kH13Fields)
      m[f.name] = &f;
    return m;
  }();
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

void anec::hwx::writeStreamHeader(llvm::MutableArrayRef<uint8_t> task, const Stream &s) {
  uint32_t word = (s.words - 1) << 26 | (s.address & 0x3ffffff);
  for (int i = 0; i < 4; ++i)
    task[s.offset + i] = uint8_t(word >> (8 * i));
}

uint32_t anec::hwx::getField(llvm::ArrayRef<uint8_t> task, const Field &f) {
  uint64_t v = 0;
  for (int i = 0; i < 8 && f.byte + i < (int)task.size(); ++i)
    v |= uint64_t(task[f.byte + i]) << (8 * i);
  return uint32_t((v >> f.bit) & ((uint64_t(1) << f.width) - 1));
}

void anec::hwx::setField(llvm::MutableArrayRef<uint8_t> task, const Field &f, uint32_t value) {
  uint64_t mask = ((uint64_t(1) << f.width) - 1) << f.bit;
  uint64_t v = (uint64_t(value) << f.bit) & mask;
  for (int i = 0; i < 8 && f.byte + i < (int)task.size(); ++i) {
    uint8_t m = uint8_t(mask >> (8 * i));
    task[f.byte + i] = uint8_t((task[f.byte + i] & ~m) | (uint8_t(v >> (8 * i)) & m));
  }
}

std::vector<uint8_t> anec::hwx::fieldMask(size_t taskSize) {
  std::vector<uint8_t> mask(taskSize, 0);
  for (const Field &f : h13Fields())
    setField(mask, f, uint32_t((uint64_t(1) << f.width) - 1));
  return mask;
}

llvm::StringRef anec::hwx::streamBlock(uint32_t address) {
  // The register address of each block's first word, read off the tasks
  // where the field map places the block (docs/HWX.md).
  switch (address) {
  case 0x00000:
    return "Common";
  case 0x04800:
    return "L2";
  case 0x0c800:
    return "NE";
  case 0x13800:
    return "TileDMASrc";
  case 0x17800:
    return "TileDMADst";
  case 0x1f800:
    return "KernelDMASrc";
  default:
    return "";
  }
}

const Section *HwxFile::section(llvm::StringRef segment, llvm::StringRef name) const {
  for (const Segment &s : segments)
    for (const Section &c : s.sections)
      if (c.segment == segment && c.name == name)
        return &c;
  return nullptr;
}

absl::StatusOr<HwxFile> anec::hwx::readHwx(llvm::ArrayRef<uint8_t> bytes, const std::string &name) {
  return Reader(bytes, name).read();
}

absl::StatusOr<HwxFile> anec::hwx::readHwxFile(const std::string &path) {
  auto buffer = anec::readInputFile(path, kMaxFileBytes, "an ANE program");
  if (!buffer.ok())
    return buffer.status();
  llvm::ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
                                (*buffer)->getBufferSize());
  return readHwx(bytes, path);
}

std::vector<uint8_t> anec::hwx::writeHwx(const HwxFile &file) {
  std::vector<uint8_t> cmds;
  for (const LoadCommand &c : file.commands) {
    std::vector<uint8_t> body;
    if (c.segment >= 0) {
      const Segment &s = file.segments[c.segment];
      putName(body, s.name);
      put64(body, s.vmAddress);
      put64(body, s.vmSize);
      put64(body, s.fileOffset);
      put64(body, s.fileSize);
      put32(body, uint32_t(s.maxProt));
      put32(body, uint32_t(s.initProt));
      put32(body, uint32_t(s.sections.size()));
      put32(body, s.flags);
      for (const Section &x : s.sections) {
        putName(body, x.name);
        putName(body, x.segment);
        put64(body, x.address);
        put64(body, x.size);
        for (uint32_t v : {x.offset, x.align, x.relocOffset, x.relocCount, x.flags, x.reserved[0],
                           x.reserved[1], x.reserved[2]})
          put32(body, v);
      }
    } else {
      body = c.payload;
    }
    put32(cmds, c.cmd);
    put32(cmds, uint32_t(body.size() + 8));
    cmds.insert(cmds.end(), body.begin(), body.end());
  }
  std::vector<uint8_t> out;
  for (uint32_t v : {file.magic, file.cpuType, file.cpuSubtype, file.fileType,
                     uint32_t(file.commands.size()), uint32_t(cmds.size()), file.flags, file.reserved})
    put32(out, v);
  out.insert(out.end(), cmds.begin(), cmds.end());
  if (out.size() < file.data.size())
    out.insert(out.end(), file.data.begin() + out.size(), file.data.end());
  if (const Section *text = file.section("__TEXT", "__text"))
    for (const Task &t : file.tasks) {
      size_t at = text->offset + t.offset;
      if (out.size() < at + t.bytes.size())
        out.resize(at + t.bytes.size(), 0);
      std::copy(t.bytes.begin(), t.bytes.end(), out.begin() + at);
    }
  return out;
}

std::vector<std::string> anec::hwx::describe(const HwxFile &f) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("file magic {:#x} cputype {} cpusubtype {} filetype {} flags {:#x} "
                              "commands {}",
                              f.magic, f.cpuType, f.cpuSubtype, f.fileType, f.flags,
                              f.commands.size()));
  for (auto [i, c] : llvm::enumerate(f.commands)) {
    if (c.segment >= 0) {
      const Segment &s = f.segments[c.segment];
      lines.push_back(fmt::format("command {} segment {} vmaddr {:#x} vmsize {:#x} fileoff {:#x} "
                                  "filesize {:#x} maxprot {} initprot {} flags {:#x}",
                                  i, s.name, s.vmAddress, s.vmSize, s.fileOffset, s.fileSize,
                                  s.maxProt, s.initProt, s.flags));
      for (const Section &x : s.sections)
        lines.push_back(fmt::format("section {},{} addr {:#x} size {:#x} offset {:#x} align {} "
                                    "flags {:#x}",
                                    x.segment, x.name, x.address, x.size, x.offset, x.align,
                                    x.flags));
      continue;
    }
    const std::vector<uint8_t> &p = c.payload;
    if (c.cmd == kLoadFvmlib && p.size() >= 12) {
      uint32_t nameAt = le32(p.data()), addr = le32(p.data() + 8);
      std::string name;
      if (nameAt >= 8 && nameAt - 8 < p.size()) {
        const char *s = reinterpret_cast<const char *>(p.data() + nameAt - 8);
        name.assign(s, strnlen(s, p.size() - (nameAt - 8)));
      }
      lines.push_back(fmt::format("command {} buffer {} address {:#x} minor {}", i, name, addr,
                                  le32(p.data() + 4)));
    } else if (c.cmd == kIdent) {
      lines.push_back(fmt::format("command {} ident", i));
      llvm::SmallVector<llvm::StringRef> parts;
      llvm::StringRef(f.ident).split(parts, '\n', -1, false);
      for (llvm::StringRef part : parts)
        lines.push_back(fmt::format("ident {}", part.trim().str()));
    } else if (c.cmd == kSymtab) {
      lines.push_back(fmt::format("command {} symtab symbols {}", i, f.symbols.size()));
    } else {
      lines.push_back(fmt::format("command {} {} bytes {} sha256 {}", i,
                                  c.cmd == kThread ? "thread" : fmt::format("{:#x}", c.cmd),
                                  p.size() + 8, sha256Hex(p)));
    }
  }
  for (auto [i, s] : llvm::enumerate(f.symbols))
    lines.push_back(fmt::format("symbol {} {} type {:#x} sect {} desc {} value {:#x}", i, s.name,
                                s.type, s.section, s.desc, s.value));
  for (auto [n, t] : llvm::enumerate(f.tasks)) {
    lines.push_back(fmt::format("task {} offset {:#x} size {:#x} streams {}", n, t.offset,
                                t.bytes.size(), t.streams.size()));
    for (auto [k, s] : llvm::enumerate(t.streams)) {
      llvm::StringRef block = streamBlock(s.address);
      lines.push_back(fmt::format("task {} stream {} offset {:#x} address {:#x} words {} {}", n, k,
                                  s.offset, s.address, s.words,
                                  block.empty() ? "(not in the field map)" : block.str()));
    }
    for (const Field &fl : h13Fields())
      if (fl.byte < t.bytes.size())
        lines.push_back(fmt::format("task {} field {} {:#x}", n, fl.name, getField(t.bytes, fl)));
    // Register words with bits the map does not name (stream headers aside).
    std::vector<uint8_t> mask = fieldMask(t.bytes.size());
    std::vector<bool> header(t.bytes.size(), false);
    for (const Stream &s : t.streams)
      std::fill(header.begin() + s.offset, header.begin() + s.offset + 4, true);
    for (size_t w = 0; w + 4 <= t.bytes.size(); w += 4) {
      if (header[w])
        continue;
      uint32_t rest = 0;
      for (int i = 0; i < 4; ++i)
        rest |= uint32_t(t.bytes[w + i] & ~mask[w + i]) << (8 * i);
      if (rest)
        lines.push_back(fmt::format("task {} unmapped {:#x} {:#010x}", n, w, rest));
    }
  }
  if (const Section *k = f.section("__TEXT", "__const")) {
    llvm::ArrayRef<uint8_t> bytes;
    if (k->offset && k->offset + k->size <= f.data.size())
      bytes = llvm::ArrayRef<uint8_t>(f.data).slice(k->offset, k->size);
    lines.push_back(fmt::format("weights __TEXT,__const size {:#x} sha256 {}", k->size,
                                sha256Hex(bytes)));
  }
  return lines;
}

absl::StatusOr<std::vector<Task>>
anec::hwx::tasksFromDescription(llvm::ArrayRef<std::string> lines) {
  std::vector<Task> tasks;
  auto bad = [](size_t line, const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat("line ", line + 1, ": ", what));
  };
  for (auto [i, text] : llvm::enumerate(lines)) {
    llvm::SmallVector<llvm::StringRef> w;
    llvm::StringRef(text).split(w, ' ', -1, false);
    if (w.size() < 3 || w[0] != "task")
      continue;
    auto number = [](llvm::StringRef s, uint64_t &out) { return !s.getAsInteger(0, out); };
    uint64_t n;
    if (!number(w[1], n) || n > tasks.size())
      return bad(i, "a task number out of order");
    if (w[2] == "offset") {
      uint64_t offset, size;
      if (n != tasks.size() || w.size() < 6 || !number(w[3], offset) || !number(w[5], size) ||
          size > (1u << 20) || size < kTaskHeaderBytes)
        return bad(i, "a bad task line");
      Task t;
      t.offset = uint32_t(offset);
      t.bytes.assign(size, 0);
      tasks.push_back(std::move(t));
      continue;
    }
    if (n >= tasks.size())
      return bad(i, "a line for a task not yet declared");
    Task &t = tasks[n];
    if (w[2] == "stream") {
      uint64_t offset, address, words;
      if (w.size() < 10 || !number(w[5], offset) || !number(w[7], address) ||
          !number(w[9], words) || words < 1 || words > 64 || address > 0x3ffffff ||
          offset + 4 + 4 * words > t.bytes.size())
        return bad(i, "a bad stream line");
      t.streams.push_back({uint32_t(offset), uint32_t(address), uint32_t(words)});
      writeStreamHeader(t.bytes, t.streams.back());
    } else if (w[2] == "field") {
      uint64_t value;
      const Field *f = fieldNamed(w.size() > 3 ? w[3] : "");
      if (!f || w.size() < 5 || !number(w[4], value) || value > UINT32_MAX)
        return bad(i, "a bad field line");
      if (f->byte < t.bytes.size())
        setField(t.bytes, *f, uint32_t(value));
    } else if (w[2] == "unmapped") {
      uint64_t offset, value;
      if (w.size() < 5 || !number(w[3], offset) || !number(w[4], value) ||
          offset + 4 > t.bytes.size() || value > UINT32_MAX)
        return bad(i, "a bad unmapped line");
      for (int k = 0; k < 4; ++k)
        t.bytes[offset + k] |= uint8_t(value >> (8 * k));
    }
  }
  return tasks;
}
