//===- ModelConfig.cpp - parse config.json ----------------------------------===//
#include "lib/Support/Json.h"
#include "lib/Import/ModelConfig.h"
#include "lib/Import/SafeTensors.h"

#include "llvm/Support/JSON.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <set>

using namespace anec::import;

namespace {
absl::Status bad(const std::string &path, const std::string &what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

/// Keys that do not change the function the model computes.
const std::set<std::string> kHarmlessKeys = {
    "architectures", "model_type", "torch_dtype", "bos_token_id",
    "eos_token_id", "pad_token_id", "transformers_version", "use_cache",
    "initializer_range", "attention_dropout", "max_window_layers",
    "_name_or_path", "pretraining_tp", "dtype", "max_position_embeddings",
    "use_sliding_window", "sliding_window", "final_logit_softcapping",
    "attn_logit_softcapping", "cache_implementation", "layer_types",
    "rope_scaling", "sliding_window_pattern", "rope_local_base_freq",
    "query_pre_attn_scalar", "hidden_activation", "hidden_act",
    "attention_bias", "mlp_bias", "head_dim", "tie_word_embeddings",
    "rms_norm_eps", "rope_theta", "vocab_size", "num_key_value_heads",
    "num_attention_heads", "num_hidden_layers", "intermediate_size",
    "hidden_size", "tokenizer_class", "bos_token", "eos_token",
};
} // namespace

absl::StatusOr<ModelConfig> anec::import::parseHfConfig(const std::string &text,
                                                        const std::string &path) {
  if (absl::Status s = checkJsonDepth(text, 16, path); !s.ok())
    return s;
  auto json = anec::parseJson(text);
  if (!json)
    return bad(path, absl::StrCat("not valid JSON: ", llvm::toString(json.takeError())));
  const llvm::json::Object *o = json->getAsObject();
  if (!o)
    return bad(path, "is not a JSON object");
  for (const auto &kv : *o)
    if (!kHarmlessKeys.count(kv.first.str()))
      return bad(path, absl::StrCat("unknown key '", kv.first.str(),
                                    "': anec cannot tell whether it changes the "
                                    "model's math"));

  ModelConfig c;
  const llvm::json::Array *archs = o->getArray("architectures");
  if (!archs || archs->empty() || !(*archs)[0].getAsString())
    return bad(path, "needs \"architectures\"");
  c.archName = (*archs)[0].getAsString()->str();
  c.source = path;
  if (c.archName == "LlamaForCausalLM")
    c.arch = Architecture::Llama;
  else if (c.archName == "Qwen2ForCausalLM")
    c.arch = Architecture::Qwen2;
  else if (c.archName == "Qwen3ForCausalLM")
    c.arch = Architecture::Qwen3;
  else if (c.archName == "Gemma3ForCausalLM")
    c.arch = Architecture::Gemma3;
  else
    return bad(path, absl::StrCat("architecture '", c.archName,
                                  "' is not supported (Llama, Qwen2, Qwen3, Gemma3 are)"));

  auto integer = [&](const char *key, int64_t &out, bool required) -> absl::Status {
    const llvm::json::Value *v = o->get(key);
    if (!v) {
      if (required)
        return bad(path, absl::StrCat("needs \"", key, "\""));
      return absl::OkStatus();
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i <= 0 || *i > (int64_t(1) << 31))
      return bad(path, absl::StrCat("\"", key, "\" must be a positive integer"));
    out = *i;
    return absl::OkStatus();
  };
  auto number = [&](const char *key, double &out) -> absl::Status {
    const llvm::json::Value *v = o->get(key);
    if (!v)
      return absl::OkStatus();
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d) || *d <= 0)
      return bad(path, absl::StrCat("\"", key, "\" must be a positive number"));
    out = *d;
    return absl::OkStatus();
  };
  for (auto [key, field, required] :
       {std::tuple{"hidden_size", &c.hidden, true},
        std::tuple{"intermediate_size", &c.intermediate, true},
        std::tuple{"num_hidden_layers", &c.layers, true},
        std::tuple{"num_attention_heads", &c.heads, true},
        std::tuple{"vocab_size", &c.vocab, true},
        std::tuple{"num_key_value_heads", &c.kvHeads, false},
        std::tuple{"head_dim", &c.headDim, false},
        std::tuple{"max_position_embeddings", &c.maxPositions, false}})
    if (absl::Status s = integer(key, *field, required); !s.ok())
      return s;
  if (!c.kvHeads)
    c.kvHeads = c.heads;
  if (!c.headDim) {
    if (c.hidden % c.heads)
      return bad(path, "hidden_size is not a multiple of num_attention_heads");
    c.headDim = c.hidden / c.heads;
  }
  if (c.heads % c.kvHeads)
    return bad(path, "num_attention_heads is not a multiple of num_key_value_heads");
  if (c.headDim % 2)
    return bad(path, "head_dim must be even for rotary embeddings");
  if (absl::Status s = number("rms_norm_eps", c.rmsEps); !s.ok())
    return s;
  if (absl::Status s = number("rope_theta", c.ropeTheta); !s.ok())
    return s;
  if (const llvm::json::Value *t = o->get("tie_word_embeddings")) {
    if (!t->getAsBoolean())
      return bad(path, "\"tie_word_embeddings\" must be a boolean");
    c.tiedEmbeddings = *t->getAsBoolean();
  }

  // Activation.
  std::string act = "silu";
  for (const char *key : {"hidden_act", "hidden_activation"})
    if (auto s = o->getString(key))
      act = s->str();
  if (act == "gelu_pytorch_tanh" || act == "gelu_tanh")
    c.geluTanh = true;
  else if (act != "silu")
    return bad(path, absl::StrCat("activation '", act, "' is not supported (silu, gelu_pytorch_tanh)"));

  // Biases.
  if (o->getBoolean("mlp_bias").value_or(false))
    return bad(path, "\"mlp_bias\": true is not supported");
  bool attentionBias = o->getBoolean("attention_bias").value_or(false);
  if (c.arch == Architecture::Qwen2)
    c.qkvBias = true; // Qwen2 always has q/k/v biases (and none on o_proj)
  else if (attentionBias)
    return bad(path, "\"attention_bias\": true is only supported for Qwen2");

  // Sliding windows: only Gemma 3 uses them here.
  if (o->getBoolean("use_sliding_window").value_or(false))
    return bad(path, "\"use_sliding_window\": true is not supported");
  for (const char *key : {"final_logit_softcapping", "attn_logit_softcapping"})
    if (const llvm::json::Value *v = o->get(key); v && v->kind() != llvm::json::Value::Null)
      return bad(path, absl::StrCat("\"", key, "\" is not supported"));

  // RoPE scaling.
  if (const llvm::json::Value *rs = o->get("rope_scaling");
      rs && rs->kind() != llvm::json::Value::Null) {
    const llvm::json::Object *r = rs->getAsObject();
    std::optional<llvm::StringRef> type = r ? r->getString("rope_type") : std::nullopt;
    if (!type && r)
      type = r->getString("type");
    if (!type || *type != "llama3")
      return bad(path, "rope_scaling other than \"llama3\" is not supported");
    c.ropeScaling.llama3 = true;
    c.ropeScaling.factor = r->getNumber("factor").value_or(0);
    c.ropeScaling.lowFreqFactor = r->getNumber("low_freq_factor").value_or(0);
    c.ropeScaling.highFreqFactor = r->getNumber("high_freq_factor").value_or(0);
    c.ropeScaling.originalMaxPositions =
        r->getInteger("original_max_position_embeddings").value_or(0);
    if (!(c.ropeScaling.factor > 0) || !(c.ropeScaling.lowFreqFactor > 0) ||
        !(c.ropeScaling.highFreqFactor > c.ropeScaling.lowFreqFactor) ||
        c.ropeScaling.originalMaxPositions <= 0)
      return bad(path, "llama3 rope_scaling needs factor, low_freq_factor < "
                       "high_freq_factor and original_max_position_embeddings");
  }

  if (c.arch == Architecture::Qwen3)
    c.qkNorm = true;
  if (c.arch == Architecture::Gemma3) {
    c.qkNorm = true;
    c.gemmaNorms = true;
    c.embedScale = true;
    double qpas = c.headDim;
    if (absl::Status s = number("query_pre_attn_scalar", qpas); !s.ok())
      return s;
    c.queryScale = 1.0 / std::sqrt(qpas);
    c.ropeLocalTheta = 10000;
    if (absl::Status s = number("rope_local_base_freq", c.ropeLocalTheta); !s.ok())
      return s;
    c.slidingPattern = 6;
    if (absl::Status s = integer("sliding_window_pattern", c.slidingPattern, false); !s.ok())
      return s;
    if (absl::Status s = integer("sliding_window", c.slidingWindow, false); !s.ok())
      return s;
  }
  // Token ids the runner needs (they do not change the math): one id, or
  // a list of them (Llama 3 ends on several).
  auto tokenIds = [&](const char *key, std::vector<int64_t> &out) -> absl::Status {
    const llvm::json::Value *v = o->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return absl::OkStatus();
    auto one = [&](const llvm::json::Value &e) -> absl::Status {
      std::optional<int64_t> id = e.getAsInteger();
      if (!id || *id < 0 || *id > (int64_t(1) << 31))
        return bad(path, absl::StrCat("\"", key, "\" must be token ids (non-negative integers)"));
      out.push_back(*id);
      return absl::OkStatus();
    };
    if (const llvm::json::Array *list = v->getAsArray()) {
      if (list->size() > 64)
        return bad(path, absl::StrCat("\"", key, "\" lists more than 64 ids"));
      for (const llvm::json::Value &e : *list)
        if (absl::Status s = one(e); !s.ok())
          return s;
      return absl::OkStatus();
    }
    return one(*v);
  };
  std::vector<int64_t> bos;
  if (absl::Status s = tokenIds("bos_token_id", bos); !s.ok())
    return s;
  if (!bos.empty())
    c.bosTokenId = bos.front();
  if (absl::Status s = tokenIds("eos_token_id", c.eosTokenIds); !s.ok())
    return s;
  return c;
}

std::vector<double> anec::import::ropeInverseFrequencies(const ModelConfig &c,
                                                         double theta) {
  std::vector<double> inv;
  for (int64_t i = 0; i < c.headDim / 2; ++i) {
    double f = std::pow(theta, -2.0 * i / c.headDim);
    if (c.ropeScaling.llama3) {
      const RopeScaling &s = c.ropeScaling;
      double wavelength = 2 * M_PI / f;
      double lowWave = s.originalMaxPositions / s.lowFreqFactor;
      double highWave = s.originalMaxPositions / s.highFreqFactor;
      if (wavelength > lowWave) {
        f /= s.factor;
      } else if (wavelength >= highWave) {
        double smooth = (s.originalMaxPositions / wavelength - s.lowFreqFactor) /
                        (s.highFreqFactor - s.lowFreqFactor);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
    }
    inv.push_back(f);
  }
  return inv;
}
