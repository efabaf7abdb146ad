//===- Nesting.cpp - MLIR nested too deep for the recursive parser --------===//
#include "lib/Support/Nesting.h"
#include "lib/Support/InputFile.h"

#include "absl/strings/str_cat.h"
#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Bytecode/Encoding.h"
#include "mlir/IR/Block.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Operation.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/thread.h"

#include <utility>
#include <vector>

namespace {

absl::Status tooDeep(const std::string &where, unsigned maxDepth) {
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": nested deeper than ", maxDepth, " levels: not a program anec reads"));
}

/// Brackets of every kind in MLIR text, outside strings and comments.
absl::Status checkTextNesting(llvm::StringRef text, const std::string &name, unsigned maxDepth) {
  unsigned depth = 0, line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > maxDepth)
        return tooDeep(absl::StrCat(name, ":", line), maxDepth);
    } else if ((c == ')' || c == ']' || c == '}' || (c == '>' && (i == 0 || text[i - 1] != '-'))) &&
               depth > 0) {
      --depth;
    }
  }
  return absl::OkStatus();
}

/// Erases every op nested in `top`'s block, innermost first, with an
/// explicit stack: Operation::erase recurses per region.
void eraseWithoutRecursion(mlir::Block &top) {
  std::vector<mlir::Operation *> stack;
  for (mlir::Operation &op : llvm::reverse(top))
    stack.push_back(&op);
  while (!stack.empty()) {
    mlir::Operation *op = stack.back();
    bool hasNested = false;
    for (mlir::Region &region : op->getRegions())
      for (mlir::Block &block : region)
        for (mlir::Operation &inner : llvm::reverse(block)) {
          stack.push_back(&inner);
          hasNested = true;
        }
    if (hasNested)
      continue; // Its nested ops go first; it is met again once they are gone.
    stack.pop_back();
    op->dropAllUses();
    op->dropAllReferences();
    op->erase();
  }
}

/// A cursor over bytecode: MLIR's prefix varints and bounded reads.
struct ByteCursor {
  llvm::StringRef bytes;
  size_t pos = 0;

  bool varint(uint64_t &value) {
    if (pos >= bytes.size())
      return false;
    uint8_t first = bytes[pos];
    // The trailing zeros of the first byte count the bytes that follow.
    unsigned extra = first == 0 ? 8 : llvm::countr_zero(first);
    if (pos + 1 + extra > bytes.size())
      return false;
    if (extra == 8) {
      value = 0;
      for (unsigned i = 0; i < 8; ++i)
        value |= uint64_t(uint8_t(bytes[pos + 1 + i])) << (8 * i);
    } else {
      // The whole little-endian word, less the prefix bits.
      uint64_t word = 0;
      for (unsigned i = 0; i <= extra; ++i)
        word |= uint64_t(uint8_t(bytes[pos + i])) << (8 * i);
      value = word >> (extra + 1);
    }
    pos += 1 + extra;
    return true;
  }
  bool skip(uint64_t n) {
    if (n > bytes.size() - pos)
      return false;
    pos += n;
    return true;
  }
};

