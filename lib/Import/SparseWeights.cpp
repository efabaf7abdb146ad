//===- SparseWeights.cpp - Core ML's sparse weights, decoded at import ----===//
//
// The decoding follows coremltools' definitions (ops/defs/iOS16/
// constexpr_ops.py and iOS18/compression.py): a set mask bit takes the next
// value of nonzero_data in row-major order, a clear bit is zero; the LUT and
// shift-scale variants decode their dense layout first and keep the values
// under the mask.
//
//===----------------------------------------------------------------------===//
#include "lib/Import/SparseWeights.h"

#include "llvm/ADT/STLExtras.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

#include <cstring>

using namespace anec;
using namespace anec::exporter;
using namespace anec::import;

namespace {

/// A constant's values, unpacked: numbers in row-major order.
struct Values {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<double> v;
};

int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// MILBlob's dtype code and width of a MIL dtype name; {0, 0} for none.
std::pair<uint32_t, unsigned> blobDtype(const std::string &d) {
  static const std::pair<const char *, std::pair<uint32_t, unsigned>> table[] = {
      {"fp16", {1, 16}},  {"fp32", {2, 32}},   {"uint8", {3, 8}},  {"int8", {4, 8}},
      {"int16", {6, 16}}, {"uint16", {7, 16}}, {"int4", {8, 4}},   {"uint1", {9, 1}},
      {"uint2", {10, 2}}, {"uint4", {11, 4}},  {"uint3", {12, 3}}, {"uint6", {13, 6}},
      {"int32", {14, 32}}, {"uint32", {15, 32}},
  };
  for (auto &[name, code] : table)
    if (d == name)
      return code;
  return {0, 0};
}

/// The row-major index of element `i` of `shape`, into `idx`.
void unflatten(int64_t i, const std::vector<int64_t> &shape, std::vector<int64_t> &idx) {
  for (int64_t k = (int64_t)shape.size() - 1; k >= 0; --k) {
    idx[k] = i % shape[k];
    i /= shape[k];
  }
}

class Decoder {
public:
  Decoder(MilFunction &fn, const MilBlobReader *weights, std::string where)
      : fn(fn), weights(weights), where(std::move(where)) {}

  absl::Status run();

private:
  absl::Status error(const MilOperation &op, const std::string &what) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": function '", fn.name, "', op '", op.name, "' (", op.type,
                     "): ", what));
  }
  absl::StatusOr<Values> constant(const MilOperation &op, const std::string &param,
                                  bool optional = false);
  absl::StatusOr<Values> decode(const MilValue &value, const MilOperation &op);
  /// The dense tensor of mask (0/1, shape S) and its nonzero values.
  static std::vector<double> scatter(const Values &mask, const std::vector<double> &nonzero) {
    std::vector<double> dense(mask.v.size(), 0.0);
    size_t k = 0;
    for (size_t i = 0; i < dense.size(); ++i)
      if (mask.v[i] != 0)
        dense[i] = nonzero[k++];
    return dense;
  }
  absl::Status lutToSparse(const MilOperation &op);
  absl::Status blockwiseToSparse(const MilOperation &op);
  absl::Status sparseToDense(MilOperation &op);

  MilFunction &fn;
  const MilBlobReader *weights;
  std::string where;
  absl::flat_hash_map<std::string, const MilOperation *> consts;
  // Outputs of the two-output sparse constexpr ops, decoded.
  absl::flat_hash_map<std::string, Values> decoded;
  absl::flat_hash_set<std::string> consumed;
};

