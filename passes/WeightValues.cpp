//===- WeightValues.cpp - a constant weight's values as floats ------------===//
//
// Shared by the weight-compression passes, which read every weight they
// compress in full.
//
//===----------------------------------------------------------------------===//
#include "llvm/ADT/SmallPtrSet.h"
#include "passes/WeightValues.h"
#include "dialects/Mil/MilDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "lib/Compression/Palettize.h"
#include "lib/Support/MappedFiles.h"
#include "mlir/IR/Threading.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <cstring>

using namespace mlir;
using anec::bf16ToFloat;
using anec::floatToHalf;
using anec::halfToFloat;

bool anec::readWeightValues(ElementsAttr attr, std::vector<float> &out, bool roundToHalf,
                            MLIRContext *parallelOn) {
  auto type = cast<ShapedType>(attr.getType());
  Type e = type.getElementType();
  int64_t n = type.getNumElements();
  out.resize(n);
  auto finish = [&] {
    if (roundToHalf)
      for (float &v : out)
        v = halfToFloat(floatToHalf(v));
    return true;
  };
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    int64_t k = 0;
    for (APFloat v : dense.getValues<APFloat>())
      out[k++] = (float)v.convertToDouble();
    if (dense.isSplat())
      std::fill(out.begin(), out.end(), out[0]);
    return finish();
  }
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob = res ? res.getRawHandle().getBlob() : nullptr;
  if (!blob || !(e.isF16() || e.isBF16() || e.isF32()))
    return false;
  ArrayRef<char> d = blob->getData();
  if ((int64_t)d.size() < n * (e.isF32() ? 4 : 2))
    return false;
  // One loop per storage type (the type is not asked per element), over
  // chunks of 1M values, in parallel when a context is given.
  const int64_t chunk = 1 << 20;
  bool f16 = e.isF16(), bf16 = e.isBF16();
  auto convert = [&](size_t c) {
    int64_t begin = (int64_t)c * chunk, end = std::min<int64_t>(n, begin + chunk);
    if (f16) {
      for (int64_t k = begin; k < end; ++k) {
        uint16_t h;
        memcpy(&h, d.data() + 2 * k, 2);
        out[k] = halfToFloat(h);
      }
    } else if (bf16) {
      for (int64_t k = begin; k < end; ++k) {
        uint16_t b;
        memcpy(&b, d.data() + 2 * k, 2);
        out[k] = bf16ToFloat(b);
      }
    } else {
      memcpy(out.data() + begin, d.data() + 4 * begin, 4 * (end - begin));
    }
  };
  size_t chunks = (n + chunk - 1) / chunk;
  if (parallelOn)
    parallelFor(parallelOn, 0, chunks, convert);
  else
    for (size_t c = 0; c < chunks; ++c)
      convert(c);
  return finish();
}

llvm::SmallVector<Value> anec::collectWeights(Operation *fn, bool embeddings) {
  using namespace anec::mil;
  llvm::SmallVector<Value> weights;
  fn->walk([&](Operation *op) {
    Value w;
    if (auto c = dyn_cast<ConvOp>(op))
      w = c.getWeight();
    else if (auto l = dyn_cast<LinearOp>(op))
      w = l.getWeight();
    else if (auto g = dyn_cast<GatherOp>(op); embeddings && g && g.getAxis() == 0)
      w = g.getX(); // an embedding table: rows are tokens
    if (w && !llvm::is_contained(weights, w))
      weights.push_back(w);
  });
  return weights;
}

bool anec::readWeightHalfBits(MLIRContext *ctx, ElementsAttr attr, std::vector<uint16_t> &out) {
  auto type = cast<ShapedType>(attr.getType());
  Type e = type.getElementType();
  int64_t n = type.getNumElements();
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob = res ? res.getRawHandle().getBlob() : nullptr;
  if (!blob || !(e.isF16() || e.isBF16() || e.isF32())) {
    // Small inline constants: through floats.
    std::vector<float> values;
    if (!readWeightValues(attr, values, /*roundToHalf=*/false))
      return false;
    out.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = compression::floatToHalf(values[i]);
    return true;
  }
  ArrayRef<char> d = blob->getData();
  if ((int64_t)d.size() < n * (e.isF32() ? 4 : 2))
    return false;
  out.resize(n);
  if (e.isF16()) {
    std::memcpy(out.data(), d.data(), 2 * n);
    return true;
  }
  // Chunks of 1M values convert in parallel.
  const int64_t chunk = 1 << 20;
  bool bf16 = e.isBF16(); // asked once, not per element
  parallelFor(ctx, 0, (n + chunk - 1) / chunk, [&](size_t c) {
    int64_t begin = (int64_t)c * chunk, end = std::min<int64_t>(n, begin + chunk);
    if (bf16) {
      bf16ToHalf(d.data() + 2 * begin, out.data() + begin, end - begin);
      return;
    }
    for (int64_t k = begin; k < end; ++k) {
      float f;
      std::memcpy(&f, d.data() + 4 * k, 4);
      out[k] = floatToHalf(f);
    }
  });
  return true;
}

