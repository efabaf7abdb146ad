//===- GgufImporter.cpp - llama.cpp GGUF files into mil -------------------===//
//
// model-formats.md: header (magic, version, tensor and KV counts), typed
// key/values, tensor infos (dims innermost first, ggml type, offset), then
// the aligned data section. Every count, length and offset is checked
// against the file before it is used.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Import/GgufImporter.h"
#include "lib/Support/MappedFiles.h"

#include "dialects/Mil/MilDialect.h"
#include "dialects/Mil/MilShapes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/MemoryBuffer.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstring>
#include <variant>

using namespace mlir;
using namespace anec;
using namespace anec::import;
using namespace anec::mil;

namespace {

enum GgmlType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, BF16 = 30 };

struct GgufTensor {
  std::string name;
  std::vector<int64_t> dims; // innermost first, as stored
  uint32_t type = 0;
  uint64_t offset = 0;
  llvm::ArrayRef<char> data;
};

/// The length of an array of non-string values (whose values are not kept).
struct ArrayLength {
  int64_t length;
};
using MetaValue =
    std::variant<int64_t, double, bool, std::string, std::vector<std::string>, ArrayLength>;

class Reader {
public:
  Reader(llvm::StringRef bytes, std::string path) : bytes(bytes), path(std::move(path)) {}

