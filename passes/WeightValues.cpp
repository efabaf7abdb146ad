//===- WeightValues.cpp - a constant weight's values as floats ------------===//
//
// Shared by the weight-compression passes, which read every weight they
// compress in full.
//
//===----------------------------------------------------------------------===//
#include "passes/WeightValues.h"
#include "dialects/Mil/MilDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <cstring>

using namespace mlir;

bool anec::readWeightValues(ElementsAttr attr, std::vector<float> &out, bool roundToHalf) {
  auto type = cast<ShapedType>(attr.getType());
  Type e = type.getElementType();
  int64_t n = type.getNumElements();
  out.resize(n);
  auto finish = [&] {
    if (roundToHalf)
      for (float &v : out)
        v = (float)(_Float16)v;
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
  for (int64_t k = 0; k < n; ++k) {
    if (e.isF16()) {
      _Float16 h;
      memcpy(&h, d.data() + 2 * k, 2);
      out[k] = (float)h;
    } else if (e.isBF16()) {
      uint32_t bits = uint32_t((unsigned char)d[2 * k]) << 16 |
                      uint32_t((unsigned char)d[2 * k + 1]) << 24;
      memcpy(&out[k], &bits, 4);
    } else {
      memcpy(&out[k], d.data() + 4 * k, 4);
    }
  }
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

FailureOr<llvm::Regex> anec::parseExcludeRegex(Operation *fn, llvm::StringRef exclude) {
  llvm::Regex regex(exclude);
  std::string error;
  if (!exclude.empty() && !regex.isValid(error))
    return fn->emitError("exclude is not a valid regex: ") << error;
  return regex;
}