/// What the reader's recursion can reach in a bytecode file: the number of
/// attributes and types (a chain of custom-encoded entries, each naming the
/// next, is at most that long), and each entry kept as text measured as text.
/// Malformed files pass: the reader itself reports them.
absl::Status scanAttrTypeTable(llvm::StringRef bytes, const std::string &name,
                               unsigned maxDepth, uint64_t &entries) {
  entries = 0;
  ByteCursor c{bytes, 4};
  uint64_t version;
  if (!c.varint(version))
    return absl::OkStatus();
  size_t producerEnd = bytes.find('\0', c.pos);
  if (producerEnd == llvm::StringRef::npos)
    return absl::OkStatus();
  c.pos = producerEnd + 1;
  llvm::StringRef table, offsets;
  while (c.pos < bytes.size()) {
    uint8_t code = bytes[c.pos++];
    uint64_t length, alignment = 1;
    if (!c.varint(length))
      return absl::OkStatus();
    if (code & 0x80) {
      if (!c.varint(alignment) || alignment == 0 || alignment > 4096)
        return absl::OkStatus();
      while (c.pos < bytes.size() && uint8_t(bytes[c.pos]) == 0xCB && c.pos % alignment)
        ++c.pos;
    }
    size_t start = c.pos;
    if (!c.skip(length))
      return absl::OkStatus();
    if ((code & 0x7f) == mlir::bytecode::Section::kAttrType)
      table = bytes.substr(start, length);
    else if ((code & 0x7f) == mlir::bytecode::Section::kAttrTypeOffset)
      offsets = bytes.substr(start, length);
  }
  ByteCursor o{offsets};
  uint64_t numAttrs, numTypes;
  if (!o.varint(numAttrs) || !o.varint(numTypes))
    return absl::OkStatus();
  entries = numAttrs + numTypes;
  size_t at = 0;
  for (uint64_t seen = 0; seen < entries;) {
    uint64_t dialect, count;
    if (!o.varint(dialect) || !o.varint(count) || count == 0 || count > entries - seen)
      return absl::OkStatus();
    for (uint64_t i = 0; i < count; ++i, ++seen) {
      uint64_t encoding;
      if (!o.varint(encoding) || (encoding >> 1) > table.size() - at)
        return absl::OkStatus();
      uint64_t size = encoding >> 1;
      // Entries without a custom encoding are assembly text, read by the
      // (recursive) text parser.
      if (!(encoding & 1))
        if (absl::Status s = checkTextNesting(table.substr(at, size),
                                              absl::StrCat(name, " (MLIR bytecode, attribute or type ",
                                                           seen, ")"),
                                              maxDepth);
            !s.ok())
          return s;
      at += size;
    }
  }
  return absl::OkStatus();
}

/// Nesting of an attribute or type through its sub-elements, without
/// recursion; shared sub-elements are measured once.
unsigned attrTypeDepth(const void *root, bool isType,
                       llvm::DenseMap<const void *, unsigned> &depthOf, unsigned maxDepth) {
  struct Item {
    const void *ptr;
    bool isType;
    bool expanded;
  };
  std::vector<Item> stack{{root, isType, false}};
  while (!stack.empty()) {
    Item item = stack.back();
    if (depthOf.count(item.ptr)) {
      stack.pop_back();
      continue;
    }
    llvm::SmallVector<Item, 4> children;
    auto onAttr = [&](mlir::Attribute a) { children.push_back({a.getAsOpaquePointer(), false, false}); };
    auto onType = [&](mlir::Type t) { children.push_back({t.getAsOpaquePointer(), true, false}); };
    if (item.isType)
      mlir::Type::getFromOpaquePointer(item.ptr).walkImmediateSubElements(onAttr, onType);
    else
      mlir::Attribute::getFromOpaquePointer(item.ptr).walkImmediateSubElements(onAttr, onType);
    if (!item.expanded) {
      stack.back().expanded = true;
      for (Item &child : children)
        if (!depthOf.count(child.ptr))
          stack.push_back(child);
      // A chain longer than the limit is already known to be too deep.
      if (stack.size() > size_t(maxDepth) + 2)
        return maxDepth + 1;
      continue;
    }
    unsigned depth = 1;
    for (Item &child : children)
      depth = std::max(depth, depthOf.lookup(child.ptr) + 1);
    depthOf[item.ptr] = depth;
    stack.pop_back();
  }
  return depthOf.lookup(root);
}