  absl::Status error(const std::string &what) const {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", what, " (at byte ", pos, ")"));
  }
  template <typename T>
  absl::StatusOr<T> read() {
    if (bytes.size() - pos < sizeof(T))
      return error("truncated");
    T v;
    memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  absl::StatusOr<std::string> string() {
    auto n = read<uint64_t>();
    if (!n.ok())
      return n.status();
    if (*n > bytes.size() - pos || *n > (1u << 20))
      return error(absl::StrCat("a string of ", *n, " bytes runs past the end of the file"));
    std::string s(bytes.data() + pos, *n);
    pos += *n;
    return s;
  }
  /// Reads one value of GGUF type `type`; scalars and string arrays are kept.
  absl::StatusOr<MetaValue> value(uint32_t type, int depth = 0) {
    switch (type) {
    case 0: { auto v = read<uint8_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 1: { auto v = read<int8_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 2: { auto v = read<uint16_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 3: { auto v = read<int16_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 4: { auto v = read<uint32_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 5: { auto v = read<int32_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 6: { auto v = read<float>(); if (!v.ok()) return v.status(); return MetaValue((double)*v); }
    case 7: { auto v = read<uint8_t>(); if (!v.ok()) return v.status(); return MetaValue(*v != 0); }
    case 8: { auto v = string(); if (!v.ok()) return v.status(); return MetaValue(*v); }
    case 10: { auto v = read<uint64_t>(); if (!v.ok()) return v.status(); return MetaValue((int64_t)*v); }
    case 11: { auto v = read<int64_t>(); if (!v.ok()) return v.status(); return MetaValue(*v); }
    case 12: { auto v = read<double>(); if (!v.ok()) return v.status(); return MetaValue(*v); }
    case 9: {
      if (depth > 3)
        return error("arrays nested too deeply");
      auto elem = read<uint32_t>();
      auto count = read<uint64_t>();
      if (!elem.ok() || !count.ok())
        return error("truncated array header");
      // Every element takes at least one byte.
      if (*count > bytes.size() - pos)
        return error(absl::StrCat("an array of ", *count, " elements runs past the end of the file"));
      std::vector<std::string> strings;
      for (uint64_t i = 0; i < *count; ++i) {
        auto v = value(*elem, depth + 1);
        if (!v.ok())
          return v.status();
        if (*elem == 8)
          strings.push_back(std::get<std::string>(*v));
      }
      if (*elem == 8)
        return MetaValue(std::move(strings));
      return MetaValue(ArrayLength{(int64_t)*count});
    }
    default:
      return error(absl::StrCat("unknown value type ", type));
    }
  }

  llvm::StringRef bytes;
  std::string path;
  uint64_t pos = 0;
};

/// Bytes of a tensor of `n` elements of ggml `type`, or 0 when unsupported.
uint64_t tensorBytes(uint32_t type, uint64_t n) {
  switch (type) {
  case F32: return 4 * n;
  case F16:
  case BF16: return 2 * n;
  case Q8_0: return n / 32 * 34;
  case Q4_0: return n / 32 * 18;
  default: return 0;
  }
}

const char *typeName(uint32_t type) {
  switch (type) {
  case F32: return "F32";
  case F16: return "F16";
  case BF16: return "BF16";
  case Q8_0: return "Q8_0";
  case Q4_0: return "Q4_0";
  default: return nullptr;
  }
}

class GgufWeights : public WeightSource {
public:
  GgufWeights(std::shared_ptr<llvm::MemoryBuffer> file, std::string path,
              absl::flat_hash_map<std::string, GgufTensor> tensors, const ModelConfig &config,
              ImportReport &report)
      : file(std::move(file)), path(std::move(path)), tensors(std::move(tensors)),
        config(config), report(report) {}

  /// transformers' tensor names -> GGUF's.
  static std::string ggufName(llvm::StringRef hf) {
    static const std::pair<const char *, const char *> table[] = {
        {"self_attn.q_proj", "attn_q"},   {"self_attn.k_proj", "attn_k"},
        {"self_attn.v_proj", "attn_v"},   {"self_attn.o_proj", "attn_output"},
        {"input_layernorm", "attn_norm"}, {"post_attention_layernorm", "ffn_norm"},
        {"mlp.gate_proj", "ffn_gate"},    {"mlp.up_proj", "ffn_up"},
        {"mlp.down_proj", "ffn_down"},
    };
    if (hf == "model.embed_tokens.weight")
      return "token_embd.weight";
    if (hf == "model.norm.weight")
      return "output_norm.weight";
    if (hf == "lm_head.weight")
      return "output.weight";
    if (hf.consume_front("model.layers.")) {
      auto [layer, rest] = hf.split('.');
      for (auto &[from, to] : table) {
        llvm::StringRef r = rest;
        if (r.consume_front(from))
          return absl::StrCat("blk.", layer.str(), ".", to, r.str());
      }
    }
    return hf.str();
  }

  bool has(StringRef name) const override { return tensors.contains(ggufName(name)); }

  /// The GGUF row that holds each Hugging Face row of `name`; empty when
  /// they are the same.
  std::vector<int32_t> rowPermutation(StringRef name) {
    // llama.cpp's converter stores q/k rows so that RoPE rotates adjacent
    // pairs: HF row h·d + c holds GGUF row h·d + 2c (c < d/2) or
    // h·d + 2(c − d/2) + 1. The rows are put back in that order when the
    // weight is read, so the program computes no permutation.
    int64_t heads;
    if (name.ends_with("self_attn.q_proj.weight"))
      heads = config.heads;
    else if (name.ends_with("self_attn.k_proj.weight"))
      heads = config.kvHeads;
    else
      return {};
    int64_t d = config.headDim;
    std::vector<int32_t> perm;
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t c = 0; c < d; ++c)
        perm.push_back((int32_t)(h * d + (c < d / 2 ? 2 * c : 2 * (c - d / 2) + 1)));
    return perm;
  }

  absl::StatusOr<Value> get(OpBuilder &b, StringRef hfName, ArrayRef<int64_t> shape) override {
    std::string name = ggufName(hfName);
    auto it = tensors.find(name);
    if (it == tensors.end())
      return absl::NotFoundError(absl::StrCat(path, ": missing tensor '", name, "' (",
                                              hfName.str(), ")"));
    const GgufTensor &t = it->second;
    SmallVector<int64_t> hfShape(t.dims.rbegin(), t.dims.rend());
    if (ArrayRef<int64_t>(hfShape) != shape)
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", name, "' has shape ", shapeToString(hfShape),
          ", the metadata implies ", shapeToString(shape)));
    Location loc = NameLoc::get(b.getStringAttr(hfName));
    MLIRContext *ctx = b.getContext();
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    // The attributes of a tensor are made once and shared by the functions.
    auto cached = attrs.find(name);
    bool fresh = cached == attrs.end();
    if (fresh) {
      report.tensors++;
      report.parameters += n;
      report.weightBytes += t.data.size();
      cached = attrs.emplace(name, std::vector<ElementsAttr>()).first;
    }
    std::vector<ElementsAttr> &made = cached->second;
    if (fresh && (t.type == F32 || t.type == F16 || t.type == BF16)) {
      // The same fp16-range scan as for safetensors; NaN/Inf is an error.
      FloatStorage storage = t.type == F32   ? FloatStorage::F32
                             : t.type == F16 ? FloatStorage::F16
                                             : FloatStorage::BF16;
      int64_t nonFinite = scanFp16Range(t.data.data(), n, storage, report);
      if (nonFinite)
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": tensor '", name, "' holds ", nonFinite, " NaN or Inf values"));
    }
    std::vector<int32_t> perm = rowPermutation(hfName);
    if (!perm.empty() && (shape.size() != 2 || (int64_t)perm.size() != shape[0]))
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", name, "' has shape ", shapeToString(hfShape),
          ", not the [heads x head_dim, hidden] of a q/k projection"));
    if (t.type == F32 || t.type == F16 || t.type == BF16) {
      Type element = t.type == F32 ? Type(b.getF32Type())
                     : t.type == F16 ? Type(b.getF16Type()) : Type(b.getBF16Type());
      if (fresh) {
        auto type = RankedTensorType::get(shape, element);
        size_t align = element.getIntOrFloatBitWidth() / 8;
        AsmResourceBlob blob;
        if (perm.empty()) {
          std::shared_ptr<llvm::MemoryBuffer> keepAlive = file;
          blob = UnmanagedAsmResourceBlob::allocateWithAlign(t.data, align,
                                                             [keepAlive](void *, size_t, size_t) {});
        } else {
          // The rows in Hugging Face order: a copy of this (small) weight.
          size_t rowBytes = t.data.size() / shape[0];
          blob = HeapAsmResourceBlob::allocate(t.data.size(), align);
          MutableArrayRef<char> out = blob.getMutableData();
          for (size_t r = 0; r < perm.size(); ++r)
            memcpy(out.data() + r * rowBytes, t.data.data() + perm[r] * rowBytes, rowBytes);
        }
        made.push_back(DenseResourceElementsAttr::get(type, hfName, std::move(blob)));
      }
      Value v = b.create<ConstOp>(loc, made[0]);
      if (!element.isF16())
        v = b.create<CastOp>(loc, v, b.getStringAttr("fp16"));
      return v;
    }
    if (!fresh) {
      Value dataV = b.create<ConstOp>(loc, made[0]);
      Value scaleV = b.create<ConstOp>(loc, made[1]);
      Value offset = made.size() > 2 ? b.create<ConstOp>(loc, made[2]).getResult() : Value();
      return b.create<ConstexprBlockwiseShiftScaleOp>(loc, dataV, scaleV, offset).getResult();
    }
    // Q8_0 / Q4_0: blocks of 32 along the row, an fp16 scale each. Exactly
    // constexpr_blockwise_shift_scale with int8 (or uint4 with offset 8)
    // data and one scale per block; de-interleaving needs a copy.
    int64_t rows = shape[0], cols = shape.size() > 1 ? shape[1] : 1;
    int64_t blocks = cols / 32;
    bool q8 = t.type == Q8_0;
    size_t blockBytes = q8 ? 34 : 18;
    std::vector<char> data(q8 ? n : n / 2, 0);
    std::vector<uint16_t> scales(rows * blocks);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < blocks; ++k) {
        // Row r in Hugging Face order is GGUF row perm[r] (q/k).
        int64_t from = perm.empty() ? r : perm[r];
        const char *block = t.data.data() + (from * blocks + k) * blockBytes;
        memcpy(&scales[r * blocks + k], block, 2);
        if ((scales[r * blocks + k] & 0x7c00) == 0x7c00)
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": tensor '", name, "' has a NaN or infinite block scale (row ", from,
              ", block ", k, ")"));
        for (int j = 0; j < 32; ++j) {
          int64_t e = r * cols + k * 32 + j;
          if (q8) {
            data[e] = block[2 + j];
          } else {
            // GGUF: byte j holds element j (low nibble) and j + 16 (high).
            uint8_t byte = (uint8_t)block[2 + (j % 16)];
            uint8_t nibble = j < 16 ? (byte & 0xf) : (byte >> 4);
            // anec: element e at bits [4e, 4e + 4), LSB first.
            data[e / 2] |= (char)(nibble << (4 * (e % 2)));
          }
        }
      }
    Type dataType = q8 ? Type(b.getIntegerType(8))
                       : Type(IntegerType::get(ctx, 4, IntegerType::Unsigned));
    auto dataAttr = DenseResourceElementsAttr::get(
        RankedTensorType::get(shape, dataType), hfName.str() + ".qdata",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<char>(data)));
    auto scaleType = RankedTensorType::get({rows, blocks}, b.getF16Type());
    auto scaleAttr = DenseResourceElementsAttr::get(
        scaleType, hfName.str() + ".scales",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(
            ArrayRef<char>(reinterpret_cast<const char *>(scales.data()), 2 * scales.size())));
    Value dataV = b.create<ConstOp>(loc, dataAttr);
    Value scaleV = b.create<ConstOp>(loc, scaleAttr);
    made = {dataAttr, scaleAttr};
    Value offset;
    if (!q8) {
      auto offsetType = RankedTensorType::get({rows, blocks}, dataType);
      auto offsetAttr = DenseElementsAttr::get(offsetType, APInt(4, 8, /*isSigned=*/false));
      made.push_back(offsetAttr);
      offset = b.create<ConstOp>(loc, offsetAttr);
    }
    return b.create<ConstexprBlockwiseShiftScaleOp>(loc, dataV, scaleV, offset).getResult();
  }