absl::StatusOr<Values> Decoder::decode(const MilValue &value, const MilOperation &op) {
  Values out;
  out.dtype = value.type.dtype;
  out.shape = value.type.shape;
  int64_t n = count(out.shape);
  if (n < 0 || n > (int64_t(1) << 32))
    return error(op, "a sparse weight's part has an impossible size");
  switch (value.kind) {
  case MilValue::Floats:
    out.v = value.floats;
    break;
  case MilValue::Ints:
    out.v.assign(value.ints.begin(), value.ints.end());
    break;
  case MilValue::Bools:
    out.v.assign(value.bools.begin(), value.bools.end());
    break;
  case MilValue::Blob: {
    auto [code, bits] = blobDtype(out.dtype);
    if (!code)
      return error(op, absl::StrCat("a weight of dtype ", out.dtype, " cannot be read"));
    if (!weights)
      return error(op, "refers to a weight file that is missing");
    auto data = weights->blob(value.blobOffset, code, n, bits);
    if (!data.ok())
      return data.status();
    const char *p = data->data();
    out.v.reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      const std::string &d = out.dtype;
      if (d == "fp16") {
        _Float16 h;
        memcpy(&h, p + 2 * i, 2);
        out.v.push_back((double)h);
      } else if (d == "fp32") {
        float f;
        memcpy(&f, p + 4 * i, 4);
        out.v.push_back(f);
      } else if (bits >= 8) {
        int64_t x = 0;
        memcpy(&x, p + (bits / 8) * i, bits / 8);
        bool isSigned = d[0] == 'i';
        if (isSigned && bits < 64 && (x >> (bits - 1)) & 1)
          x -= int64_t(1) << bits;
        out.v.push_back((double)x);
      } else {
        // Sub-byte values, packed from the least significant bit up.
        uint64_t u = 0;
        for (unsigned b = 0; b < bits; ++b)
          u |= (uint64_t)((p[(i * bits + b) / 8] >> ((i * bits + b) % 8)) & 1) << b;
        int64_t x = (int64_t)u;
        if (d == "int4" && (u & 8))
          x -= 16;
        out.v.push_back((double)x);
      }
    }
    break;
  }
  default:
    return error(op, "a sparse weight's part is not numbers");
  }
  if ((int64_t)out.v.size() != n)
    return error(op, absl::StrCat("a constant holds ", out.v.size(), " values, its type ", n));
  return out;
}

absl::StatusOr<Values> Decoder::constant(const MilOperation &op, const std::string &param,
                                         bool optional) {
  for (auto &[p, names] : op.inputs) {
    if (p != param)
      continue;
    if (names.size() != 1)
      return error(op, absl::StrCat("parameter '", param, "' takes one value"));
    if (auto d = decoded.find(names[0]); d != decoded.end())
      return d->second;
    auto c = consts.find(names[0]);
    if (c == consts.end())
      return error(op, absl::StrCat("parameter '", param, "' must be a constant"));
    consumed.insert(names[0]);
    return decode(c->second->val, op);
  }
  if (optional)
    return Values{};
  return error(op, absl::StrCat("parameter '", param, "' is missing"));
}

