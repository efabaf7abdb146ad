//===- HfImporter.cpp - Hugging Face checkpoints into mil -------------------===//
//
// Weights are never copied: each tensor becomes a `dense_resource` whose blob
// points into the memory-mapped safetensors file (the blob keeps the mapping
// alive). F32 and BF16 tensors keep their storage type and are cast to fp16
// in the graph; the conversion happens when the weights are written.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Import/HfImporter.h"
#include "lib/Support/Half.h"
#include "lib/Support/MappedFiles.h"
#include "anec/Progress.h"
#include "lib/Import/SafeTensors.h"

#include "dialects/Mil/MilDialect.h"
#include "dialects/Mil/MilShapes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

using namespace mlir;
using namespace anec;
using namespace anec::import;
using namespace anec::mil;

namespace {

class CheckpointWeights : public WeightSource {
public:
  CheckpointWeights(Checkpoint ckpt, std::string dir, ImportReport &report)
      : ckpt(std::move(ckpt)), dir(std::move(dir)), report(report) {}

  bool has(StringRef name) const override { return ckpt.find(name) != nullptr; }

  absl::StatusOr<Value> get(OpBuilder &b, StringRef name,
                            ArrayRef<int64_t> shape) override {
    const TensorView *t = ckpt.find(name);
    if (!t)
      return absl::NotFoundError(
          absl::StrCat(dir, ": missing tensor '", name.str(), "'"));
    if (ArrayRef<int64_t>(t->shape) != shape)
      return absl::InvalidArgumentError(absl::StrCat(
          t->path, ": tensor '", name.str(), "' has shape ",
          shapeToString(t->shape), ", the config implies ", shapeToString(shape)));
    Type element;
    if (t->dtype == "F16")
      element = b.getF16Type();
    else if (t->dtype == "BF16")
      element = b.getBF16Type();
    else if (t->dtype == "F32")
      element = b.getF32Type();
    else
      return absl::InvalidArgumentError(absl::StrCat(
          t->path, ": tensor '", name.str(), "' has dtype ", t->dtype,
          " (F32, F16 and BF16 weights are supported)"));
    auto type = RankedTensorType::get(shape, element);
    auto it = attrs.find(name.str());
    if (it == attrs.end()) {
      count(*t);
      if (nonFinite)
        return absl::InvalidArgumentError(absl::StrCat(
            t->path, ": tensor '", name.str(), "' holds ", nonFinite, " NaN or Inf values"));
      std::shared_ptr<llvm::MemoryBuffer> keepAlive = t->file;
      AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
          t->data, element.getIntOrFloatBitWidth() / 8,
          [keepAlive](void *, size_t, size_t) {});
      it = attrs.emplace(name.str(),
                         DenseResourceElementsAttr::get(type, name, std::move(blob)))
               .first;
    }
    Location loc = NameLoc::get(b.getStringAttr(name));
    Value v = b.create<ConstOp>(loc, it->second);
    if (!element.isF16())
      v = b.create<CastOp>(loc, v, b.getStringAttr("fp16"));
    return v;
  }

private:
  /// Counts values fp16 cannot hold (streaming over the mapped bytes).
  void count(const TensorView &t) {
    report.tensors++;
    report.parameters += t.numElements();
    report.weightBytes += t.data.size();
    FloatStorage storage = t.dtype == "F16"   ? FloatStorage::F16
                           : t.dtype == "F32" ? FloatStorage::F32
                                              : FloatStorage::BF16;
    nonFinite = scanFp16Range(t.data.data(), t.numElements(), storage, report);
    // Scanned; the passes or the writer read it again later.
    releaseMappedPages(t.data.data(), t.data.size());
    reportProgress("import", (int64_t)report.tensors, (int64_t)ckpt.tensors().size());
  }