FailureOr<llvm::Regex> anec::parseExcludeRegex(Operation *fn, llvm::StringRef exclude) {
  llvm::Regex regex(exclude);
  std::string error;
  if (!exclude.empty() && !regex.isValid(error))
    return fn->emitError("exclude is not a valid regex: ") << error;
  return regex;
}

bool anec::isWeightOp(Operation *op) {
  return isa<mil::ConstOp, mil::ConstexprAffineDequantizeOp, mil::ConstexprLutToDenseOp,
             mil::ConstexprBlockwiseShiftScaleOp, mil::ConstexprCastOp>(op);
}

bool anec::isComputedAtCompileTime(Operation *op) {
  // Iterative and bounded: weights are short chains (a constant, a cast, a
  // slice, a constexpr op), and a recursive walk of a long chain of
  // activations went as deep as the chain (and quadratic over the passes'
  // queries). Past the budget a value is not taken as computed at compile
  // time, which only costs an alignment pass a padding.
  constexpr unsigned kBudget = 64;
  llvm::SmallVector<Operation *, 16> work{op};
  llvm::SmallPtrSet<Operation *, 16> seen{op};
  while (!work.empty()) {
    Operation *cur = work.pop_back_val();
    if (isWeightOp(cur))
      continue;
    if (!isPure(cur) || cur->getNumRegions() != 0 || cur->getNumOperands() == 0)
      return false;
    for (Value v : cur->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (!def)
        return false;
      if (seen.insert(def).second) {
        if (seen.size() > kBudget)
          return false;
        work.push_back(def);
      }
    }
  }
  return true;
}

void anec::releaseWeightPages(ElementsAttr attr) {
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
      releaseMappedPages(blob->getData().data(), blob->getData().size());
}

void anec::replaceEachUse(DistinctWeight &weight,
                          llvm::function_ref<Value(OpBuilder &, Location)> build) {
  for (DistinctWeight::Use &use : weight.uses) {
    OpBuilder b(use.weight.getContext());
    b.setInsertionPointAfterValue(use.weight);
    Value replacement = build(b, use.constant->getLoc());
    Operation *made = replacement.getDefiningOp();
    if (replacement.getType() != use.weight.getType())
      replacement = b.create<mil::ReshapeOp>(
          use.constant->getLoc(), replacement,
          cast<RankedTensorType>(use.weight.getType()).getShape());
    use.weight.replaceAllUsesExcept(replacement, made);
  }
}

ElementsAttr anec::DistinctWeight::values() const {
  return cast<mil::ConstOp>(uses.front().constant).getVal();
}

