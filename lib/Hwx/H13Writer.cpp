//===- H13Writer.cpp - an H13 program binary from hwx tasks ---------------===//
#include "lib/Hwx/H13Writer.h"

#include "dialects/Hwx/HwxDialect.h"
#include "lib/Hwx/H13Tasks.h"
#include "lib/Hwx/HwxFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/SHA256.h"

#include "absl/strings/str_cat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

using namespace mlir;
using namespace anec::hwx;

namespace {

constexpr uint64_t kPage = 0x4000, kBase = 0x30000000;

uint64_t roundUp(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

void put32(std::vector<uint8_t> &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(uint8_t(v >> (8 * i)));
}

/// The task's registers, read back from its attributes.
absl::StatusOr<TaskRegisters> registersOf(TaskOp task) {
  TaskRegisters r;
  for (NamedAttribute f : task.getFields()) {
    auto v = dyn_cast<IntegerAttr>(f.getValue());
    if (!v || v.getInt() < 0 || v.getInt() > UINT32_MAX)
      return absl::InvalidArgumentError(absl::StrCat("field ", f.getName().str(),
                                                     " is not a 32-bit value"));
    r.fields[f.getName().str()] = uint32_t(v.getInt());
  }
  for (NamedAttribute u : task.getUnmapped()) {
    auto v = dyn_cast<IntegerAttr>(u.getValue());
    uint32_t offset;
    if (!v || u.getName().getValue().getAsInteger(10, offset))
      return absl::InvalidArgumentError("an unmapped word that is not offset = value");
    r.unmapped[offset] = uint32_t(v.getInt());
  }
  if (auto k = task.getKernel()) {
    auto resource = dyn_cast<DenseResourceElementsAttr>(*k);
    AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
    if (!blob)
      return absl::InvalidArgumentError("a kernel that is not a resource of bytes");
    ArrayRef<char> data = blob->getData();
    r.kernel.assign(data.begin(), data.end());
  }
  return r;
}

struct Buffer {
  std::string name;
  int64_t bytes;
  bool output;
};

} // namespace

absl::StatusOr<std::vector<uint8_t>> anec::hwx::writeH13Program(ModuleOp module,
                                                                const std::string &source) {
  auto fns = llvm::to_vector(module.getOps<func::FuncOp>());
  if (fns.size() != 1)
    return absl::InvalidArgumentError(
        absl::StrCat("an H13 program is one function; the module has ", fns.size()));
  func::FuncOp fn = fns.front();
  SmallVector<TaskOp> tasks;
  for (Operation &op : fn.getBody().front()) {
    if (auto t = dyn_cast<TaskOp>(op))
      tasks.push_back(t);
    else if (!isa<func::ReturnOp>(op))
      return absl::InvalidArgumentError(absl::StrCat("'", op.getName().getStringRef().str(),
                                                     "' is not an H13 task"));
  }
  if (tasks.size() != 1)
    return absl::UnimplementedError(absl::StrCat(
        tasks.size(), " tasks: a program of more than one task (intermediate buffers, task "
                      "chaining) has not been matched against Apple's binaries; one task is "
                      "written"));
  TaskOp task = tasks.front();
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  if (task.getInputs().size() != 1 || !isa<BlockArgument>(task.getInputs()[0]) ||
      ret.getNumOperands() != 1 || ret.getOperand(0) != task.getOutput())
    return absl::UnimplementedError("the task must read the function's input and make its output");

  auto regs = registersOf(task);
  if (!regs.ok())
    return regs.status();
  auto taskBytes = encodeTask(*regs);
  if (!taskBytes.ok())
    return taskBytes.status();

  // Buffers: the input, then the output, named as the function names them.
  auto name = [&](DictionaryAttr attrs, const char *fallback) {
    auto n = attrs ? attrs.getAs<StringAttr>("mil.name") : StringAttr();
    return n ? n.str() : std::string(fallback);
  };
  auto bytesOf = [](Type t) {
    auto s = cast<RankedTensorType>(t).getShape();
    return bufferBytes(s[1], s[2], s[3]);
  };
  std::vector<Buffer> buffers = {
      {name(fn.getArgAttrDict(0), "input"), bytesOf(fn.getArgumentTypes()[0]), false},
      {name(fn.getResultAttrDict(0), "output") + "@output", bytesOf(fn.getResultTypes()[0]), true}};

  // __TEXT: the tasks, then the kernels 64-byte aligned (a zero page when
  // the task reads none, as Apple's files have).
  std::vector<uint8_t> kernel = regs->kernel;
  bool hasKernel = !kernel.empty();
  if (!hasKernel)
    kernel.assign(kPage, 0);
  uint64_t textSize = taskBytes->size();
  uint64_t constAddr = roundUp(kBase + textSize, 64);
  uint64_t textSegSize = roundUp(constAddr + kernel.size() - kBase, kPage);
  std::vector<uint64_t> bufferAddr;
  uint64_t next = kBase + textSegSize;
  for (const Buffer &b : buffers) {
    bufferAddr.push_back(next);
    next += roundUp(std::max<int64_t>(b.bytes, 1), kPage);
  }

  HwxFile f;
  f.magic = kHwxMagic;
  f.cpuType = 128;
  f.cpuSubtype = 4;
  f.fileType = 2;
  f.flags = 0x200000;
  auto segment = [&](Segment s) {
    f.segments.push_back(std::move(s));
    LoadCommand c;
    c.cmd = 0x19;
    c.segment = int(f.segments.size()) - 1;
    f.commands.push_back(std::move(c));
  };
  Segment zero;
  zero.name = "__PAGEZERO";
  zero.vmSize = kPage;
  zero.flags = 0x4;
  segment(zero);
  Segment text;
  text.name = "__TEXT";
  text.vmAddress = kBase;
  text.vmSize = textSegSize;
  text.fileOffset = kPage;
  text.fileSize = textSegSize;
  text.maxProt = text.initProt = 5;
  Section code;
  code.segment = "__TEXT";
  code.name = "__text";
  code.address = kBase;
  code.size = textSize;
  code.offset = uint32_t(kPage);
  code.align = 14;
  code.flags = hasKernel ? 0x128 : 0x28; // as Apple's: 0x100 with a kernel
  Section consts;
  consts.segment = "__TEXT";
  consts.name = "__const";
  consts.address = constAddr;
  consts.size = kernel.size();
  consts.offset = uint32_t(kPage + (constAddr - kBase));
  consts.align = 6;
  consts.flags = 0x26;
  text.sections = {code, consts};
  segment(text);
  for (auto [i, b] : llvm::enumerate(buffers)) {
    Segment s;
    s.name = "__FVMLIB";
    s.vmAddress = bufferAddr[i];
    s.vmSize = roundUp(std::max<int64_t>(b.bytes, 1), kPage);
    s.maxProt = s.initProt = b.output ? 2 : 1;
    s.flags = 0x6;
    Section x;
    x.segment = "__FVMLIB";
    x.name = b.output ? "__data" : "__const";
    x.address = bufferAddr[i];
    x.size = uint64_t(b.bytes);
    x.align = 14;
    x.flags = b.output ? 0x23 : 0x21;
    s.sections = {x};
    segment(s);
  }
  for (auto [i, b] : llvm::enumerate(buffers)) {
    LoadCommand c;
    c.cmd = 0x6; // LC_LOADFVMLIB: name offset, minor version, header address, name
    put32(c.payload, 20);
    put32(c.payload, 0);
    put32(c.payload, uint32_t(bufferAddr[i]));
    c.payload.insert(c.payload.end(), b.name.begin(), b.name.end());
    c.payload.push_back(0);
    while ((c.payload.size() + 8) % 8)
      c.payload.push_back(0);
    f.commands.push_back(std::move(c));
  }
  {
    LoadCommand c;
    c.cmd = 0x8; // LC_IDENT
    std::string ident = absl::StrCat("ANEC v1\nanec ", ANEC_VERSION_STRING, "\n\t-t h13\n\t-i ",
                                     source, "\n");
    c.payload.assign(ident.begin(), ident.end());
    c.payload.push_back(0);
    while ((c.payload.size() + 8) % 8)
      c.payload.push_back(0);
    f.commands.push_back(std::move(c));
  }
  // Symbols: the kernel (named by its SHA-256, as Apple's are named by a
  // hash) and the buffers.
  std::vector<std::pair<std::string, std::array<uint64_t, 3>>> symbols; // name, {sect, desc, value}
  if (hasKernel) {
    std::string hash;
    for (uint8_t b : llvm::SHA256::hash(kernel))
      hash += fmt::format("{:02X}", b);
    symbols.push_back({"K" + hash + "_ne_0", {2, 2, constAddr}});
  }
  for (auto [i, b] : llvm::enumerate(buffers))
    symbols.push_back({b.name, {3 + i, b.output ? 0u : 2u, bufferAddr[i]}});
  std::vector<uint8_t> strings = {0};
  std::vector<uint8_t> table;
  for (auto &[n, v] : symbols) {
    put32(table, uint32_t(strings.size()));
    table.push_back(0xf); // N_SECT | N_EXT
    table.push_back(uint8_t(v[0]));
    table.push_back(uint8_t(v[1]));
    table.push_back(0);
    put32(table, uint32_t(v[2]));
    put32(table, uint32_t(v[2] >> 32));
    strings.insert(strings.end(), n.begin(), n.end());
    strings.push_back(0);
  }
  // Commands' size: everything so far plus the 24-byte symtab command.
  uint32_t commandBytes = 24;
  for (const LoadCommand &c : f.commands)
    commandBytes += c.segment >= 0 ? 72 + 80 * uint32_t(f.segments[c.segment].sections.size())
                                   : 8 + uint32_t(c.payload.size());
  uint32_t symoff = 32 + commandBytes, stroff = symoff + uint32_t(table.size());
  while (strings.size() % 8)
    strings.push_back(0);
  if (stroff + strings.size() > kPage)
    return absl::InternalError("the load commands and symbols do not fit the first page");
  {
    LoadCommand c;
    c.cmd = 0x2;
    put32(c.payload, symoff);
    put32(c.payload, uint32_t(symbols.size()));
    put32(c.payload, stroff);
    put32(c.payload, uint32_t(strings.size()));
    f.commands.push_back(std::move(c));
  }
  f.data.assign(kPage + textSegSize, 0);
  std::copy(table.begin(), table.end(), f.data.begin() + symoff);
  std::copy(strings.begin(), strings.end(), f.data.begin() + stroff);
  std::copy(kernel.begin(), kernel.end(), f.data.begin() + consts.offset);
  Task t;
  t.offset = 0;
  t.bytes = std::move(*taskBytes);
  f.tasks.push_back(std::move(t));
  return writeHwx(f);
}