  Checkpoint ckpt;
  std::string dir;
  ImportReport &report;
  int64_t nonFinite = 0;
  absl::flat_hash_map<std::string, DenseResourceElementsAttr> attrs;
};

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::import::importHuggingFace(MLIRContext *ctx, const std::string &dir,
                                const ImportOptions &options,
                                ImportReport *report) {
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  if (absl::Status regular = anec::requireRegularFile(configPath); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
  if (!buffer)
    return absl::NotFoundError(absl::StrCat(configPath.str().str(), ": cannot open: ",
                                            buffer.getError().message()));
  if ((*buffer)->getBufferSize() > (1u << 20))
    return absl::InvalidArgumentError(
        absl::StrCat(configPath.str().str(), ": larger than any config (1 MiB)"));
  auto config = parseHfConfig((*buffer)->getBuffer().str(), configPath.str().str());
  if (!config.ok())
    return config.status();
  auto ckpt = Checkpoint::open(dir);
  if (!ckpt.ok())
    return ckpt.status();
  ImportReport local;
  CheckpointWeights weights(std::move(*ckpt), dir, report ? *report : local);
  return buildTransformer(ctx, *config, weights, options);
}

absl::Status anec::import::writeTinyLlama(const std::string &dir, uint64_t seed) {
  // 2 layers, hidden 64, 4 query heads and 2 KV heads of 16, SwiGLU 128,
  // vocabulary 16500 (> 16384), tied embeddings, llama3 rope scaling.
  const int64_t H = 64, F = 128, L = 2, NH = 4, KV = 2, D = 16, V = 16500;
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return absl::InternalError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  std::mt19937_64 rng(seed);
  std::vector<TensorToWrite> tensors;
  auto bf16 = [&](const std::string &name, std::vector<int64_t> shape,
                  double scale, double offset) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    std::normal_distribution<float> normal(0.0f, (float)scale);
    std::string data(2 * n, '\0');
    for (int64_t k = 0; k < n; ++k) {
      float v = (float)offset + normal(rng);
      uint32_t bits;
      memcpy(&bits, &v, 4);
      // Round to nearest even into the upper 16 bits.
      bits += 0x7fff + ((bits >> 16) & 1);
      data[2 * k] = char((bits >> 16) & 0xff);
      data[2 * k + 1] = char(bits >> 24);
    }
    tensors.push_back({name, "BF16", shape, std::move(data)});
  };
  bf16("model.embed_tokens.weight", {V, H}, 0.5, 0);
  for (int64_t l = 0; l < L; ++l) {
    std::string p = absl::StrCat("model.layers.", l);
    double s = 1.0 / std::sqrt((double)H);
    bf16(p + ".input_layernorm.weight", {H}, 0.1, 1);
    bf16(p + ".self_attn.q_proj.weight", {NH * D, H}, s, 0);
    bf16(p + ".self_attn.k_proj.weight", {KV * D, H}, s, 0);
    bf16(p + ".self_attn.v_proj.weight", {KV * D, H}, s, 0);
    bf16(p + ".self_attn.o_proj.weight", {H, NH * D}, s, 0);
    bf16(p + ".post_attention_layernorm.weight", {H}, 0.1, 1);
    bf16(p + ".mlp.gate_proj.weight", {F, H}, s, 0);
    bf16(p + ".mlp.up_proj.weight", {F, H}, s, 0);
    bf16(p + ".mlp.down_proj.weight", {H, F}, 1.0 / std::sqrt((double)F), 0);
  }
  bf16("model.norm.weight", {H}, 0.1, 1);
  llvm::SmallString<256> st(dir), cfg(dir);
  llvm::sys::path::append(st, "model.safetensors");
  llvm::sys::path::append(cfg, "config.json");
  if (absl::Status s = writeSafetensors(st.str().str(), tensors); !s.ok())
    return s;
  std::string config = absl::StrCat(R"({
  "architectures": ["LlamaForCausalLM"],
  "model_type": "llama",
  "hidden_size": )", H, R"(,
  "intermediate_size": )", F, R"(,
  "num_hidden_layers": )", L, R"(,
  "num_attention_heads": )", NH, R"(,
  "num_key_value_heads": )", KV, R"(,
  "head_dim": )", D, R"(,
  "hidden_act": "silu",
  "rms_norm_eps": 1e-05,
  "rope_theta": 500000.0,
  "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                   "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
  "max_position_embeddings": 2048,
  "vocab_size": )", V, R"(,
  "tie_word_embeddings": true,
  "attention_bias": false,
  "mlp_bias": false,
  "torch_dtype": "bfloat16"
}
)");
  std::string tmp = cfg.str().str() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << config;
    if (!out)
      return absl::InternalError(absl::StrCat(cfg.str().str(), ": cannot write"));
  }
  if (std::rename(tmp.c_str(), cfg.c_str()) != 0)
    return absl::InternalError(absl::StrCat(cfg.str().str(), ": cannot rename into place"));
  return absl::OkStatus();
}

int64_t anec::import::scanFp16Range(const char *p, int64_t n, FloatStorage storage,
                                    ImportReport &report) {
  // One loop per storage type, on the bit patterns where they tell (integer
  // compares the compiler vectorizes), counting into locals.
  int64_t nonFinite = 0, overflows = 0, underflows = 0;
  if (storage == FloatStorage::F16) {
    // fp16 holds its own range: only NaN/Inf to count.
    for (int64_t k = 0; k < n; ++k) {
      uint16_t h;
      memcpy(&h, p + 2 * k, 2);
      nonFinite += (h & 0x7c00) == 0x7c00;
    }
  } else if (storage == FloatStorage::BF16) {
    // |v| as bf16 bits: >= 0x7f80 not finite; >= 0x4780 (65536) above
    // fp16's 65504; below 0x3380 (2^-24) and not zero, under fp16's least.
    // Blocks short enough for 16-bit counters, so the compares stay in
    // 16-bit lanes (8 to a vector) instead of widening to 64 bits.
    for (int64_t begin = 0; begin < n; begin += 32768) {
      int64_t end = std::min<int64_t>(n, begin + 32768);
      uint16_t nf = 0, over = 0, under = 0;
      for (int64_t k = begin; k < end; ++k) {
        uint16_t b;
        memcpy(&b, p + 2 * k, 2);
        uint16_t a = b & 0x7fff;
        nf += a >= 0x7f80;
        over += (uint16_t)(a - 0x4780) < (uint16_t)(0x7f80 - 0x4780);
        under += (uint16_t)(a - 1) < (uint16_t)(0x3380 - 1);
      }
      nonFinite += nf, overflows += over, underflows += under;
    }
  } else {
    for (int64_t k = 0; k < n; ++k) {
      float v;
      memcpy(&v, p + 4 * k, 4);
      float a = std::fabs(v);
      bool finite = a <= 3.4028235e38f;
      nonFinite += !finite;
      overflows += finite && a > 65504.0f;
      underflows += a != 0 && a < 5.9604645e-8f;
    }
  }
  report.fp16Overflows += overflows;
  report.fp16Underflows += underflows;
  return nonFinite;
}