private:
  std::shared_ptr<llvm::MemoryBuffer> file;
  std::string path;
  absl::flat_hash_map<std::string, GgufTensor> tensors;
  const ModelConfig &config;
  ImportReport &report;
  absl::flat_hash_map<std::string, std::vector<ElementsAttr>> attrs;
};

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::import::importGguf(MLIRContext *ctx, const std::string &path, const ImportOptions &options,
                         ImportReport *report) {
  if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", buffer.getError().message()));
  std::shared_ptr<llvm::MemoryBuffer> file = shareMappedFile(std::move(*buffer));
  Reader r(file->getBuffer(), path);
  if (r.bytes.size() < 24 || !r.bytes.starts_with("GGUF"))
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a GGUF file (no GGUF magic)"));
  r.pos = 4;
  uint32_t version = *r.read<uint32_t>();
  if (version != 2 && version != 3)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": GGUF version ", version, " (2 and 3 are supported)"));
  uint64_t tensorCount = *r.read<uint64_t>(), kvCount = *r.read<uint64_t>();
  // Each KV takes at least 12 bytes and each tensor info at least 24.
  if (kvCount > r.bytes.size() / 12 || tensorCount > r.bytes.size() / 24)
    return r.error(absl::StrCat("header claims ", tensorCount, " tensors and ", kvCount,
                                " key/values, more than the file can hold"));
  absl::flat_hash_map<std::string, MetaValue> meta;
  for (uint64_t i = 0; i < kvCount; ++i) {
    auto key = r.string();
    if (!key.ok())
      return key.status();
    auto type = r.read<uint32_t>();
    if (!type.ok())
      return type.status();
    auto v = r.value(*type);
    if (!v.ok())
      return v.status();
    meta[*key] = std::move(*v);
  }
  std::vector<GgufTensor> infos;
  for (uint64_t i = 0; i < tensorCount; ++i) {
    GgufTensor t;
    auto name = r.string();
    if (!name.ok())
      return name.status();
    t.name = *name;
    auto nDims = r.read<uint32_t>();
    if (!nDims.ok())
      return nDims.status();
    if (*nDims == 0 || *nDims > 4)
      return r.error(absl::StrCat("tensor '", t.name, "' has ", *nDims, " dimensions"));
    uint64_t count = 1;
    for (uint32_t d = 0; d < *nDims; ++d) {
      auto dim = r.read<uint64_t>();
      if (!dim.ok())
        return dim.status();
      if (*dim == 0 || *dim > (uint64_t(1) << 32) || count > (uint64_t(1) << 40) / *dim)
        return r.error(absl::StrCat("tensor '", t.name, "' has an absurd dimension ", *dim));
      count *= *dim;
      t.dims.push_back((int64_t)*dim);
    }
    auto type = r.read<uint32_t>();
    auto offset = r.read<uint64_t>();
    if (!type.ok() || !offset.ok())
      return r.error("truncated tensor info");
    t.type = *type;
    t.offset = *offset;
    if (!typeName(t.type))
      return r.error(absl::StrCat("tensor '", t.name, "' has ggml type ", t.type,
                                  " (F32, F16, BF16, Q8_0 and Q4_0 are supported)"));
    if ((t.type == Q8_0 || t.type == Q4_0) && t.dims[0] % 32 != 0)
      return r.error(absl::StrCat("tensor '", t.name, "' is ", typeName(t.type),
                                  " with rows of ", t.dims[0], " (not a multiple of 32)"));
    infos.push_back(std::move(t));
  }
  uint64_t alignment = 32;
  if (auto it = meta.find("general.alignment"); it != meta.end()) {
    if (!std::holds_alternative<int64_t>(it->second) || std::get<int64_t>(it->second) <= 0 ||
        std::get<int64_t>(it->second) > 4096)
      return r.error("general.alignment must be a positive integer up to 4096");
    alignment = (uint64_t)std::get<int64_t>(it->second);
  }
  uint64_t dataStart = (r.pos + alignment - 1) / alignment * alignment;
  if (dataStart > r.bytes.size())
    return r.error("the data section starts past the end of the file");
  uint64_t dataSize = r.bytes.size() - dataStart;
  absl::flat_hash_map<std::string, GgufTensor> tensors;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (GgufTensor &t : infos) {
    uint64_t n = 1;
    for (int64_t d : t.dims)
      n *= (uint64_t)d;
    uint64_t bytes = tensorBytes(t.type, n);
    if (t.offset > dataSize || dataSize - t.offset < bytes)
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", t.name, "' at offset ", t.offset, " (", bytes,
          " bytes) runs past the end of the data section (", dataSize, " bytes)"));
    t.data = llvm::ArrayRef<char>(r.bytes.data() + dataStart + t.offset, bytes);
    ranges.push_back({t.offset, t.offset + bytes});
    if (tensors.contains(t.name))
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor '", t.name, "' appears twice"));
    tensors[t.name] = t;
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k)
    if (ranges[k].first < ranges[k - 1].second)
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensors overlap"));

  // Metadata to config.
  auto str = [&](const std::string &k) -> std::optional<std::string> {
    auto it = meta.find(k);
    if (it == meta.end() || !std::holds_alternative<std::string>(it->second))
      return std::nullopt;
    return std::get<std::string>(it->second);
  };
  auto integer = [&](const std::string &k) -> std::optional<int64_t> {
    auto it = meta.find(k);
    if (it == meta.end() || it->second.index() != 0)
      return std::nullopt;
    return std::get<0>(it->second);
  };
  auto number = [&](const std::string &k) -> std::optional<double> {
    auto it = meta.find(k);
    if (it == meta.end())
      return std::nullopt;
    if (std::holds_alternative<double>(it->second))
      return std::get<double>(it->second);
    if (it->second.index() == 0)
      return (double)std::get<0>(it->second);
    return std::nullopt;
  };
  std::optional<std::string> arch = str("general.architecture");
  if (!arch)
    return absl::InvalidArgumentError(absl::StrCat(path, ": no general.architecture"));
  if (*arch != "llama")
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": architecture '", *arch, "' is not supported (llama is)"));
  ModelConfig c;
  c.arch = Architecture::Llama;
  c.archName = "llama (GGUF)";
  c.source = path;
  auto need = [&](const char *key, int64_t &out) -> absl::Status {
    auto v = integer(key);
    if (!v || *v <= 0 || *v > (int64_t(1) << 31))
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": needs a positive integer '", key, "'"));
    out = *v;
    return absl::OkStatus();
  };
  for (auto [key, field] : {std::pair{"llama.embedding_length", &c.hidden},
                            {"llama.block_count", &c.layers},
                            {"llama.feed_forward_length", &c.intermediate},
                            {"llama.attention.head_count", &c.heads}})
    if (absl::Status s = need(key, *field); !s.ok())
      return s;
  c.kvHeads = integer("llama.attention.head_count_kv").value_or(c.heads);
  if (c.kvHeads <= 0 || c.heads % c.kvHeads || c.hidden % c.heads)
    return absl::InvalidArgumentError(absl::StrCat(path, ": inconsistent head counts"));
  c.headDim = c.hidden / c.heads;
  if (auto rd = integer("llama.rope.dimension_count"); rd && *rd != c.headDim)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": partial rotary embeddings (rope.dimension_count ", *rd, " of ", c.headDim,
        ") are not supported"));
  c.rmsEps = number("llama.attention.layer_norm_rms_epsilon").value_or(1e-5);
  c.ropeTheta = number("llama.rope.freq_base").value_or(10000.0);
  if (meta.contains("llama.rope.scaling.type"))
    return absl::InvalidArgumentError(absl::StrCat(path, ": rope scaling in GGUF metadata is not supported"));
  if (auto v = integer("llama.vocab_size"))
    c.vocab = *v;
  else if (auto it = meta.find("tokenizer.ggml.tokens");
           it != meta.end() && std::holds_alternative<std::vector<std::string>>(it->second))
    c.vocab = (int64_t)std::get<std::vector<std::string>>(it->second).size();
  else if (auto it = tensors.find("token_embd.weight"); it != tensors.end())
    c.vocab = it->second.dims.back();
  c.tiedEmbeddings = !tensors.contains("output.weight");
  if (auto v = integer("tokenizer.ggml.bos_token_id"); v && *v >= 0)
    c.bosTokenId = *v;
  if (auto v = integer("tokenizer.ggml.eos_token_id"); v && *v >= 0)
    c.eosTokenIds.push_back(*v);
  ImportReport local;
  GgufWeights weights(file, path, std::move(tensors), c, report ? *report : local);
  return buildTransformer(ctx, c, weights, options);
}