/// Op, attribute and type nesting of MLIR bytecode, measured without the
/// recursive verifier, printer and destructor.
absl::Status checkBytecodeNesting(llvm::StringRef bytes, const std::string &name,
                                  const mlir::DialectRegistry &registry, unsigned maxDepth) {
  uint64_t entries = 0;
  if (absl::Status s = scanAttrTypeTable(bytes, name, maxDepth, entries); !s.ok())
    return s;
  // The reader resolves an attribute's sub-attributes recursively (about a
  // kilobyte of stack each), so it runs on a stack sized for the longest
  // chain the table can hold.
  constexpr uint64_t kMaxEntries = 200000, kStackPerEntry = 2048;
  if (entries > kMaxEntries)
    return absl::InvalidArgumentError(absl::StrCat(
        name, " (MLIR bytecode): ", entries, " attributes and types, more than the ", kMaxEntries,
        " anec reads"));
  absl::Status result = absl::OkStatus();
  auto measure = [&] {
    mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
    // Errors are the real parse's to report; this pass only measures.
    mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
    mlir::Block top;
    mlir::ParserConfig config(&ctx, /*verifyAfterParse=*/false);
    if (mlir::failed(mlir::readBytecodeFile(llvm::MemoryBufferRef(bytes, name), &top, config))) {
      eraseWithoutRecursion(top);
      return;
    }
    unsigned deepestOp = 0, deepestAttr = 0;
    llvm::DenseMap<const void *, unsigned> depthOf;
    auto noteAttr = [&](mlir::Attribute a) {
      if (a)
        deepestAttr = std::max(deepestAttr, attrTypeDepth(a.getAsOpaquePointer(), false, depthOf, maxDepth));
    };
    auto noteType = [&](mlir::Type t) {
      deepestAttr = std::max(deepestAttr, attrTypeDepth(t.getAsOpaquePointer(), true, depthOf, maxDepth));
    };
    std::vector<std::pair<mlir::Operation *, unsigned>> stack;
    for (mlir::Operation &op : top)
      stack.push_back({&op, 1});
    while (!stack.empty() && deepestOp <= maxDepth && deepestAttr <= maxDepth) {
      auto [op, depth] = stack.back();
      stack.pop_back();
      deepestOp = std::max(deepestOp, depth);
      noteAttr(op->getRawDictionaryAttrs());
      noteAttr(op->getPropertiesAsAttribute());
      noteAttr(op->getLoc());
      for (mlir::Type t : op->getResultTypes())
        noteType(t);
      for (mlir::Region &region : op->getRegions())
        for (mlir::Block &block : region) {
          for (mlir::BlockArgument arg : block.getArguments()) {
            noteType(arg.getType());
            noteAttr(arg.getLoc());
          }
          for (mlir::Operation &inner : block)
            stack.push_back({&inner, depth + 1});
        }
    }
    eraseWithoutRecursion(top);
    if (deepestOp > maxDepth)
      result = tooDeep(absl::StrCat(name, " (MLIR bytecode, operations)"), maxDepth);
    else if (deepestAttr > maxDepth)
      result = tooDeep(absl::StrCat(name, " (MLIR bytecode, attributes and types)"), maxDepth);
  };
  llvm::thread reader(std::optional<unsigned>((16u << 20) + entries * kStackPerEntry), measure);
  reader.join();
  return result;
}

} // namespace

absl::Status anec::checkMlirNesting(llvm::StringRef text, const std::string &name,
                                    const mlir::DialectRegistry &registry, unsigned maxDepth) {
  if (mlir::isBytecode(llvm::MemoryBufferRef(text, name)))
    return checkBytecodeNesting(text, name, registry, maxDepth);
  return checkTextNesting(text, name, maxDepth);
}

absl::Status anec::checkMlirFileNesting(const std::string &path,
                                        const mlir::DialectRegistry &registry,
                                        unsigned maxDepth) {
  // /dev/zero or a pipe would be read without end.
  if (path != "-")
    if (absl::Status s = requireRegularFile(path); !s.ok())
      return s;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/false);
  if (!buffer)
    return absl::OkStatus();
  return checkMlirNesting((*buffer)->getBuffer(), path, registry, maxDepth);
}