std::vector<anec::DistinctWeight> anec::collectDistinctWeights(Operation *module, bool embeddings,
                                                               int64_t minElements,
                                                               llvm::StringRef exclude,
                                                               llvm::Regex &excluded) {
  std::vector<DistinctWeight> weights;
  // Weights are the same when their bytes are: functions share attributes,
  // but passes (vocabulary slices) and text round trips give each function
  // its own. Keyed by a hash of the bytes and the types; a hit is compared
  // byte for byte. Shapes may differ in unit axes only (rows and bytes
  // equal): a tied embedding table [V, C] and LM head [V, C, 1, 1] are one
  // weight. Values: indices in `weights`, SIZE_MAX when excluded.
  using Key = std::tuple<uint64_t, size_t, Type, Type, int64_t>;
  llvm::DenseMap<Key, llvm::SmallVector<size_t, 1>> index;
  auto bytesOf = [](ElementsAttr attr) -> std::optional<ArrayRef<char>> {
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
      if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
        return blob->getData();
    return std::nullopt;
  };
  // The candidates in order, then their hashes in parallel (hashing reads
  // every byte of a checkpoint, and the first touch of its mapped pages is
  // most of the cost), one per memory: the functions share their weights'
  // bytes. Then the matching, in order.
  struct Candidate {
    Value weight;
    mil::ConstOp c;
    std::optional<ArrayRef<char>> bytes;
    uint64_t hash = 0;
    size_t sameMemoryAs = SIZE_MAX; // an earlier candidate with these bytes
  };
  std::vector<Candidate> inOrder;
  llvm::DenseMap<std::pair<const char *, size_t>, size_t> byMemory;
  module->walk([&](func::FuncOp fn) {
    for (Value weight : collectWeights(fn, embeddings)) {
      Operation *def = weight.getDefiningOp();
      if (auto cast = dyn_cast_or_null<mil::CastOp>(def))
        def = cast.getX().getDefiningOp();
      auto c = dyn_cast_or_null<mil::ConstOp>(def);
      auto type = cast<RankedTensorType>(weight.getType());
      if (!c || type.getNumElements() < minElements || !type.getElementType().isF16())
        continue;
      Candidate cand{weight, c, bytesOf(c.getVal())};
      if (cand.bytes) {
        auto [it, first] =
            byMemory.try_emplace({cand.bytes->data(), cand.bytes->size()}, inOrder.size());
        if (!first)
          cand.sameMemoryAs = it->second;
      }
      inOrder.push_back(cand);
    }
  });
  mlir::parallelFor(module->getContext(), 0, inOrder.size(), [&](size_t i) {
    Candidate &cand = inOrder[i];
    if (!cand.bytes || cand.sameMemoryAs != SIZE_MAX)
      return;
    cand.hash = llvm::xxh3_64bits(ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(cand.bytes->data()), cand.bytes->size()));
    releaseMappedPages(cand.bytes->data(), cand.bytes->size()); // hashed; read again later
  });
  for (Candidate &cand : inOrder) {
    if (cand.sameMemoryAs != SIZE_MAX)
      cand.hash = inOrder[cand.sameMemoryAs].hash;
    Value weight = cand.weight;
    mil::ConstOp c = cand.c;
    auto type = cast<RankedTensorType>(weight.getType());
    std::optional<ArrayRef<char>> bytes = cand.bytes;
    uint64_t hash = cand.hash;
    Type constElement = c.getType().getElementType();
    Key key = bytes ? Key{hash, bytes->size(), constElement, type.getElementType(),
                          type.getDimSize(0)}
                    : Key{(uint64_t)(uintptr_t)c.getVal().getAsOpaquePointer(), 0,
                          c.getType(), type, 0};
    llvm::SmallVector<size_t, 1> &candidates = index[key];
    size_t found = SIZE_MAX - 1;
    for (size_t i : candidates) {
      if (i == SIZE_MAX) {
        found = SIZE_MAX;
        break;
      }
      std::optional<ArrayRef<char>> other = bytesOf(weights[i].values());
      // The same memory (functions sharing a weight) needs no comparison;
      // other bytes are compared, then their pages given back.
      bool same = !bytes || (other && other->data() == bytes->data() &&
                             other->size() == bytes->size());
      if (!same && other && *other == *bytes) {
        same = true;
        releaseMappedPages(other->data(), other->size());
        releaseMappedPages(bytes->data(), bytes->size());
      }
      if (same) {
        found = i;
        break;
      }
    }
    if (found == SIZE_MAX - 1) {
      // The weight's name: its constant's location, or its cast's
      // (constants hoisted by canonicalization lose theirs).
      std::string name;
      for (Location loc : {c.getLoc(), weight.getLoc()})
        if (auto n = dyn_cast<NameLoc>(loc)) {
          name = n.getName().str();
          break;
        }
      // Slices made by passes have no location of their own; their blob's
      // key names them ("model.embed_tokens.weight.slice0").
      if (name.empty())
        if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal()))
          name = res.getRawHandle().getKey().str();
      if (!exclude.empty() && excluded.match(name)) {
        candidates.push_back(SIZE_MAX);
        continue;
      }
      found = weights.size();
      candidates.push_back(found);
      weights.push_back({name, type, {}});
    }
    if (found != SIZE_MAX) {
      DistinctWeight &w = weights[found];
      // Compressed in the shape of most axes (the conv weight's), reshaped
      // for the other uses.
      if (type.getRank() > w.type.getRank())
        w.type = type;
      w.uses.push_back({weight, c});
    }
  }
  return weights;
}
