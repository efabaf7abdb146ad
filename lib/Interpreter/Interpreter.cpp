//===- Interpreter.cpp - execute mil programs on the CPU ------------------===//
//
// A straightforward evaluator: one kernel per op, written for clarity, with
// BLAS for the matrix products that dominate transformer layers. Every
// kernel works on fp32 (floats) or int64 (integers); in fp16-faithful mode
// each fp16 result is rounded to fp16 after the op.
//
//===----------------------------------------------------------------------===//
#include "anec/Interpreter.h"

#include "dialects/Hwx/HwxDialect.h"
#include "dialects/Mil/MilDialect.h"
#include "dialects/Mil/MilShapes.h"
#include "lib/Support/Half.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"

#include <cblas.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace anec;
using namespace anec::interp;
using namespace anec::mil;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor Tensor::zeros(RankedTensorType type) {
  Tensor t;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.elementType = type.getElementType();
  if (t.isFloat())
    t.f.assign(t.numElements(), 0.0f);
  else
    t.i.assign(t.numElements(), 0);
  return t;
}

float anec::interp::roundToHalf(float value) {
  return static_cast<float>(static_cast<_Float16>(value));
}

namespace {

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Flat offset in a tensor of `inShape` (right-aligned, size-1 axes
/// broadcast) of the element at `coords` of the broadcast output.
int64_t broadcastOffset(ArrayRef<int64_t> coords, ArrayRef<int64_t> inShape,
                        ArrayRef<int64_t> inStrides) {
  int64_t offset = 0;
  size_t lead = coords.size() - inShape.size();
  for (size_t d = 0; d < inShape.size(); ++d)
    if (inShape[d] != 1)
      offset += coords[lead + d] * inStrides[d];
  return offset;
}

/// Calls fn(coords) for every index of `shape`, last axis fastest.
template <typename Fn>
void forEachIndex(ArrayRef<int64_t> shape, Fn fn) {
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  SmallVector<int64_t> coords(shape.size(), 0);
  for (int64_t k = 0; k < total; ++k) {
    fn(k, ArrayRef<int64_t>(coords));
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++coords[d] < shape[d])
        break;
      coords[d] = 0;
    }
  }
}

/// Offsets of a reduction: every element is outer[a] + inner[b]; `inner`
/// enumerates the reduced axes in the order given (last fastest).
void splitAxes(ArrayRef<int64_t> shape, ArrayRef<int64_t> axes,
               std::vector<int64_t> &outer, std::vector<int64_t> &inner) {
  SmallVector<int64_t> strides = stridesOf(shape);
  SmallVector<int64_t> innerShape, innerStrides, outerShape, outerStrides;
  for (int64_t a : axes) {
    innerShape.push_back(shape[a]);
    innerStrides.push_back(strides[a]);
  }
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
    if (!llvm::is_contained(axes, d)) {
      outerShape.push_back(shape[d]);
      outerStrides.push_back(strides[d]);
    }
  auto offsets = [](ArrayRef<int64_t> s, ArrayRef<int64_t> st,
                    std::vector<int64_t> &out) {
    out.clear();
    forEachIndex(s, [&](int64_t, ArrayRef<int64_t> c) {
      int64_t o = 0;
      for (size_t d = 0; d < c.size(); ++d)
        o += c[d] * st[d];
      out.push_back(o);
    });
  };
  offsets(innerShape, innerStrides, inner);
  offsets(outerShape, outerStrides, outer);
}

SmallVector<int64_t> normalizedAxes(std::optional<ArrayRef<int64_t>> axes,
                                    int64_t rank) {
  SmallVector<int64_t> out;
  if (!axes) {
    for (int64_t a = 0; a < rank; ++a)
      out.push_back(a);
    return out;
  }
  for (int64_t a : *axes)
    out.push_back(a < 0 ? a + rank : a);
  return out;
}

std::string describe(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << op->getName() << "' at " << op->getLoc();
  return s;
}

/// Decodes `bits`-wide unsigned values packed LSB-first.
int64_t unpackBits(ArrayRef<uint8_t> bytes, int64_t index, unsigned bits) {
  int64_t bit = index * bits, value = 0;
  for (unsigned b = 0; b < bits; ++b, ++bit)
    value |= int64_t((bytes[bit / 8] >> (bit % 8)) & 1) << b;
  return value;
}

/// The evaluation of one function call.
class Frame {
public:
  Frame(Interpreter &interp, const Options &options,
        absl::flat_hash_map<std::string, Tensor> &states,
        Interpreter::ConstantCache &constants,
        absl::flat_hash_map<std::string, std::pair<double, int64_t>> &opTimes,
        absl::StatusOr<std::vector<Tensor>> (*call)(Interpreter &, StringRef,
                                                    const std::vector<Tensor> &))
      : interp(interp), options(options), states(states),
        constants(constants), opTimes(opTimes), call(call) {}

  absl::StatusOr<std::vector<Tensor>> run(func::FuncOp fn,
                                          const std::vector<Tensor> &inputs);

private:
  absl::Status exec(Operation *op);
  const Tensor &get(Value v) { return *values.find(v.getAsOpaquePointer())->second; }
  void set(Value v, Tensor t) {
    // fp16-faithful: every fp16 result is rounded as the ANE stores it.
    if (options.mode == NumericMode::FP16 && t.elementType.isF16())
      for (float &x : t.f)
        x = roundToHalf(x);
    values[v.getAsOpaquePointer()] = std::make_shared<const Tensor>(std::move(t));
  }
  /// Runs `op`, or reuses its results when it depends on constants only.
  absl::Status execCached(Operation *op);
  absl::Status error(Operation *op, const std::string &message) {
    return absl::InvalidArgumentError(describe(op) + ": " + message);
  }

  absl::Status unary(Operation *op, llvm::function_ref<float(float)> fn);
  absl::Status binary(Operation *op, llvm::function_ref<double(double, double)> fn);
  absl::Status reduce(Operation *op, std::optional<ArrayRef<int64_t>> axes,
                      bool keepDims, int kind);
  absl::Status linear(LinearOp op);
  absl::Status matmul(MatmulOp op);
  absl::Status conv(ConvOp op);
  absl::Status norm(Operation *op, Value x, Value gamma, Value beta,
                    ArrayRef<int64_t> axes, float eps, bool rms);
  absl::Status softmax(SoftmaxOp op);
  absl::Status attention(ScaledDotProductAttentionOp op);
  absl::Status h13Task(hwx::TaskOp op);
  absl::Status gather(GatherOp op);
  absl::Status concat(ConcatOp op);
  absl::Status slice(Operation *op, Value x, const StridedSlice &s);
  absl::Status transpose(TransposeOp op);
  absl::Status tile(TileOp op);
  absl::Status pad(PadOp op);
  absl::Status convert(Operation *op, Value x, Type to);
  absl::Status lutToDense(ConstexprLutToDenseOp op);
  absl::Status scaleShift(Operation *op, Value data, Value scale, Value zero,
                          std::optional<int64_t> axis);
  absl::Status quantize(QuantizeOp op);
  absl::Status sliceUpdate(SliceUpdateOp op);

  std::string stateKey(BlockArgument arg);