absl::Status Decoder::lutToSparse(const MilOperation &op) {
  auto mask = constant(op, "indices_mask");
  auto nonzero = constant(op, "indices_nonzero_data");
  auto lut = constant(op, "lut");
  auto axis = constant(op, "vector_axis", /*optional=*/true);
  for (auto *s : {&mask, &nonzero, &lut, &axis})
    if (!s->ok())
      return s->status();
  const std::vector<int64_t> &S = mask->shape;
  size_t rank = S.size();
  if (lut->shape.size() != rank + 2 || op.outputs.size() != 2)
    return error(op, "the LUT's rank must be the mask's + 2, and the op has two outputs");
  int64_t entries = lut->shape[rank], vs = lut->shape[rank + 1];
  int64_t va = axis->v.empty() ? 0 : (int64_t)axis->v[0];
  if (va < 0)
    va += rank;
  if (va < 0 || va >= (int64_t)rank || (vs > 1 && axis->v.empty()))
    return error(op, "vector_axis is out of range");
  std::vector<double> indices = scatter(*mask, nonzero->v);
  // The dense output: shape S with S[va] * vs.
  std::vector<int64_t> outShape = S;
  outShape[va] *= vs;
  std::vector<double> dense(count(outShape));
  std::vector<int64_t> idx(rank, 0);
  for (size_t i = 0; i < indices.size(); ++i) {
    // Position i of S, its LUT group, and the entry.
    int64_t groupFlat = 0;
    unflatten(i, S, idx);
    for (size_t k = 0; k < rank; ++k) {
      int64_t groups = lut->shape[k];
      if (groups < 1 || S[k] % groups)
        return error(op, "the LUT's groups do not divide the mask");
      groupFlat = groupFlat * groups + idx[k] / (S[k] / groups);
    }
    int64_t entry = (int64_t)indices[i];
    if (entry < 0 || entry >= entries)
      return error(op, "an index is outside the LUT");
    for (int64_t j = 0; j < vs; ++j) {
      int64_t flat = 0;
      for (size_t k = 0; k < rank; ++k)
        flat = flat * outShape[k] + ((int64_t)k == va ? idx[k] * vs + j : idx[k]);
      dense[flat] = lut->v[(groupFlat * entries + entry) * vs + j];
    }
  }
  Values outMask{"uint1", outShape, {}};
  outMask.v.reserve(dense.size());
  for (size_t i = 0; i < dense.size(); ++i) {
    int64_t flat = 0;
    unflatten(i, outShape, idx);
    for (size_t k = 0; k < rank; ++k)
      flat = flat * S[k] + ((int64_t)k == va ? idx[k] / vs : idx[k]);
    outMask.v.push_back(mask->v[flat]);
  }
  Values outData{lut->dtype, {}, {}};
  for (size_t i = 0; i < dense.size(); ++i)
    if (outMask.v[i] != 0)
      outData.v.push_back(dense[i]);
  outData.shape = {(int64_t)outData.v.size()};
  decoded[op.outputs[0].first] = std::move(outMask);
  decoded[op.outputs[1].first] = std::move(outData);
  return absl::OkStatus();
}

absl::Status Decoder::blockwiseToSparse(const MilOperation &op) {
  auto mask = constant(op, "data_mask");
  auto nonzero = constant(op, "nonzero_data");
  auto scale = constant(op, "scale");
  auto offset = constant(op, "offset", /*optional=*/true);
  for (auto *s : {&mask, &nonzero, &scale, &offset})
    if (!s->ok())
      return s->status();
  const std::vector<int64_t> &S = mask->shape;
  size_t rank = S.size();
  if (scale->shape.size() != rank || op.outputs.size() != 2 ||
      (!offset->v.empty() && offset->shape != scale->shape))
    return error(op, "scale (and offset) must have the mask's rank, and the op two outputs");
  for (size_t k = 0; k < rank; ++k)
    if (scale->shape[k] < 1 || S[k] % scale->shape[k])
      return error(op, "the scale's blocks do not divide the mask");
  std::vector<double> data = scatter(*mask, nonzero->v);
  Values outData{scale->dtype, {}, {}};
  std::vector<int64_t> idx(rank);
  for (size_t i = 0; i < data.size(); ++i) {
    if (mask->v[i] == 0)
      continue;
    int64_t block = 0;
    unflatten(i, S, idx);
    for (size_t k = 0; k < rank; ++k)
      block = block * scale->shape[k] + idx[k] / (S[k] / scale->shape[k]);
    double shift = offset->v.empty() ? 0.0 : offset->v[block];
    outData.v.push_back(scale->v[block] * (data[i] - shift));
  }
  outData.shape = {(int64_t)outData.v.size()};
  decoded[op.outputs[0].first] = *mask;
  decoded[op.outputs[1].first] = std::move(outData);
  return absl::OkStatus();
}

