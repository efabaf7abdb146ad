//===- Chunking.cpp - split a program so no weight file exceeds a limit ---===//
//
// iOS loads weight files up to about 1 GB (coreml-format.md §1), so large
// models ship as several packages run one after another. The cut points are
// chosen on the first function by walking its ops and starting a new chunk
// when the next op's weights would overflow the budget; every function is
// cut at the same weights, so prefill and decode chunk alike.
//
//===----------------------------------------------------------------------===//
#include "lib/Export/Chunking.h"
#include "lib/Export/Interface.h"
#include "lib/Support/AtomicFile.h"
#include "lib/Export/MilBlobWriter.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

using namespace mlir;
using namespace anec;
using namespace anec::exporter;
using namespace anec::mil;

namespace {

/// Bytes a constant takes in the weight file (0 when written inline).
uint64_t writtenBytes(ConstOp c) {
  auto type = c.getType();
  Type element = type.getElementType();
  // Weights cast to fp16 are written as fp16.
  if (!c->use_empty() && llvm::all_of(c->getUsers(), [](Operation *u) {
        return isa<CastOp>(u) && cast<CastOp>(u).getType().getElementType().isF16();
      }))
    element = Float16Type::get(c.getContext());
  if (type.getNumElements() < 10 && !isa<DenseResourceElementsAttr>(c.getVal()))
    return 0;
  return (type.getNumElements() * element.getIntOrFloatBitWidth() + 7) / 8;
}

/// The weights (by attribute) an op reads, through consts and casts.
void weightsOf(Operation *op, SmallVectorImpl<std::pair<WeightIdentity, uint64_t>> &out) {
  for (Value v : op->getOperands()) {
    Operation *def = v.getDefiningOp();
    if (auto cast = dyn_cast_or_null<CastOp>(def))
      def = cast.getX().getDefiningOp();
    if (auto c = dyn_cast_or_null<ConstOp>(def))
      if (uint64_t bytes = writtenBytes(c))
        out.push_back({weightIdentity(c.getVal()), bytes});
  }
}

bool rematerializable(Operation *op) {
  if (isa<ConstOp>(op))
    return true;
  if (auto cast = dyn_cast<CastOp>(op))
    return cast.getX().getDefiningOp<ConstOp>() != nullptr;
  return false;
}

std::string valueName(Value v, int index) {
  std::string base = "chunk_value";
  if (Operation *def = v.getDefiningOp())
    if (auto n = dyn_cast<NameLoc>(def->getLoc()))
      base = n.getName().str();
  for (char &c : base)
    if (!isalnum((unsigned char)c) && c != '_')
      c = '_';
  return absl::StrCat("link_", index, "_", base);
}

} // namespace