  Interpreter &interp;
  const Options &options;
  absl::flat_hash_map<std::string, Tensor> &states;
  absl::StatusOr<std::vector<Tensor>> (*call)(Interpreter &, StringRef,
                                              const std::vector<Tensor> &);
  // Shared so that constants cached across calls are never copied.
  absl::flat_hash_map<const void *, std::shared_ptr<const Tensor>> values;
  Interpreter::ConstantCache &constants;
  absl::flat_hash_map<std::string, std::pair<double, int64_t>> &opTimes;
  // State arguments of this call: the value stands for its key.
  absl::flat_hash_map<const void *, std::string> stateArgs;
  std::vector<Tensor> results;
};

Tensor resultTensor(Value v) {
  return Tensor::zeros(cast<RankedTensorType>(v.getType()));
}

/// A result of `v`'s type whose element at `coords` is x's element at
/// source(coords): the one kernel behind every pure data-movement op. When
/// the source moves by a fixed `lastStride` along the last axis, whole rows
/// are copied at once.
Tensor moveElements(const Tensor &x, Value v,
                    llvm::function_ref<int64_t(ArrayRef<int64_t>)> source,
                    std::optional<int64_t> lastStride = std::nullopt) {
  Tensor out = resultTensor(v);
  if (lastStride && !out.shape.empty()) {
    int64_t n = out.shape.back();
    SmallVector<int64_t> rows(out.shape.begin(), out.shape.end() - 1);
    SmallVector<int64_t> coords(out.shape.size(), 0);
    int64_t stride = *lastStride;
    forEachIndex(rows, [&](int64_t r, ArrayRef<int64_t> c) {
      std::copy(c.begin(), c.end(), coords.begin());
      int64_t base = source(coords);
      if (out.isFloat()) {
        float *dst = out.f.data() + r * n;
        const float *src = x.f.data() + base;
        if (stride == 1)
          std::memcpy(dst, src, n * sizeof(float));
        else
          for (int64_t j = 0; j < n; ++j)
            dst[j] = src[j * stride];
      } else {
        for (int64_t j = 0; j < n; ++j)
          out.i[r * n + j] = x.i[base + j * stride];
      }
    });
    return out;
  }
  forEachIndex(out.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    int64_t off = source(c);
    if (out.isFloat())
      out.f[k] = x.f[off];
    else
      out.i[k] = x.i[off];
  });
  return out;
}
} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

absl::StatusOr<Tensor> Interpreter::fromAttribute(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type)
    return absl::InvalidArgumentError("constant is not a ranked tensor");
  Tensor t = Tensor::zeros(type);
  Type element = type.getElementType();
  int64_t n = t.numElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (t.isFloat()) {
      int64_t k = 0;
      for (APFloat v : dense.getValues<APFloat>())
        t.f[k++] = (float)v.convertToDouble();
      if (dense.isSplat())
        std::fill(t.f.begin(), t.f.end(), t.f[0]);
    } else {
      bool isUnsigned = element.isUnsignedInteger() || element.isInteger(1);
      int64_t k = 0;
      for (APInt v : dense.getValues<APInt>())
        t.i[k++] = isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
      if (dense.isSplat())
        std::fill(t.i.begin(), t.i.end(), t.i[0]);
    }
    return t;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return absl::InvalidArgumentError("unsupported constant attribute");
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return absl::InvalidArgumentError(absl::StrCat(
        "resource '", resource.getRawHandle().getKey().str(), "' has no data"));
  ArrayRef<char> raw = blob->getData();
  unsigned bits = element.getIntOrFloatBitWidth();
  // Sub-byte integers are packed LSB-first; wider ones are little-endian.
  int64_t needed = bits < 8 ? (n * bits + 7) / 8 : n * (bits / 8);
  if ((int64_t)raw.size() != needed)
    return absl::InvalidArgumentError(absl::StrCat(
        "resource '", resource.getRawHandle().getKey().str(), "' holds ",
        raw.size(), " bytes, its type needs ", needed));
  const char *p = raw.data();
  for (int64_t k = 0; k < n; ++k) {
    if (element.isF16()) {
      _Float16 h;
      memcpy(&h, p + 2 * k, 2);
      t.f[k] = (float)h;
    } else if (element.isF32()) {
      memcpy(&t.f[k], p + 4 * k, 4);
    } else if (element.isBF16()) {
      // bf16 is the upper half of an fp32.
      uint32_t bits32 = uint32_t((unsigned char)p[2 * k]) << 16 |
                        uint32_t((unsigned char)p[2 * k + 1]) << 24;
      memcpy(&t.f[k], &bits32, 4);
    } else if (bits < 8) {
      int64_t v = unpackBits(
          ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(p), raw.size()),
          k, bits);
      if (!element.isUnsignedInteger() && (v >> (bits - 1)))
        v -= int64_t(1) << bits;
      t.i[k] = v;
    } else {
      uint64_t u = 0;
      memcpy(&u, p + (bits / 8) * k, bits / 8);
      int64_t v = (int64_t)u;
      if (!element.isUnsignedInteger() && bits < 64 && (u >> (bits - 1)))
        v = (int64_t)(u | (~uint64_t(0) << bits));
      t.i[k] = v;
    }
  }
  return t;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

