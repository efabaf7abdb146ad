//===- MilShapes.cpp - shape arithmetic shared by inference and execution -===//
#include "dialects/Mil/MilShapes.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace anec::mil;

std::string anec::mil::shapeToString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return s;
}

SmallVector<int64_t> StridedSlice::resultShape() const {
  SmallVector<int64_t> shape;
  for (size_t i = 0; i < size.size(); ++i)
    if (!squeeze[i])
      shape.push_back(size[i]);
  return shape;
}

FailureOr<StridedSlice> anec::mil::computeSliceByIndex(
    ArrayRef<int64_t> shape, ArrayRef<int64_t> begin, ArrayRef<int64_t> end,
    std::optional<ArrayRef<int64_t>> stride,
    std::optional<ArrayRef<bool>> beginMask,
    std::optional<ArrayRef<bool>> endMask,
    std::optional<ArrayRef<bool>> squeezeMask, std::string &error) {
  size_t rank = shape.size();
  auto sizeError = [&](const char *name, size_t got) {
    error = std::string("expects ") + name + " with " + std::to_string(rank) +
            " values (x's rank), got " + std::to_string(got);
    return failure();
  };
  if (begin.size() != rank)
    return sizeError("begin", begin.size());
  if (end.size() != rank)
    return sizeError("end", end.size());
  if (stride && stride->size() != rank)
    return sizeError("stride", stride->size());
  if (beginMask && beginMask->size() != rank)
    return sizeError("begin_mask", beginMask->size());
  if (endMask && endMask->size() != rank)
    return sizeError("end_mask", endMask->size());
  if (squeezeMask && squeezeMask->size() != rank)
    return sizeError("squeeze_mask", squeezeMask->size());

  StridedSlice slice;
  for (size_t i = 0; i < rank; ++i) {
    int64_t dim = shape[i];
    int64_t step = stride ? (*stride)[i] : 1;
    if (step == 0) {
      error = "expects non-zero strides, axis " + std::to_string(i) + " has 0";
      return failure();
    }
    bool squeeze = squeezeMask && (*squeezeMask)[i];
    auto wrap = [&](int64_t v) { return v < 0 ? v + dim : v; };
    int64_t b, e;
    if (squeeze) {
      b = wrap(begin[i]);
      if (b < 0 || b >= dim) {
        error = "squeezed begin " + std::to_string(begin[i]) +
                " is out of range for axis " + std::to_string(i);
        return failure();
      }
      slice.begin.push_back(b);
      slice.stride.push_back(1);
      slice.size.push_back(1);
      slice.squeeze.push_back(true);
      continue;
    }
    if (step > 0) {
      b = (beginMask && (*beginMask)[i]) ? 0
                                         : std::clamp(wrap(begin[i]), int64_t(0), dim);
      e = (endMask && (*endMask)[i]) ? dim
                                     : std::clamp(wrap(end[i]), int64_t(0), dim);
    } else {
      b = (beginMask && (*beginMask)[i])
              ? dim - 1
              : std::clamp(wrap(begin[i]), int64_t(-1), dim - 1);
      e = (endMask && (*endMask)[i]) ? -1
                                     : std::clamp(wrap(end[i]), int64_t(-1), dim - 1);
    }
    int64_t span = step > 0 ? e - b : b - e;
    int64_t absStep = step > 0 ? step : -step;
    int64_t count = span <= 0 ? 0 : (span + absStep - 1) / absStep;
    if (count == 0) {
      error = "slice is empty along axis " + std::to_string(i);
      return failure();
    }
    slice.begin.push_back(b);
    slice.stride.push_back(step);
    slice.size.push_back(count);
    slice.squeeze.push_back(false);
  }
  return slice;
}