absl::StatusOr<std::vector<Chunk>> anec::exporter::splitIntoChunks(ModuleOp module,
                                                                   uint64_t maxBytes) {
  SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
  if (functions.empty())
    return absl::InvalidArgumentError("the module has no function to split");
  // 1. Cut points on the first function. A chunk's file holds every weight
  // its ops read (a weight read again later, like a tied LM head, is
  // written again), plus the file's per-blob overhead. A cut is recorded
  // as the (weight, n-th use) that starts the new chunk, so every function
  // is cut at the same place.
  constexpr uint64_t kHeader = 64, kPerBlob = 128; // metadata + alignment
  using Trigger = std::pair<WeightIdentity, int>;
  std::vector<Trigger> cuts; // cuts[k-1] starts chunk k
  int chunks = 1;
  uint64_t budget = kHeader;
  absl::flat_hash_set<WeightIdentity> inChunk;
  absl::flat_hash_map<WeightIdentity, int> uses;
  for (Operation &op : functions.front().getBody().front()) {
    if (rematerializable(&op))
      continue;
    SmallVector<std::pair<WeightIdentity, uint64_t>> weights;
    weightsOf(&op, weights);
    uint64_t added = 0;
    for (auto &[w, bytes] : weights) {
      if (bytes + kPerBlob + kHeader > maxBytes)
        return absl::InvalidArgumentError(absl::StrCat(
            "a weight of ", bytes, " bytes alone exceeds the file size limit of ", maxBytes));
      if (!inChunk.contains(w))
        added += bytes + kPerBlob;
    }
    if (added && budget + added > maxBytes) {
      ++chunks;
      budget = kHeader;
      inChunk.clear();
      cuts.push_back({weights.front().first, uses[weights.front().first]});
    }
    for (auto &[w, bytes] : weights) {
      if (inChunk.insert(w).second)
        budget += bytes + kPerBlob;
      ++uses[w];
    }
  }
  std::vector<Chunk> result(chunks);
  OpBuilder b(module.getContext());
  for (Chunk &c : result)
    c.module = ModuleOp::create(module.getLoc());

  for (func::FuncOp fn : functions) {
    // 2. Each op's chunk: a cursor that moves forward at the cut points.
    absl::flat_hash_map<Operation *, int> opChunk;
    absl::flat_hash_map<WeightIdentity, int> fnUses;
    int cursor = 0;
    Block &body = fn.getBody().front();
    for (Operation &op : body.without_terminator()) {
      if (rematerializable(&op))
        continue;
      SmallVector<std::pair<WeightIdentity, uint64_t>> weights;
      weightsOf(&op, weights);
      for (auto &[w, bytes] : weights) {
        for (auto [k, cut] : llvm::enumerate(cuts))
          if (cut.first == w && cut.second == fnUses[w])
            cursor = std::max(cursor, (int)k + 1);
        ++fnUses[w];
      }
      opChunk[&op] = cursor;
    }
    auto chunkOf = [&](Value v) -> int {
      Operation *def = v.getDefiningOp();
      if (!def || rematerializable(def))
        return -1; // arguments and constants are available everywhere
      return opChunk[def];
    };
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    // Values each chunk needs from outside it, and values it must export.
    std::vector<SmallVector<Value>> imports(chunks), exports(chunks);
    std::vector<absl::flat_hash_set<const void *>> imported(chunks), exported(chunks);
    auto need = [&](int k, Value v) {
      int from = chunkOf(v);
      bool arg = isa<BlockArgument>(v);
      if ((from >= 0 && from != k) || arg) {
        if (imported[k].insert(v.getAsOpaquePointer()).second)
          imports[k].push_back(v);
        if (from >= 0 && exported[from].insert(v.getAsOpaquePointer()).second)
          exports[from].push_back(v);
      }
    };
    for (Operation &op : body.without_terminator())
      if (!rematerializable(&op))
        for (Value v : op.getOperands())
          need(opChunk[&op], v);
    // The function's results come from the chunk that computes them; results
    // that are arguments or constants come from the last chunk.
    SmallVector<int> resultChunk;
    for (Value v : ret.getOperands()) {
      int from = chunkOf(v);
      int k = from >= 0 ? from : chunks - 1;
      resultChunk.push_back(k);
      if (from < 0 || isa<BlockArgument>(v))
        need(k, v);
    }
    // Names shared by the producer's output and the consumer's input.
    absl::flat_hash_map<const void *, std::string> names;
    int counter = 0;
    for (int k = 0; k < chunks; ++k)
      for (Value v : exports[k])
        names[v.getAsOpaquePointer()] = valueName(v, counter++);

    // 3. Build each chunk's function.
    for (int k = 0; k < chunks; ++k) {
      SmallVector<Type> inTypes, outTypes;
      for (Value v : imports[k])
        inTypes.push_back(v.getType());
      SmallVector<Value> outs;
      SmallVector<std::string> outNames;
      for (Value v : exports[k]) {
        outs.push_back(v);
        outNames.push_back(names[v.getAsOpaquePointer()]);
      }
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        if (resultChunk[i] == k) {
          outs.push_back(v);
          auto n = fn.getResultAttrOfType<StringAttr>(i, "mil.name");
          outNames.push_back(n ? n.str() : absl::StrCat("output_", i));
        }
      for (Value v : outs)
        outTypes.push_back(v.getType());
      b.setInsertionPointToEnd(result[k].module->getBody());
      auto f = b.create<func::FuncOp>(fn.getLoc(), fn.getSymName(),
                                      b.getFunctionType(inTypes, outTypes));
      Block *entry = f.addEntryBlock();
      IRMapping map;
      for (auto [i, v] : llvm::enumerate(imports[k])) {
        map.map(v, entry->getArgument(i));
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          for (NamedAttribute a : mlir::function_interface_impl::getArgAttrs(
                   fn, arg.getArgNumber()))
            f.setArgAttr(i, a.getName(), a.getValue());
        } else {
          f.setArgAttr(i, "mil.name", b.getStringAttr(names[v.getAsOpaquePointer()]));
        }
      }
      for (auto [i, n] : llvm::enumerate(outNames))
        f.setResultAttr(i, "mil.name", b.getStringAttr(n));
      b.setInsertionPointToStart(entry);
      // Constants (and weight casts) are cloned where they are used.
      for (Operation &op : body.without_terminator()) {
        bool here;
        if (rematerializable(&op)) {
          here = llvm::any_of(op.getUsers(), [&](Operation *u) {
            if (isa<func::ReturnOp>(u))
              return llvm::any_of(llvm::enumerate(ret.getOperands()), [&](auto p) {
                return p.value().getDefiningOp() == &op && resultChunk[p.index()] == k;
              });
            if (rematerializable(u))
              return llvm::any_of(u->getUsers(), [&](Operation *uu) {
                return !rematerializable(uu) && !isa<func::ReturnOp>(uu) && opChunk[uu] == k;
              });
            return opChunk[u] == k;
          });
        } else {
          here = opChunk[&op] == k;
        }
        if (here)
          b.clone(op, map);
      }
      SmallVector<Value> mapped;
      for (Value v : outs)
        mapped.push_back(map.lookupOrNull(v));
      if (llvm::is_contained(mapped, Value()))
        return absl::InternalError("chunking lost a value (a bug in anec)");
      b.create<func::ReturnOp>(ret.getLoc(), mapped);
    }
  }
  // Each chunk's distinct weights and the bytes of its weight file (a
  // weight shared by its functions is written once).
  for (Chunk &c : result) {
    absl::flat_hash_set<WeightIdentity> seen;
    for (auto fn : c.module->getOps<func::FuncOp>())
      for (auto cst : fn.getOps<ConstOp>()) {
        WeightIdentity id = weightIdentity(cst.getVal());
        if (!seen.insert(id).second)
          continue;
        uint64_t bytes = writtenBytes(cst);
        c.weightBytes += bytes;
        if (bytes)
          c.weights.push_back({id, cst, bytes});
      }
  }
  return result;
}

