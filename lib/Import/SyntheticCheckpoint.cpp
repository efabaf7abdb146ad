//===- SyntheticCheckpoint.cpp - checkpoints with real shapes, seeded weights ===//
//
// For benchmarks and scale tests: the public shapes of real models
// (../shared/models) with generated weights, since no real weights can be
// downloaded here.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "lib/Import/SyntheticCheckpoint.h"
#include "lib/Import/ModelConfig.h"
#include "lib/Import/SafeTensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstring>
#include <fstream>

using namespace anec::import;

namespace {
/// splitmix64: fast, seedable, good enough for weights.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1).
  float uniform() { return (float)((next() >> 40) * (2.0 / (1ull << 24)) - 1.0); }
};

uint16_t toBf16(float v) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}
} // namespace

absl::Status anec::import::writeSyntheticCheckpoint(const std::string &configPath,
                                                    const std::string &dir,
                                                    const SyntheticOptions &options) {
  // 0 keeps the config's own count; anything else must be a real size.
  if (options.layers < 0 || options.layers > 1024)
    return absl::InvalidArgumentError(
        absl::StrCat("--layers must be from 1 to 1024 (0: the config's), got ", options.layers));
  if (options.vocab < 0 || options.vocab > (int64_t(1) << 22))
    return absl::InvalidArgumentError(absl::StrCat(
        "--vocab must be from 1 to ", int64_t(1) << 22, " (0: the config's), got ", options.vocab));
  if (absl::Status regular = anec::requireRegularFile(configPath); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
  if (!buffer)
    return absl::NotFoundError(absl::StrCat(configPath, ": cannot open"));
  auto json = anec::parseJson((*buffer)->getBuffer());
  if (!json || !json->getAsObject())
    return absl::InvalidArgumentError(absl::StrCat(configPath, ": not a JSON object"));
  llvm::json::Object object = *json->getAsObject();
  if (options.layers > 0)
    object["num_hidden_layers"] = options.layers;
  if (options.vocab > 0)
    object["vocab_size"] = options.vocab;
  std::string text;
  llvm::raw_string_ostream(text) << llvm::formatv("{0:2}", llvm::json::Value(std::move(object)));
  auto config = parseHfConfig(text, configPath);
  if (!config.ok())
    return config.status();
  const ModelConfig &c = *config;
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return absl::InternalError(absl::StrCat(dir, ": cannot create: ", ec.message()));

  std::vector<TensorToWrite> tensors;
  uint64_t seed = options.seed;
  auto add = [&](const std::string &name, std::vector<int64_t> shape, float scale,
                 float offset) {
    uint64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    TensorToWrite t;
    t.name = name;
    t.dtype = "BF16";
    t.shape = shape;
    t.bytes = 2 * n;
    uint64_t tensorSeed = seed++;
    t.produce = [n, scale, offset, tensorSeed](std::ostream &out) {
      Rng rng{tensorSeed * 0x2545f4914f6cdd1dull};
      std::vector<uint16_t> chunk(1 << 16);
      for (uint64_t done = 0; done < n;) {
        uint64_t m = std::min<uint64_t>(chunk.size(), n - done);
        for (uint64_t k = 0; k < m; ++k)
          chunk[k] = toBf16(offset + scale * rng.uniform());
        out.write(reinterpret_cast<const char *>(chunk.data()), 2 * m);
        done += m;
      }
    };
    tensors.push_back(std::move(t));
  };
  int64_t H = c.hidden, D = c.headDim;
  // uniform[-a, a] has standard deviation a/sqrt(3).
  auto fanIn = [](int64_t in) { return (float)(std::sqrt(3.0) / std::sqrt((double)in)); };
  add("model.embed_tokens.weight", {c.vocab, H}, 1.0f, 0);
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = absl::StrCat("model.layers.", l, ".");
    add(p + "input_layernorm.weight", {H}, 0.1f, c.gemmaNorms ? 0.0f : 1.0f);
    add(p + "self_attn.q_proj.weight", {c.heads * D, H}, fanIn(H), 0);
    add(p + "self_attn.k_proj.weight", {c.kvHeads * D, H}, fanIn(H), 0);
    add(p + "self_attn.v_proj.weight", {c.kvHeads * D, H}, fanIn(H), 0);
    if (c.qkvBias)
      for (auto [n, rows] : {std::pair{"q_proj", c.heads * D}, {"k_proj", c.kvHeads * D},
                             {"v_proj", c.kvHeads * D}})
        add(p + "self_attn." + n + ".bias", {rows}, 0.1f, 0);
    if (c.qkNorm) {
      add(p + "self_attn.q_norm.weight", {D}, 0.1f, c.gemmaNorms ? 0.0f : 1.0f);
      add(p + "self_attn.k_norm.weight", {D}, 0.1f, c.gemmaNorms ? 0.0f : 1.0f);
    }
    add(p + "self_attn.o_proj.weight", {H, c.heads * D}, fanIn(c.heads * D), 0);
    add(p + "post_attention_layernorm.weight", {H}, 0.1f, c.gemmaNorms ? 0.0f : 1.0f);
    if (c.gemmaNorms) {
      add(p + "pre_feedforward_layernorm.weight", {H}, 0.1f, 0);
      add(p + "post_feedforward_layernorm.weight", {H}, 0.1f, 0);
    }
    add(p + "mlp.gate_proj.weight", {c.intermediate, H}, fanIn(H), 0);
    add(p + "mlp.up_proj.weight", {c.intermediate, H}, fanIn(H), 0);
    add(p + "mlp.down_proj.weight", {H, c.intermediate}, fanIn(c.intermediate), 0);
  }
  add("model.norm.weight", {H}, 0.1f, c.gemmaNorms ? 0.0f : 1.0f);
  if (!c.tiedEmbeddings)
    add("lm_head.weight", {c.vocab, H}, fanIn(H), 0);

  llvm::SmallString<256> st(dir), cfg(dir);
  llvm::sys::path::append(st, "model.safetensors");
  llvm::sys::path::append(cfg, "config.json");
  if (absl::Status s = writeSafetensors(st.str().str(), tensors); !s.ok())
    return s;
  std::ofstream out(cfg.str().str(), std::ios::trunc);
  out << text << "\n";
  if (!out)
    return absl::InternalError(absl::StrCat(cfg.str().str(), ": cannot write"));
  return absl::OkStatus();
}