absl::Status Frame::unary(Operation *op, llvm::function_ref<float(float)> fn) {
  const Tensor &x = get(op->getOperand(0));
  Tensor out = x;
  for (float &v : out.f)
    v = fn(v);
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::binary(Operation *op,
                           llvm::function_ref<double(double, double)> fn) {
  const Tensor &x = get(op->getOperand(0)), &y = get(op->getOperand(1));
  Tensor out = resultTensor(op->getResult(0));
  auto xs = stridesOf(x.shape), ys = stridesOf(y.shape);
  bool same = x.shape == y.shape;
  forEachIndex(out.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    int64_t xo = same ? k : broadcastOffset(c, x.shape, xs);
    int64_t yo = same ? k : broadcastOffset(c, y.shape, ys);
    double r = fn(x.at(xo), y.at(yo));
    if (out.isFloat())
      out.f[k] = (float)r;
    else
      out.i[k] = (int64_t)r;
  });
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

// kind: 0 mean, 1 sum, 2 max, 3 min, 4 sum of squares
absl::Status Frame::reduce(Operation *op, std::optional<ArrayRef<int64_t>> axes,
                           bool keepDims, int kind) {
  const Tensor &x = get(op->getOperand(0));
  SmallVector<int64_t> ax = normalizedAxes(axes, x.shape.size());
  std::vector<int64_t> outer, inner;
  splitAxes(x.shape, ax, outer, inner);
  Tensor out = resultTensor(op->getResult(0));
  for (size_t o = 0; o < outer.size(); ++o) {
    double acc = kind == 2 ? -INFINITY : kind == 3 ? INFINITY : 0.0;
    for (int64_t in : inner) {
      double v = x.f[outer[o] + in];
      switch (kind) {
      case 2: acc = std::max(acc, v); break;
      case 3: acc = std::min(acc, v); break;
      case 4: acc += v * v; break;
      default: acc += v;
      }
    }
    if (kind == 0)
      acc /= (double)inner.size();
    out.f[o] = (float)acc;
  }
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::linear(LinearOp op) {
  const Tensor &x = get(op.getX()), &w = get(op.getWeight());
  Tensor out = resultTensor(op.getResult());
  int64_t k = x.shape.back(), n = w.shape[0], m = x.numElements() / k;
  if (m == 1) // decode: a matrix-vector product
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, w.f.data(), k,
                x.f.data(), 1, 0.0f, out.f.data(), 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                x.f.data(), k, w.f.data(), k, 0.0f, out.f.data(), n);
  if (Value b = op.getBias()) {
    const Tensor &bias = get(b);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < n; ++c)
        out.f[r * n + c] += bias.f[c];
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::matmul(MatmulOp op) {
  const Tensor &x = get(op.getX()), &y = get(op.getY());
  Tensor out = resultTensor(op.getResult());
  // Promote vectors to matrices as numpy does.
  SmallVector<int64_t> xs(x.shape), ys(y.shape);
  bool tx = op.getTransposeX() && xs.size() > 1;
  bool ty = op.getTransposeY() && ys.size() > 1;
  if (xs.size() == 1)
    xs.insert(xs.begin(), 1);
  if (ys.size() == 1)
    ys.push_back(1);
  int64_t xr = xs.end()[-2], xc = xs.back(), yr = ys.end()[-2], yc = ys.back();
  int64_t m = tx ? xc : xr, kk = tx ? xr : xc, n = ty ? yr : yc;
  SmallVector<int64_t> xb(xs.begin(), xs.end() - 2), yb(ys.begin(), ys.end() - 2);
  SmallVector<int64_t> batch = *broadcastShapes(xb, yb);
  auto xbs = stridesOf(xb), ybs = stridesOf(yb);
  forEachIndex(batch, [&](int64_t b, ArrayRef<int64_t> c) {
    int64_t xo = xb.empty() ? 0 : broadcastOffset(c, xb, xbs);
    int64_t yo = yb.empty() ? 0 : broadcastOffset(c, yb, ybs);
    cblas_sgemm(CblasRowMajor, tx ? CblasTrans : CblasNoTrans,
                ty ? CblasTrans : CblasNoTrans, m, n, kk, 1.0f,
                x.f.data() + xo * xr * xc, xc, y.f.data() + yo * yr * yc, yc,
                0.0f, out.f.data() + b * m * n, n);
  });
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::conv(ConvOp op) {
  const Tensor &x = get(op.getX()), &w = get(op.getWeight());
  Tensor out = resultTensor(op.getResult());
  bool oneD = x.shape.size() == 3;
  // Treat 1-D as 2-D with height 1.
  int64_t batch = x.shape[0], cin = x.shape[1];
  int64_t ih = oneD ? 1 : x.shape[2], iw = x.shape.back();
  int64_t cout = w.shape[0], cinG = w.shape[1];
  int64_t kh = oneD ? 1 : w.shape[2], kw = w.shape.back();
  int64_t oh = oneD ? 1 : out.shape[2], ow = out.shape.back();
  int64_t groups = op.getGroups();
  auto pick = [&](std::optional<ArrayRef<int64_t>> v, int i, int64_t dflt) {
    if (!v)
      return dflt;
    return oneD ? (i == 0 ? dflt : (*v)[0]) : (*v)[i];
  };
  int64_t sh = pick(op.getStrides(), 0, 1), sw = pick(op.getStrides(), 1, 1);
  int64_t dh = pick(op.getDilations(), 0, 1), dw = pick(op.getDilations(), 1, 1);
  int64_t ph = 0, pw = 0;
  StringRef padType = op.getPadType();
  if (padType == "custom") {
    ArrayRef<int64_t> p = *op.getPad();
    ph = oneD ? 0 : p[0];
    pw = oneD ? p[0] : p[2];
  } else if (padType == "same" || padType == "same_lower") {
    auto total = [](int64_t in, int64_t out, int64_t s, int64_t k, int64_t d) {
      return std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
    };
    int64_t th = total(ih, oh, sh, kh, dh), tw = total(iw, ow, sw, kw, dw);
    bool lower = padType == "same_lower";
    ph = lower ? (th + 1) / 2 : th / 2;
    pw = lower ? (tw + 1) / 2 : tw / 2;
  }
  bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 &&
                   pw == 0 && groups == 1;
  for (int64_t b = 0; b < batch; ++b) {
    float *y = out.f.data() + b * cout * oh * ow;
    const float *xb = x.f.data() + b * cin * ih * iw;
    if (pointwise) {
      // A 1×1 conv is a matrix product: [Cout, Cin] × [Cin, H·W].
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, oh * ow,
                  cin, 1.0f, w.f.data(), cin, xb, ih * iw, 0.0f, y, oh * ow);
    } else {
      int64_t coutG = cout / groups;
      for (int64_t co = 0; co < cout; ++co) {
        int64_t g = co / coutG;
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            double acc = 0;
            for (int64_t ci = 0; ci < cinG; ++ci)
              for (int64_t ky = 0; ky < kh; ++ky) {
                int64_t iy = oy * sh - ph + ky * dh;
                if (iy < 0 || iy >= ih)
                  continue;
                for (int64_t kx = 0; kx < kw; ++kx) {
                  int64_t ix = ox * sw - pw + kx * dw;
                  if (ix < 0 || ix >= iw)
                    continue;
                  acc += (double)w.f[((co * cinG + ci) * kh + ky) * kw + kx] *
                         xb[((g * cinG + ci) * ih + iy) * iw + ix];
                }
              }
            y[(co * oh + oy) * ow + ox] = (float)acc;
          }
      }
    }
    if (Value bv = op.getBias()) {
      const Tensor &bias = get(bv);
      for (int64_t co = 0; co < cout; ++co)
        for (int64_t s = 0; s < oh * ow; ++s)
          y[co * oh * ow + s] += bias.f[co];
    }
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::norm(Operation *op, Value xv, Value gammaV, Value betaV,
                         ArrayRef<int64_t> axesIn, float eps, bool rms) {
  const Tensor &x = get(xv);
  SmallVector<int64_t> axes = normalizedAxes(axesIn, x.shape.size());
  std::vector<int64_t> outer, inner;
  splitAxes(x.shape, axes, outer, inner);
  const Tensor *gamma = gammaV ? &get(gammaV) : nullptr;
  const Tensor *beta = betaV ? &get(betaV) : nullptr;
  Tensor out = x;
  bool half = options.mode == NumericMode::FP16 && x.elementType.isF16();
  double n = (double)inner.size();
  for (int64_t o : outer) {
    double mean = 0, var = 0;
    if (!rms) {
      for (int64_t in : inner)
        mean += x.f[o + in];
      mean /= n;
    }
    for (int64_t in : inner) {
      double d = x.f[o + in] - mean;
      // fp16-faithful: the squares are fp16 values, so |x| > 256 overflows.
      var += half ? (double)roundToHalf((float)(d * d)) : d * d;
    }
    var /= n;
    if (half)
      var = roundToHalf((float)var);
    double scale = 1.0 / std::sqrt(var + eps);
    for (size_t k = 0; k < inner.size(); ++k) {
      double v = (x.f[o + inner[k]] - mean) * scale;
      if (gamma)
        v *= gamma->f[k];
      if (beta)
        v += beta->f[k];
      out.f[o + inner[k]] = (float)v;
    }
  }
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::softmax(SoftmaxOp op) {
  const Tensor &x = get(op.getX());
  int64_t axis = *normalizeAxis(op.getAxis(), x.shape.size());
  std::vector<int64_t> outer, inner;
  int64_t axes[] = {axis};
  splitAxes(x.shape, axes, outer, inner);
  Tensor out = x;
  for (int64_t o : outer) {
    double peak = -INFINITY, sum = 0;
    for (int64_t in : inner)
      peak = std::max(peak, (double)x.f[o + in]);
    for (int64_t in : inner)
      sum += std::exp(x.f[o + in] - peak);
    for (int64_t in : inner)
      out.f[o + in] = (float)(std::exp(x.f[o + in] - peak) / sum);
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::attention(ScaledDotProductAttentionOp op) {
  const Tensor &q = get(op.getQuery()), &k = get(op.getKey()),
               &v = get(op.getValue());
  Tensor out = resultTensor(op.getResult());
  int64_t rank = q.shape.size();
  int64_t l = q.shape[rank - 2], e = q.shape[rank - 1];
  int64_t s = k.shape[rank - 2], ev = v.shape[rank - 1];
  int64_t batches = q.numElements() / (l * e);
  const Tensor *mask = op.getAttnMask() ? &get(op.getAttnMask()) : nullptr;
  SmallVector<int64_t> scoreShape(q.shape.begin(), q.shape.end() - 2);
  scoreShape.append({l, s});
  auto maskStrides = mask ? stridesOf(mask->shape) : SmallVector<int64_t>();
  std::vector<float> scores(l * s);
  float scale = 1.0f / std::sqrt((float)e);
  SmallVector<int64_t> coords(scoreShape.size());
  for (int64_t b = 0; b < batches; ++b) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l, s, e, scale,
                q.f.data() + b * l * e, e, k.f.data() + b * s * e, e, 0.0f,
                scores.data(), s);
    // Batch coordinates of b, for broadcasting the mask.
    int64_t rem = b;
    for (int64_t d = rank - 3; d >= 0; --d) {
      coords[d] = rem % scoreShape[d];
      rem /= scoreShape[d];
    }
    for (int64_t i = 0; i < l; ++i) {
      double peak = -INFINITY;
      for (int64_t j = 0; j < s; ++j) {
        float &sc = scores[i * s + j];
        if (mask) {
          coords[rank - 2] = i;
          coords[rank - 1] = j;
          double m = mask->at(broadcastOffset(coords, mask->shape, maskStrides));
          if (mask->isFloat())
            sc += (float)m;
          else if (m == 0)
            sc = -INFINITY;
        }
        peak = std::max(peak, (double)sc);
      }
      double sum = 0;
      for (int64_t j = 0; j < s; ++j)
        sum += scores[i * s + j] = std::isinf(peak) ? 0.0f
                                                    : (float)std::exp(scores[i * s + j] - peak);
      for (int64_t j = 0; j < s; ++j)
        scores[i * s + j] = sum > 0 ? (float)(scores[i * s + j] / sum) : 0.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l, ev, s, 1.0f,
                scores.data(), s, v.f.data() + b * s * ev, ev, 0.0f,
                out.f.data() + b * l * ev, ev);
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::gather(GatherOp op) {
  const Tensor &x = get(op.getX()), &idx = get(op.getIndices());
  Tensor out = resultTensor(op.getResult());
  int64_t axis = *normalizeAxis(op.getAxis(), x.shape.size());
  int64_t bd = op.getBatchDims();
  int64_t ir = idx.shape.size();
  auto xs = stridesOf(x.shape), is = stridesOf(idx.shape);
  int64_t dim = x.shape[axis];
  bool bad = false;
  int64_t badValue = 0;
  forEachIndex(out.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    // out coords: x[:axis] (of which the first bd are batch), then indices
    // [bd:], then x[axis+1:].
    int64_t ioff = 0;
    for (int64_t d = 0; d < bd; ++d)
      ioff += c[d] * is[d];
    for (int64_t d = bd; d < ir; ++d)
      ioff += c[axis + d - bd] * is[d];
    int64_t index = idx.i[ioff];
    if (index < 0)
      index += dim;
    if (index < 0 || index >= dim) {
      bad = true;
      badValue = idx.i[ioff];
      return;
    }
    int64_t xoff = index * xs[axis];
    for (int64_t d = 0; d < axis; ++d)
      xoff += c[d] * xs[d];
    for (int64_t d = axis + 1; d < (int64_t)x.shape.size(); ++d)
      xoff += c[d - axis - 1 + axis + (ir - bd)] * xs[d];
    if (out.isFloat())
      out.f[k] = x.f[xoff];
    else
      out.i[k] = x.i[xoff];
  });
  if (bad)
    return error(op, absl::StrCat("index ", badValue,
                                  " is out of range for an axis of size ", dim));
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::concat(ConcatOp op) {
  Tensor out = resultTensor(op.getResult());
  int64_t axis = *normalizeAxis(op.getAxis(), out.shape.size());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= out.shape[d];
  for (int64_t d = axis + 1; d < (int64_t)out.shape.size(); ++d)
    inner *= out.shape[d];
  int64_t outAxis = out.shape[axis];
  int64_t n = op.getValues().size();
  int64_t offset = 0;
  for (auto [j, v] : llvm::enumerate(op.getValues())) {
    const Tensor &t = get(v);
    int64_t a = t.shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t p = 0; p < a; ++p) {
        // Interleaving places slice p of input j at p·n + j.
        int64_t dst = op.getInterleave() ? p * n + j : offset + p;
        for (int64_t q = 0; q < inner; ++q) {
          int64_t from = (o * a + p) * inner + q;
          int64_t to = (o * outAxis + dst) * inner + q;
          if (out.isFloat())
            out.f[to] = t.f[from];
          else
            out.i[to] = t.i[from];
        }
      }
    offset += a;
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::slice(Operation *op, Value xv, const StridedSlice &s) {
  const Tensor &x = get(xv);
  auto xs = stridesOf(x.shape);
  // Squeezed axes have size 1 in `s.size` and vanish from the result, so the
  // result's flat order is the slice's.
  std::vector<int64_t> offsets;
  forEachIndex(s.size, [&](int64_t, ArrayRef<int64_t> c) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += (s.begin[d] + c[d] * s.stride[d]) * xs[d];
    offsets.push_back(off);
  });
  Tensor out = resultTensor(op->getResult(0));
  for (size_t k = 0; k < offsets.size(); ++k) {
    if (out.isFloat())
      out.f[k] = x.f[offsets[k]];
    else
      out.i[k] = x.i[offsets[k]];
  }
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::transpose(TransposeOp op) {
  const Tensor &x = get(op.getX());
  auto xs = stridesOf(x.shape);
  // perm may count axes from the end (numpy's -1), as type inference does.
  SmallVector<int64_t> perm(op.getPerm());
  for (int64_t &p : perm)
    if (p < 0)
      p += (int64_t)x.shape.size();
  set(op.getResult(), moveElements(x, op.getResult(), [&](ArrayRef<int64_t> c) {
        int64_t off = 0;
        for (size_t d = 0; d < c.size(); ++d)
          off += c[d] * xs[perm[d]];
        return off;
      }, perm.empty() ? std::nullopt : std::optional<int64_t>(xs[perm.back()])));
  return absl::OkStatus();
}

absl::Status Frame::tile(TileOp op) {
  const Tensor &x = get(op.getX());
  auto xs = stridesOf(x.shape);
  set(op.getResult(), moveElements(x, op.getResult(), [&](ArrayRef<int64_t> c) {
        int64_t off = 0;
        for (size_t d = 0; d < c.size(); ++d)
          off += (c[d] % x.shape[d]) * xs[d];
        return off;
      }, (!x.shape.empty() && op.getReps().back() == 1) ? std::optional<int64_t>(1)
                                                        : std::nullopt));
  return absl::OkStatus();
}

absl::Status Frame::pad(PadOp op) {
  const Tensor &x = get(op.getX());
  Tensor out = resultTensor(op.getResult());
  ArrayRef<int64_t> p = op.getPad();
  int64_t rank = x.shape.size(), first = rank - (int64_t)p.size() / 2;
  StringRef mode = op.getMode();
  float fill = op.getConstantVal().convertToFloat();
  auto xs = stridesOf(x.shape);
  forEachIndex(out.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    int64_t off = 0;
    bool outside = false;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t before = d >= first ? p[2 * (d - first)] : 0;
      int64_t i = c[d] - before, n = x.shape[d];
      if (i < 0 || i >= n) {
        if (mode == "constant")
          outside = true;
        else if (mode == "replicate")
          i = std::clamp<int64_t>(i, 0, n - 1);
        else // reflect, without repeating the edge
          i = i < 0 ? -i : 2 * (n - 1) - i;
      }
      off += i * xs[d];
    }
    if (out.isFloat())
      out.f[k] = outside ? fill : x.f[off];
    else
      out.i[k] = outside ? (int64_t)fill : x.i[off];
  });
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::convert(Operation *op, Value xv, Type to) {
  const Tensor &x = get(xv);
  Tensor out = resultTensor(op->getResult(0));
  for (int64_t k = 0, n = x.numElements(); k < n; ++k) {
    double v = x.at(k);
    if (out.isFloat())
      out.f[k] = (float)v;
    else if (to.isInteger(1))
      out.i[k] = v != 0;
    else
      out.i[k] = (int64_t)std::trunc(v);
  }
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::lutToDense(ConstexprLutToDenseOp op) {
  const Tensor &idx = get(op.getIndices()), &lut = get(op.getLut());
  Tensor out = resultTensor(op.getResult());
  auto put = [&](int64_t k, int64_t lutOffset) {
    if (out.isFloat())
      out.f[k] = lut.f[lutOffset];
    else
      out.i[k] = lut.i[lutOffset];
  };
  if (op.isIOS16Form()) {
    unsigned bits = llvm::Log2_64(lut.shape[0]);
    std::vector<uint8_t> bytes(idx.i.begin(), idx.i.end());
    for (int64_t k = 0, n = out.numElements(); k < n; ++k)
      put(k, unpackBits(bytes, k, bits));
  } else {
    int64_t rank = idx.shape.size();
    int64_t vs = lut.shape.back(), entries = lut.shape[rank];
    int64_t vaxis = op.getVectorAxis()
                        ? *normalizeAxis(*op.getVectorAxis(), rank)
                        : -1;
    auto is = stridesOf(idx.shape), ls = stridesOf(lut.shape);
    forEachIndex(out.shape, [&](int64_t k, ArrayRef<int64_t> c) {
      int64_t ioff = 0, loff = 0, v = 0;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t ic = c[d];
        if (d == vaxis) {
          v = ic % vs;
          ic /= vs;
        }
        ioff += ic * is[d];
        loff += (ic / (idx.shape[d] / lut.shape[d])) * ls[d];
      }
      (void)entries;
      put(k, loff + idx.i[ioff] * ls[rank] + v);
    });
  }
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

/// scale·(data − zero) where scale/zero are scalars, per-axis vectors, or
/// (block-wise) tensors of data's rank whose dims divide data's.
absl::Status Frame::scaleShift(Operation *op, Value dataV, Value scaleV,
                               Value zeroV, std::optional<int64_t> axis) {
  const Tensor &data = get(dataV), &scale = get(scaleV);
  const Tensor *zero = zeroV ? &get(zeroV) : nullptr;
  Tensor out = resultTensor(op->getResult(0));
  int64_t rank = data.shape.size();
  auto paramOffset = [&](const Tensor &p, ArrayRef<int64_t> c) -> int64_t {
    if (p.numElements() == 1)
      return 0;
    if ((int64_t)p.shape.size() == rank && rank > 1) {
      int64_t off = 0;
      auto ps = stridesOf(p.shape);
      for (int64_t d = 0; d < rank; ++d)
        off += (c[d] / (data.shape[d] / p.shape[d])) * ps[d];
      return off;
    }
    int64_t a = axis ? *normalizeAxis(*axis, rank) : 0;
    return c[a];
  };
  forEachIndex(data.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    double z = zero ? zero->at(paramOffset(*zero, c)) : 0.0;
    out.f[k] = (float)(scale.f[paramOffset(scale, c)] * (data.at(k) - z));
  });
  set(op->getResult(0), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::quantize(QuantizeOp op) {
  const Tensor &x = get(op.getInput()), &scale = get(op.getScale());
  const Tensor *zero = op.getZeroPoint() ? &get(op.getZeroPoint()) : nullptr;
  Tensor out = resultTensor(op.getResult());
  bool isUnsigned = out.elementType.isUnsignedInteger();
  int64_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
  int64_t rank = x.shape.size();
  int64_t a = op.getAxis() ? *normalizeAxis(*op.getAxis(), rank) : 0;
  forEachIndex(x.shape, [&](int64_t k, ArrayRef<int64_t> c) {
    int64_t sp = scale.numElements() == 1 ? 0 : c[a];
    int64_t zp = !zero ? 0 : zero->numElements() == 1 ? zero->i[0] : zero->i[c[a]];
    double v = std::nearbyint(x.f[k] / scale.f[sp]) + zp;
    out.i[k] = std::clamp<int64_t>((int64_t)v, lo, hi);
  });
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::sliceUpdate(SliceUpdateOp op) {
  const Tensor &x = get(op.getX()), &update = get(op.getUpdate());
  const Tensor &b = get(op.getBegin()), &e = get(op.getEnd());
  std::string message;
  FailureOr<StridedSlice> s = computeSliceByIndex(
      x.shape, b.i, e.i, op.getStride(), op.getBeginMask(), op.getEndMask(),
      op.getSqueezeMask(), message);
  if (failed(s))
    return error(op, message);
  if (s->resultShape() != update.shape)
    return error(op, absl::StrCat("update ", shapeToString(update.shape),
                                  " does not match the slice ",
                                  shapeToString(s->resultShape()),
                                  " selected by begin/end at run time"));
  Tensor out = x;
  auto xs = stridesOf(x.shape);
  forEachIndex(s->size, [&](int64_t k, ArrayRef<int64_t> c) {
    int64_t off = 0;
    for (size_t d = 0; d < c.size(); ++d)
      off += (s->begin[d] + c[d] * s->stride[d]) * xs[d];
    if (out.isFloat())
      out.f[off] = update.f[k];
    else
      out.i[off] = update.i[k];
  });
  set(op.getResult(), std::move(out));
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {
float sigmoidf(float v) { return 1.0f / (1.0f + std::exp(-v)); }
} // namespace

std::string Frame::stateKey(BlockArgument arg) {
  auto fn = cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  "mil.state_name"))
    return name.str();
  return absl::StrCat("#", arg.getArgNumber());
}

absl::Status Frame::exec(Operation *op) {
  using R = absl::Status;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](ConstOp c) -> R {
        absl::StatusOr<Tensor> t = Interpreter::fromAttribute(c.getVal());
        if (!t.ok())
          return error(op, std::string(t.status().message()));
        set(c.getResult(), std::move(*t));
        return absl::OkStatus();
      })
      .Case([&](SqrtOp) { return unary(op, [](float v) { return std::sqrt(v); }); })
      .Case([&](ExpOp) { return unary(op, [](float v) { return std::exp(v); }); })
      .Case([&](SquareOp) { return unary(op, [](float v) { return v * v; }); })
      .Case([&](TanhOp) { return unary(op, [](float v) { return std::tanh(v); }); })
      .Case([&](ErfOp) { return unary(op, [](float v) { return std::erf(v); }); })
      .Case([&](SigmoidOp) { return unary(op, sigmoidf); })
      .Case([&](SiluOp) { return unary(op, [](float v) { return v * sigmoidf(v); }); })
      .Case([&](ReluOp) { return unary(op, [](float v) { return v > 0 ? v : 0.0f; }); })
      .Case([&](AbsOp) { return unary(op, [](float v) { return std::fabs(v); }); })
      .Case([&](SinOp) { return unary(op, [](float v) { return std::sin(v); }); })
      .Case([&](CosOp) { return unary(op, [](float v) { return std::cos(v); }); })
      .Case([&](RsqrtOp r) {
        float eps = r.getEpsilon().convertToFloat();
        return unary(op, [eps](float v) { return 1.0f / std::sqrt(v + eps); });
      })
      .Case([&](GeluOp g) {
        StringRef mode = g.getMode();
        return unary(op, [mode](float v) -> float {
          if (mode == "TANH_APPROXIMATION")
            return 0.5f * v *
                   (1.0f + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
          if (mode == "SIGMOID_APPROXIMATION")
            return v * sigmoidf(1.702f * v);
          return 0.5f * v * (1.0f + std::erf(v * 0.70710678f));
        });
      })
      .Case([&](AddOp) { return binary(op, [](double a, double b) { return a + b; }); })
      .Case([&](SubOp) { return binary(op, [](double a, double b) { return a - b; }); })
      .Case([&](MulOp) { return binary(op, [](double a, double b) { return a * b; }); })
      .Case([&](RealDivOp) { return binary(op, [](double a, double b) { return a / b; }); })
      .Case([&](PowOp) { return binary(op, [](double a, double b) { return std::pow(a, b); }); })
      .Case([&](MaximumOp) { return binary(op, [](double a, double b) { return std::max(a, b); }); })
      .Case([&](MinimumOp) { return binary(op, [](double a, double b) { return std::min(a, b); }); })
      .Case([&](ReduceMeanOp r) { return reduce(op, r.getAxes(), r.getKeepDims(), 0); })
      .Case([&](ReduceSumOp r) { return reduce(op, r.getAxes(), r.getKeepDims(), 1); })
      .Case([&](ReduceMaxOp r) { return reduce(op, r.getAxes(), r.getKeepDims(), 2); })
      .Case([&](ReduceMinOp r) { return reduce(op, r.getAxes(), r.getKeepDims(), 3); })
      .Case([&](ReduceSumSquareOp r) { return reduce(op, r.getAxes(), r.getKeepDims(), 4); })
      .Case([&](LinearOp l) { return linear(l); })
      .Case([&](MatmulOp m) { return matmul(m); })
      .Case([&](ConvOp c) { return conv(c); })
      .Case([&](LayerNormOp n) {
        return norm(op, n.getX(), n.getGamma(), n.getBeta(), n.getAxes(),
                    n.getEpsilon().convertToFloat(), /*rms=*/false);
      })
      .Case([&](RmsNormOp n) {
        return norm(op, n.getX(), n.getGamma(), Value(), n.getAxes(),
                    n.getEpsilon().convertToFloat(), /*rms=*/true);
      })
      .Case([&](SoftmaxOp s) { return softmax(s); })
      .Case([&](ScaledDotProductAttentionOp a) { return attention(a); })
      .Case([&](GatherOp g) { return gather(g); })
      .Case([&](ConcatOp c) { return concat(c); })
      .Case([&](SplitOp s) -> R {
        const Tensor &x = get(s.getX());
        int64_t axis = *normalizeAxis(s.getAxis(), x.shape.size());
        int64_t start = 0;
        for (Value r : s.getResults()) {
          auto t = cast<RankedTensorType>(r.getType());
          StridedSlice sl;
          for (int64_t d = 0; d < (int64_t)x.shape.size(); ++d) {
            sl.begin.push_back(d == axis ? start : 0);
            sl.stride.push_back(1);
            sl.size.push_back(t.getDimSize(d));
            sl.squeeze.push_back(false);
          }
          start += t.getDimSize(axis);
          auto xs = stridesOf(x.shape);
          set(r, moveElements(x, r, [&](ArrayRef<int64_t> c) {
                int64_t off = 0;
                for (size_t d = 0; d < c.size(); ++d)
                  off += (sl.begin[d] + c[d]) * xs[d];
                return off;
              }, std::optional<int64_t>(1)));
        }
        return absl::OkStatus();
      })
      .Case([&](TopKOp t) -> R {
        // The k largest (smallest) along the axis, in order; ties go to the
        // lower index, as numpy's stable argsort and argmax.
        const Tensor &x = get(t.getX());
        int64_t axis = *normalizeAxis(t.getAxis(), x.shape.size());
        int64_t n = x.shape[axis], k = t.getK(), inner = 1;
        for (size_t d = axis + 1; d < x.shape.size(); ++d)
          inner *= x.shape[d];
        int64_t outer = n ? x.numElements() / (n * inner) : 0;
        Tensor values = resultTensor(t.getValues()), indices = resultTensor(t.getIndices());
        std::vector<int64_t> order(n);
        bool ascending = t.getAscending();
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t in = 0; in < inner; ++in) {
            int64_t base = o * n * inner + in;
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + k, order.end(),
                              [&](int64_t a, int64_t b) {
                                double va = x.at(base + a * inner), vb = x.at(base + b * inner);
                                if (va != vb)
                                  return ascending ? va < vb : va > vb;
                                return a < b;
                              });
            for (int64_t j = 0; j < k; ++j) {
              int64_t out = o * k * inner + j * inner + in, from = base + order[j] * inner;
              if (x.isFloat())
                values.f[out] = x.f[from];
              else
                values.i[out] = x.i[from];
              indices.i[out] = order[j];
            }
          }
        set(t.getValues(), std::move(values));
        set(t.getIndices(), std::move(indices));
        return absl::OkStatus();
      })
      .Case([&](SliceByIndexOp s) -> R {
        std::string message;
        auto sl = computeSliceByIndex(get(s.getX()).shape, s.getBegin(),
                                      s.getEnd(), s.getStride(),
                                      s.getBeginMask(), s.getEndMask(),
                                      s.getSqueezeMask(), message);
        return slice(op, s.getX(), *sl);
      })
      .Case([&](SliceBySizeOp s) -> R {
        StridedSlice sl;
        auto type = s.getType();
        for (int64_t d = 0; d < type.getRank(); ++d) {
          sl.begin.push_back(s.getBegin()[d]);
          sl.stride.push_back(1);
          sl.size.push_back(type.getDimSize(d));
          sl.squeeze.push_back(false);
        }
        return slice(op, s.getX(), sl);
      })
      .Case<ReshapeOp, ExpandDimsOp, SqueezeOp>([&](Operation *) -> R {
        Tensor out = get(op->getOperand(0));
        auto t = cast<RankedTensorType>(op->getResult(0).getType());
        out.shape.assign(t.getShape().begin(), t.getShape().end());
        set(op->getResult(0), std::move(out));
        return absl::OkStatus();
      })
      .Case([&](TransposeOp t) { return transpose(t); })
      .Case([&](TileOp t) { return tile(t); })
      .Case([&](PadOp p) { return pad(p); })
      .Case([&](BandPartOp b) -> R {
        Tensor out = get(b.getX());
        int64_t rank = out.shape.size();
        int64_t rows = out.shape[rank - 2], cols = out.shape[rank - 1];
        int64_t lower = b.getLower(), upper = b.getUpper();
        for (int64_t k = 0, n = out.numElements(); k < n; ++k) {
          int64_t i = (k / cols) % rows, j = k % cols;
          bool keep = (lower < 0 || i - j <= lower) && (upper < 0 || j - i <= upper);
          if (!keep) {
            if (out.isFloat())
              out.f[k] = 0;
            else
              out.i[k] = 0;
          }
        }
        set(b.getResult(), std::move(out));
        return absl::OkStatus();
      })
      .Case([&](CastOp c) { return convert(op, c.getX(), c.getType().getElementType()); })
      .Case([&](ConstexprCastOp c) {
        return convert(op, c.getSourceVal(), c.getType().getElementType());
      })
      .Case([&](ConstexprAffineDequantizeOp d) {
        return scaleShift(op, d.getQuantizedData(), d.getScale(),
                          d.getZeroPoint(), d.getAxis());
      })
      .Case([&](ConstexprBlockwiseShiftScaleOp d) {
        return scaleShift(op, d.getData(), d.getScale(), d.getOffset(),
                          std::nullopt);
      })
      .Case([&](DequantizeOp d) {
        return scaleShift(op, d.getInput(), d.getScale(), d.getZeroPoint(),
                          d.getAxis());
      })
      .Case([&](QuantizeOp q) { return quantize(q); })
      .Case([&](ConstexprLutToDenseOp l) { return lutToDense(l); })
      .Case([&](ReadStateOp r) -> R {
        auto it = stateArgs.find(r.getInput().getAsOpaquePointer());
        if (it == stateArgs.end())
          return error(op, "reads a state that is not a function argument");
        auto type = cast<RankedTensorType>(r.getType());
        auto [slot, inserted] = states.try_emplace(it->second, Tensor::zeros(type));
        if (slot->second.type() != type)
          return error(op, absl::StrCat("state '", it->second,
                                        "' is shared with a different type"));
        set(r.getResult(), slot->second);
        return absl::OkStatus();
      })
      .Case([&](CoremlUpdateStateOp u) -> R {
        auto it = stateArgs.find(u.getState().getAsOpaquePointer());
        if (it == stateArgs.end())
          return error(op, "updates a state that is not a function argument");
        states[it->second] = get(u.getValue());
        set(u.getResult(), get(u.getValue()));
        return absl::OkStatus();
      })
      .Case([&](SliceUpdateOp s) { return sliceUpdate(s); })
      .Case([&](func::CallOp c) -> R {
        std::vector<Tensor> args;
        for (Value v : c.getOperands()) {
          if (isa<StateType>(v.getType()))
            return error(op, "passing states to calls is not supported");
          args.push_back(get(v));
        }
        auto r = call(interp, c.getCallee(), args);
        if (!r.ok())
          return r.status();
        for (auto [res, t] : llvm::zip(c.getResults(), *r))
          set(res, std::move(t));
        return absl::OkStatus();
      })
      .Case([&](SegmentOp seg) -> R {
        // A segment runs its body with its operands as the block's
        // arguments (states keep their identity) and hands back the yield.
        Block &body = seg.getBody().front();
        for (auto [arg, in] : llvm::zip(body.getArguments(), seg.getInputs())) {
          if (isa<StateType>(in.getType())) {
            auto it = stateArgs.find(in.getAsOpaquePointer());
            if (it == stateArgs.end())
              return error(op, "passes a state that is not a function argument");
            std::string key = it->second;
            stateArgs[arg.getAsOpaquePointer()] = std::move(key);
            continue;
          }
          // Copied first: inserting may rehash the map under a reference.
          std::shared_ptr<const Tensor> t = values[in.getAsOpaquePointer()];
          values[arg.getAsOpaquePointer()] = std::move(t);
        }
        for (Operation &inner : body) {
          if (auto y = dyn_cast<YieldOp>(inner)) {
            for (auto [r, v] : llvm::zip(seg.getResults(), y.getValues())) {
              std::shared_ptr<const Tensor> t = values[v.getAsOpaquePointer()];
              values[r.getAsOpaquePointer()] = std::move(t);
            }
            break;
          }
          if (absl::Status s = execCached(&inner); !s.ok())
            return s;
        }
        return absl::OkStatus();
      })
      .Case([&](hwx::TaskOp t) { return h13Task(t); })
      .Case([&](func::ReturnOp r) -> R {
        for (Value v : r.getOperands())
          results.push_back(get(v));
        return absl::OkStatus();
      })
      .Default([&](Operation *) -> R {
        return error(op, "the interpreter does not know this op");
      });
}

/// An H13 task computed from its registers alone, as the ANE would read
/// them: the shapes from Common, the kernel groups from OCGSize and the
/// kernel DMA's base addresses in the packed kernel, the MAC bypassed when
/// NE's OpMode is 4, the activation from NonlinearMode. This checks what
/// anec-lower-to-h13 wrote against the mil program it came from; it says
/// nothing of how an ANE rounds.
absl::Status Frame::h13Task(hwx::TaskOp op) {
  auto field = [&](llvm::StringRef name) -> int64_t {
    auto a = op.getFields().getAs<IntegerAttr>(name);
    return a ? a.getInt() : 0;
  };
  if (op.getInputs().size() != 1)
    return error(op, "a task of one input is what is interpreted");
  const Tensor &x = get(op.getInputs()[0]);
  Tensor out = resultTensor(op.getOutput());
  if (x.shape.size() != 4 || out.shape.size() != 4)
    return error(op, "a task over [N, C, H, W] tensors is what is interpreted");
  int64_t n = x.shape[0], cin = field("aneRegs.Common.Cin.Cin"),
          cout = field("aneRegs.Common.Cout.Cout"), h = field("aneRegs.Common.InDim.Hin"),
          w = field("aneRegs.Common.InDim.Win");
  if (x.shape[1] != cin || x.shape[2] != h || x.shape[3] != w || out.shape[1] != cout ||
      out.shape[2] != h || out.shape[3] != w || out.shape[0] != n)
    return error(op, "its Common registers do not describe its tensors");
  int64_t activation = field("aneRegs.NE.MACCfg.NonlinearMode");
  if (activation != 0 && activation != 1)
    return error(op, absl::StrCat("NonlinearMode ", activation, " is not interpreted (0, 1: ReLU)"));
  bool mac = field("aneRegs.NE.MACCfg.OpMode") != 4;
  std::vector<uint8_t> kernel;
  if (auto k = op.getKernel()) {
    auto r = dyn_cast<DenseResourceElementsAttr>(*k);
    AsmResourceBlob *blob = r ? r.getRawHandle().getBlob() : nullptr;
    if (!blob)
      return error(op, "its kernel is not a resource of bytes");
    kernel.assign(blob->getData().begin(), blob->getData().end());
  }
  int64_t perGroup = int64_t(1) << field("aneRegs.Common.ConvCfg.OCGSize"), pixels = h * w;
  if (!mac && cin != cout)
    return error(op, "a task without its MAC keeps the channel count");
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < cout; ++o) {
      int64_t at = 0;
      if (mac) {
        int64_t group = o / perGroup;
        if (group >= 16 || !field(absl::StrCat("aneRegs.KernelDMASrc.CoeffDMAConfig[", group, "].En")))
          return error(op, absl::StrCat("output channel ", o, " falls in a kernel group the DMA does not read"));
        at = field(absl::StrCat("aneRegs.KernelDMASrc.CoeffBaseAddr[", group, "].Addr")) * 64 +
             (o % perGroup) * cin * 2;
        if (at + cin * 2 > (int64_t)kernel.size())
          return error(op, absl::StrCat("output channel ", o, "'s weights lie past the kernel"));
      }
      for (int64_t p = 0; p < pixels; ++p) {
        double acc = 0;
        if (mac) {
          for (int64_t i = 0; i < cin; ++i) {
            uint16_t bits = uint16_t(kernel[at + 2 * i] | kernel[at + 2 * i + 1] << 8);
            acc += double(halfToFloat(bits)) * x.f[(b * cin + i) * pixels + p];
          }
        } else {
          acc = x.f[(b * cin + o) * pixels + p];
        }
        if (activation == 1)
          acc = std::max(acc, 0.0);
        out.f[(b * cout + o) * pixels + p] = float(acc);
      }
    }
  set(op.getOutput(), std::move(out));
  return absl::OkStatus();
}

absl::Status Frame::execCached(Operation *op) {
  // Pure ops whose operands all come from constants: weights and what is
  // computed from them (casts, dequantization) are evaluated once.
  bool constant = isPure(op) && op->getNumRegions() == 0 &&
                  op->getNumResults() > 0 &&
                  llvm::all_of(op->getOperands(), [&](Value v) {
                    Operation *def = v.getDefiningOp();
                    return def && constants.contains(def);
                  });
  if (!constant)
    return exec(op);
  auto it = constants.find(op);
  if (it == constants.end()) {
    if (absl::Status s = exec(op); !s.ok())
      return s;
    std::vector<std::shared_ptr<const Tensor>> results;
    for (Value r : op->getResults())
      results.push_back(values[r.getAsOpaquePointer()]);
    it = constants.emplace(op, std::move(results)).first;
    return absl::OkStatus();
  }
  for (auto [r, t] : llvm::zip(op->getResults(), it->second))
    values[r.getAsOpaquePointer()] = t;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>>
Frame::run(func::FuncOp fn, const std::vector<Tensor> &inputs) {
  if (fn.isExternal())
    return absl::InvalidArgumentError(
        absl::StrCat("function '", fn.getSymName().str(), "' has no body"));
  size_t next = 0;
  for (BlockArgument arg : fn.getArguments()) {
    if (isa<StateType>(arg.getType())) {
      stateArgs[arg.getAsOpaquePointer()] = stateKey(arg);
      continue;
    }
    if (next >= inputs.size())
      return absl::InvalidArgumentError(absl::StrCat(
          "function '", fn.getSymName().str(), "' takes more inputs than the ",
          inputs.size(), " given"));
    const Tensor &in = inputs[next++];
    auto type = cast<RankedTensorType>(arg.getType());
    if (in.type() != type) {
      std::string want, got;
      llvm::raw_string_ostream(want) << type;
      llvm::raw_string_ostream(got) << in.type();
      return absl::InvalidArgumentError(absl::StrCat(
          "input ", next - 1, " of '", fn.getSymName().str(), "' must be ",
          want, ", got ", got));
    }
    values[arg.getAsOpaquePointer()] = std::make_shared<const Tensor>(in);
  }
  if (next != inputs.size())
    return absl::InvalidArgumentError(absl::StrCat(
        "function '", fn.getSymName().str(), "' takes ", next, " inputs, ",
        inputs.size(), " were given"));
  for (Operation &op : fn.getBody().front()) {
    auto start = std::chrono::steady_clock::now();
    absl::Status s = execCached(&op);
    if (options.profile) {
      auto &[seconds, count] = opTimes[op.getName().getStringRef().str()];
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++count;
    }
    if (!s.ok())
      return s;
  }
  return std::move(results);
}

//===----------------------------------------------------------------------===//
// Interpreter
//===----------------------------------------------------------------------===//

Interpreter::Interpreter(ModuleOp module, Options options)
    : module(module), options(options) {}

namespace {
absl::StatusOr<std::vector<Tensor>> callFunction(Interpreter &interp,
                                                 StringRef name,
                                                 const std::vector<Tensor> &in) {
  return interp.run(name, in);
}
} // namespace

/// The function `name` of `module`; in a module of one function, that one
/// (a written program calls its lone function `main`, as Core ML does).
func::FuncOp lookupFunction(ModuleOp module, StringRef name) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  func::FuncOp only;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    if (only)
      return nullptr;
    only = fn;
  }
  return only;
}

absl::Status anec::interp::checkTensorSizes(ModuleOp module) {
  absl::Status status = absl::OkStatus();
  auto check = [&](Type t, Location loc) {
    if (auto s = dyn_cast<StateType>(t))
      t = s.getWrappedType();
    auto r = dyn_cast<RankedTensorType>(t);
    if (!r || !status.ok())
      return;
    // Elements multiplied with an overflow check.
    int64_t n = 1;
    for (int64_t d : r.getShape()) {
      if (ShapedType::isDynamic(d))
        continue; // sized by the inputs at run time
      if (d < 0 || (d > 0 && n > kMaxTensorElements / d) || (n *= d) > kMaxTensorElements) {
        std::string where;
        llvm::raw_string_ostream os(where);
        os << loc << ": " << r;
        status = absl::InvalidArgumentError(absl::StrCat(
            where, " holds more than ", kMaxTensorElements,
            " elements: more than the interpreter runs"));
        return;
      }
    }
  };
  module.walk([&](Operation *op) {
    for (Value v : op->getResults())
      check(v.getType(), op->getLoc());
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          check(arg.getType(), op->getLoc());
  });
  return status;
}

absl::StatusOr<std::vector<Tensor>>
Interpreter::run(StringRef function, const std::vector<Tensor> &inputs) {
  auto fn = lookupFunction(module, function);
  if (!fn)
    return absl::NotFoundError(
        absl::StrCat("no function '", function.str(), "' in the module"));
  if (!sizesChecked) {
    if (absl::Status s = checkTensorSizes(module); !s.ok())
      return s;
    sizesChecked = true;
  }
  Frame frame(*this, options, states, constants, opTimes, callFunction);
  return frame.run(fn, inputs);
}

absl::StatusOr<std::vector<RankedTensorType>>
Interpreter::inputTypes(StringRef function) const {
  auto fn = lookupFunction(module, function);
  if (!fn)
    return absl::NotFoundError(
        absl::StrCat("no function '", function.str(), "' in the module"));
  std::vector<RankedTensorType> types;
  for (Type t : fn.getArgumentTypes())
    if (auto r = dyn_cast<RankedTensorType>(t))
      types.push_back(r);
  return types;
}

const Tensor *Interpreter::state(StringRef key) const {
  auto it = states.find(key.str());
  return it == states.end() ? nullptr : &it->second;
}