/// A weight's name for reports: its blob's key, or the name in its location.
static std::string weightName(ConstOp c) {
  if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal()))
    return res.getRawHandle().getKey().str();
  std::string name;
  c.getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      name = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name.empty() ? "(unnamed)" : name;
}

std::vector<anec::exporter::RepeatedWeight>
anec::exporter::repeatedWeights(const std::vector<Chunk> &chunks) {
  struct Seen {
    RepeatedWeight weight;
    size_t order;
  };
  // The chunks' weights were identified when they were split.
  absl::flat_hash_map<WeightIdentity, Seen> byWeight;
  for (size_t k = 0; k < chunks.size(); ++k)
    for (const Chunk::StoredWeight &w : chunks[k].weights) {
      auto [it, first] = byWeight.try_emplace(w.identity);
      Seen &seen = it->second;
      if (first) {
        seen.order = byWeight.size();
        seen.weight.bytes = w.bytes;
        seen.weight.name = weightName(cast<ConstOp>(w.constant));
      }
      seen.weight.chunks.push_back(int(k + 1));
    }
  std::vector<Seen> repeated;
  for (auto &[id, seen] : byWeight)
    if (seen.weight.chunks.size() > 1)
      repeated.push_back(std::move(seen));
  std::sort(repeated.begin(), repeated.end(), [](const Seen &a, const Seen &b) {
    return a.weight.bytes != b.weight.bytes ? a.weight.bytes > b.weight.bytes : a.order < b.order;
  });
  std::vector<RepeatedWeight> out;
  for (Seen &s : repeated)
    out.push_back(std::move(s.weight));
  return out;
}

/// Names as the exported program spells them (MIL identifiers).
static std::string milIdentifier(llvm::StringRef name) {
  std::string s = name.str();
  for (char &c : s)
    if (!isalnum((unsigned char)c) && c != '_')
      c = '_';
  return s;
}