absl::Status Decoder::sparseToDense(MilOperation &op) {
  auto nonzero = constant(op, "nonzero_data");
  auto mask = constant(op, "mask");
  auto shape = constant(op, "shape", /*optional=*/true);
  for (auto *s : {&nonzero, &mask, &shape})
    if (!s->ok())
      return s->status();
  if (op.outputs.size() != 1)
    return error(op, "the op has one output");
  const MilType &type = op.outputs[0].second;
  Values bits = *mask;
  if (!shape->v.empty()) {
    // iOS16: the mask is uint8 bytes, LSB first, over the shape's elements.
    bits.shape.assign(shape->v.begin(), shape->v.end());
    bits.v.clear();
    int64_t n = count(bits.shape);
    if (n < 0 || (int64_t)mask->v.size() * 8 < n)
      return error(op, "the mask holds fewer bits than the shape's elements");
    for (int64_t i = 0; i < n; ++i)
      bits.v.push_back(((int64_t)mask->v[i / 8] >> (i % 8)) & 1);
  }
  int64_t set = 0;
  for (double b : bits.v)
    set += b != 0;
  if (set != (int64_t)nonzero->v.size())
    return error(op, absl::StrCat("the mask sets ", set, " values, nonzero_data holds ",
                                  nonzero->v.size()));
  if (bits.shape != type.shape)
    return error(op, "the mask's shape is not the output's");
  MilOperation dense;
  dense.type = "const";
  dense.name = op.name;
  dense.outputs = op.outputs;
  dense.hasVal = true;
  dense.val.type = type;
  bool isFloat = type.dtype == "fp16" || type.dtype == "fp32";
  dense.val.kind = isFloat ? MilValue::Floats : MilValue::Ints;
  std::vector<double> values = scatter(bits, nonzero->v);
  if (isFloat)
    dense.val.floats = std::move(values);
  else
    dense.val.ints.assign(values.begin(), values.end());
  op = std::move(dense);
  return absl::OkStatus();
}

absl::Status Decoder::run() {
  bool any = false;
  for (const MilOperation &op : fn.operations)
    any |= op.type == "constexpr_sparse_to_dense";
  if (!any)
    return absl::OkStatus();
  for (const MilOperation &op : fn.operations)
    if (op.hasVal)
      consts[op.outputs.empty() ? op.name : op.outputs[0].first] = &op;
  std::vector<size_t> dropped;
  for (size_t k = 0; k < fn.operations.size(); ++k) {
    MilOperation &op = fn.operations[k];
    absl::Status s = absl::OkStatus();
    if (op.type == "constexpr_lut_to_sparse")
      s = lutToSparse(op), dropped.push_back(k);
    else if (op.type == "constexpr_sparse_blockwise_shift_scale")
      s = blockwiseToSparse(op), dropped.push_back(k);
    else if (op.type == "constexpr_sparse_to_dense")
      s = sparseToDense(op);
    if (!s.ok())
      return s;
  }
  // The consts and ops that only fed the dense weights go.
  absl::flat_hash_set<std::string> stillUsed(fn.outputs.begin(), fn.outputs.end());
  for (size_t k = 0; k < fn.operations.size(); ++k)
    if (!llvm::is_contained(dropped, k))
      for (auto &[p, names] : fn.operations[k].inputs)
        stillUsed.insert(names.begin(), names.end());
  std::vector<MilOperation> kept;
  for (size_t k = 0; k < fn.operations.size(); ++k) {
    MilOperation &op = fn.operations[k];
    std::string out = op.outputs.empty() ? op.name : op.outputs[0].first;
    if (llvm::is_contained(dropped, k) ||
        (op.hasVal && consumed.contains(out) && !stillUsed.contains(out)))
      continue;
    kept.push_back(std::move(op));
  }
  fn.operations = std::move(kept);
  return absl::OkStatus();
}

} // namespace

absl::Status anec::import::densifySparseWeights(MilFunction &fn, const MilBlobReader *weights,
                                                const std::string &where) {
  return Decoder(fn, weights, where).run();
}