std::string anec::exporter::chunkManifest(const std::vector<Chunk> &chunks,
                                          const std::vector<std::string> &packageNames,
                                          const std::vector<RepeatedWeight> &repeatedList) {
  llvm::json::Array list;
  for (size_t k = 0; k < chunks.size(); ++k) {
    const Chunk &chunk = chunks[k];
    llvm::json::Object functions;
    ModuleOp m = const_cast<Chunk &>(chunk).module.get();
    for (auto fn : m.getOps<func::FuncOp>()) {
      llvm::json::Array inputs, outputs, states;
      for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
        if (auto s = fn.getArgAttrOfType<StringAttr>(i, "mil.state_name"))
          states.push_back(milIdentifier(s.getValue()));
        else if (auto n = fn.getArgAttrOfType<StringAttr>(i, "mil.name"))
          inputs.push_back(milIdentifier(n.getValue()));
        else
          inputs.push_back(absl::StrCat("input_", i));
      }
      for (unsigned i = 0; i < fn.getNumResults(); ++i) {
        auto n = fn.getResultAttrOfType<StringAttr>(i, "mil.name");
        outputs.push_back(n ? milIdentifier(n.getValue()) : absl::StrCat("output_", i));
      }
      functions[fn.getSymName()] = llvm::json::Object{
          {"inputs", std::move(inputs)}, {"outputs", std::move(outputs)},
          {"states", std::move(states)}};
    }
    list.push_back(llvm::json::Object{{"package", packageNames[k]},
                                      {"weight_bytes", (int64_t)chunk.weightBytes},
                                      {"functions", std::move(functions)}});
  }
  // Weights stored by several chunks, with the bytes each extra copy costs.
  llvm::json::Array repeated;
  for (const RepeatedWeight &w : repeatedList) {
    llvm::json::Array in;
    for (int k : w.chunks)
      in.push_back(k);
    repeated.push_back(llvm::json::Object{{"name", w.name},
                                          {"bytes", (int64_t)w.bytes},
                                          {"chunks", std::move(in)},
                                          {"extra_bytes", (int64_t)(w.bytes * (w.chunks.size() - 1))}});
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                   {"format", "anec chunks 1"},
                                   {"order", "run the chunks in order; each output feeds the "
                                             "input of the same name in a later chunk"},
                                   {"chunks", std::move(list)},
                                   {"repeated_weights", std::move(repeated)}}))
     << "\n";
  return text;
}

absl::StatusOr<anec::exporter::ChunkedOutput> anec::exporter::writeChunked(
    ModuleOp module, const std::string &output, uint64_t maxBytes,
    llvm::function_ref<absl::Status(ModuleOp, const std::string &)> write) {
  auto chunks = splitIntoChunks(module, maxBytes);
  if (!chunks.ok())
    return chunks.status();
  if (chunks->size() == 1) {
    if (absl::Status s = write(module, output); !s.ok())
      return s;
    return ChunkedOutput{{output}, {}};
  }
  llvm::StringRef out(output);
  llvm::StringRef ext = llvm::sys::path::extension(out);
  std::string stem = out.drop_back(ext.size()).str();
  std::vector<std::string> written, names;
  for (size_t k = 0; k < chunks->size(); ++k)
    names.push_back(llvm::sys::path::filename(absl::StrCat(stem, "_", k + 1, ext.str())).str());
  std::vector<RepeatedWeight> repeated = repeatedWeights(*chunks);
  // Each chunk says where it stands (lib/Export/Interface.h).
  std::string order = "[";
  for (size_t k = 0; k < names.size(); ++k)
    order += absl::StrCat(k ? ", " : "", "\"", names[k], "\"");
  order += "]";
  for (size_t k = 0; k < chunks->size(); ++k) {
    ModuleOp chunk = *(*chunks)[k].module;
    if (Attribute keys = module->getAttr(kInterfaceAttrName))
      chunk->setAttr(kInterfaceAttrName, keys);
    setInterfaceKey(chunk, "anec.chunk_index", std::to_string(k + 1));
    setInterfaceKey(chunk, "anec.chunk_count", std::to_string(chunks->size()));
    setInterfaceKey(chunk, "anec.chunk_order", order);
  }
  for (size_t k = 0; k < chunks->size(); ++k) {
    std::string path = absl::StrCat(stem, "_", k + 1, ext.str());
    if (absl::Status s = write(*(*chunks)[k].module, path); !s.ok())
      return absl::Status(s.code(), absl::StrCat("chunk ", k + 1, ": ", s.message()));
    written.push_back(path);
  }
  std::string manifest = stem + ".chunks.json";
  if (absl::Status s = writeFileAtomically(manifest, chunkManifest(*chunks, names, repeated),
                                           "chunk manifest");
      !s.ok())
    return s;
  written.push_back(manifest);
  return ChunkedOutput{std::move(written), std::move(repeated)};
}
