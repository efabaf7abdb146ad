//===- TransformerBuilder.cpp - a decoder-only transformer in mil ---------===//
//
// The graph follows transformers' modeling code (model-formats.md): RMSNorm,
// rotate-half RoPE from constant tables gathered by position, grouped-query
// attention through `tile`, SwiGLU (GeGLU for Gemma). Ops carry locations
// named after the checkpoint's modules (`model.layers.3.self_attn`), so
// every later diagnostic names the layer.
//
//===----------------------------------------------------------------------===//
#include "lib/Import/TransformerBuilder.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "absl/strings/str_cat.h"

#include <cmath>

using namespace mlir;
using namespace anec;
using namespace anec::import;
using namespace anec::mil;

namespace {

/// Builds one function (prefill, decode or the full sequence).
class FunctionBuilder {
public:
  FunctionBuilder(OpBuilder &b, const ModelConfig &c, WeightSource &w,
                  int64_t tokens, int64_t context, bool stateful, const ImportOptions &o)
      : b(b), c(c), w(w), T(tokens), C(context), stateful(stateful),
        kvAsIO(stateful && o.kvAsIO), headTopK(o.headTopK) {}

  absl::Status build(StringRef name, ModuleOp module);

private:
  Location loc(const std::string &name) {
    return NameLoc::get(b.getStringAttr(name));
  }
  RankedTensorType f16(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF16Type());
  }
  Value constF32(ArrayRef<int64_t> shape, ArrayRef<float> values,
                 const std::string &name) {
    // Tables stay fp32 (cast to fp16 in the graph) so the fp32 reference
    // mode computes them exactly.
    auto type = RankedTensorType::get(shape, b.getF32Type());
    auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
    auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
    Value v = b.create<ConstOp>(loc(name), attr);
    return b.create<CastOp>(loc(name), v, b.getStringAttr("fp16"));
  }
  Value scalar(double v, Type element) {
    // A value fp16 cannot hold exactly stays fp32 (cast in the graph), so
    // the fp32 reference computes the checkpoint's function exactly; the
    // export rounds it once.
    if (element.isF16() && (double)(_Float16)v != v) {
      auto f32 = RankedTensorType::get({}, b.getF32Type());
      Value c = b.create<ConstOp>(
          b.getUnknownLoc(),
          cast<ElementsAttr>(DenseElementsAttr::get(f32, b.getF32FloatAttr((float)v))));
      return b.create<CastOp>(b.getUnknownLoc(), c, b.getStringAttr("fp16"));
    }
    auto type = RankedTensorType::get({}, element);
    Attribute attr;
    if (isa<FloatType>(element))
      attr = DenseElementsAttr::get(type, b.getFloatAttr(element, v));
    else
      attr = DenseElementsAttr::get(type, b.getIntegerAttr(element, (int64_t)v));
    return b.create<ConstOp>(b.getUnknownLoc(), cast<ElementsAttr>(attr));
  }
  Value i32s(ArrayRef<int32_t> values) {
    auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI32Type());
    return b.create<ConstOp>(b.getUnknownLoc(),
                             DenseElementsAttr::get(type, values));
  }
  absl::StatusOr<Value> weight(const std::string &name, ArrayRef<int64_t> shape) {
    return w.get(b, name, shape);
  }
  /// RMSNorm with the checkpoint's gamma (Gemma: 1 + gamma).
  absl::StatusOr<Value> rmsNorm(Value x, const std::string &name, int64_t dim) {
    auto gamma = weight(name + ".weight", {dim});
    if (!gamma.ok())
      return gamma.status();
    Value g = *gamma;
    if (c.gemmaNorms)
      g = b.create<AddOp>(loc(name), g, scalar(1.0, b.getF16Type()));
    return b.create<RmsNormOp>(loc(name), x, g, b.getDenseI64ArrayAttr({-1}),
                               b.getF32FloatAttr((float)c.rmsEps))
        .getResult();
  }
  absl::StatusOr<Value> linear(Value x, const std::string &name, int64_t out,
                               int64_t in, bool bias) {
    auto wt = weight(name + ".weight", {out, in});
    if (!wt.ok())
      return wt.status();
    Value bv;
    if (bias) {
      auto bb = weight(name + ".bias", {out});
      if (!bb.ok())
        return bb.status();
      bv = *bb;
    }
    Value y = b.create<LinearOp>(loc(name), x, *wt, bv).getResult();
    return y;
  }
  /// [1, T, heads·D] -> [1, heads, T, D]
  Value splitHeads(Value x, int64_t heads, const std::string &name) {
    Value r = b.create<ReshapeOp>(loc(name), x,
                                  ArrayRef<int64_t>{1, T, heads, c.headDim});
    return b.create<TransposeOp>(loc(name), r, ArrayRef<int64_t>{0, 2, 1, 3});
  }
  /// x·cos + rotate_half(x)·sin, rotate_half(x) = concat(−x[D/2:], x[:D/2]).
  Value rope(Value x, int64_t heads, Value cos, Value sin, const std::string &name) {
    int64_t h = c.headDim / 2;
    Value lo = b.create<SliceBySizeOp>(loc(name), x, ArrayRef<int64_t>{0, 0, 0, 0},
                                       ArrayRef<int64_t>{1, heads, T, h});
    Value hi = b.create<SliceBySizeOp>(loc(name), x, ArrayRef<int64_t>{0, 0, 0, h},
                                       ArrayRef<int64_t>{1, heads, T, h});
    Value negHi = b.create<MulOp>(loc(name), hi, scalar(-1.0, b.getF16Type()));
    Value rotated = b.create<ConcatOp>(loc(name), ValueRange{negHi, lo}, -1, false);
    Value a = b.create<MulOp>(loc(name), x, cos);
    Value s = b.create<MulOp>(loc(name), rotated, sin);
    return b.create<AddOp>(loc(name), a, s);
  }
  /// cos/sin of the positions in use: [T, D] gathered from [C, D] tables,
  /// shaped [1, 1, T, D] to broadcast over heads.
  std::pair<Value, Value> ropeTables(Value positions, double theta,
                                     const std::string &name) {
    std::vector<double> inv = ropeInverseFrequencies(c, theta);
    std::vector<float> cosT, sinT;
    for (int64_t p = 0; p < C; ++p)
      for (int64_t i = 0; i < c.headDim; ++i) {
        double angle = p * inv[i % (c.headDim / 2)];
        cosT.push_back((float)std::cos(angle));
        sinT.push_back((float)std::sin(angle));
      }
    auto tables = std::make_pair(constF32({C, c.headDim}, cosT, name + ".cos"),
                                 constF32({C, c.headDim}, sinT, name + ".sin"));
    auto gather = [&](Value table) -> Value {
      Value g = b.create<GatherOp>(loc(name), table, positions, 0, 0);
      return b.create<ReshapeOp>(loc(name), g,
                                 ArrayRef<int64_t>{1, 1, T, c.headDim});
    };
    return {gather(tables.first), gather(tables.second)};
  }

  OpBuilder &b;
  const ModelConfig &c;
  WeightSource &w;
  int64_t T, C;
  bool stateful, kvAsIO;
  int64_t headTopK;
};

absl::Status FunctionBuilder::build(StringRef fnName, ModuleOp module) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  int64_t H = c.hidden, D = c.headDim, NH = c.heads, KV = c.kvHeads;
  int64_t S = stateful ? C : T; // keys attended to
  auto stateType = StateType::get(ctx, f16({1, KV, C, D}));
  // Sliding-window layers over a context past their window keep only the
  // window: a rotation of W positions (see slidingCache below).
  int64_t W = c.slidingWindow;
  bool rotate = stateful && W > 0 && C > W;
  auto ringType = StateType::get(ctx, f16({1, KV, W > 0 ? W : 1, D}));

  SmallVector<Type> inputs = {RankedTensorType::get({1, T}, i32)};
  if (stateful) {
    inputs.push_back(RankedTensorType::get({T}, i32));
    inputs.push_back(f16({1, 1, T, C}));
    inputs.push_back(RankedTensorType::get({1}, i32));
    for (int64_t l = 0; l < c.layers; ++l) {
      Type t = rotate && c.isSlidingLayer(l) ? ringType : stateType;
      if (kvAsIO)
        t = cast<StateType>(t).getWrappedType();
      inputs.append({t, t});
    }
  }
  b.setInsertionPointToEnd(module.getBody());
  // The result types are set once the body is built.
  auto fn = b.create<func::FuncOp>(loc(fnName.str()), fnName, b.getFunctionType(inputs, {}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);

  // Names the exported program uses for inputs, states and the output.
  fn.setArgAttr(0, "mil.name", b.getStringAttr("input_ids"));
  // With --kv=io, the caches' updates, returned after the head's outputs.
  SmallVector<std::pair<std::string, Value>> cacheOutputs;
  Value ids = entry->getArgument(0), positions, mask, currentPos;
  if (stateful) {
    fn.setArgAttr(1, "mil.name", b.getStringAttr("position_ids"));
    fn.setArgAttr(2, "mil.name", b.getStringAttr("causal_mask"));
    fn.setArgAttr(3, "mil.name", b.getStringAttr("current_pos"));
    positions = entry->getArgument(1);
    mask = entry->getArgument(2);
    currentPos = entry->getArgument(3);
    for (int64_t l = 0; l < c.layers; ++l)
      for (int kv = 0; kv < 2; ++kv) {
        std::string name = absl::StrCat("model.layers.", l, kv ? ".v_cache" : ".k_cache");
        if (kvAsIO)
          fn.setArgAttr(4 + 2 * l + kv, "mil.name",
                        b.getStringAttr(absl::StrCat("model_layers_", l, kv ? "_v_cache" : "_k_cache")));
        else
          fn.setArgAttr(4 + 2 * l + kv, "mil.state_name", b.getStringAttr(name));
      }
  } else {
    std::vector<int32_t> pos(T);
    for (int64_t t = 0; t < T; ++t)
      pos[t] = (int32_t)t;
    positions = i32s(pos);
    std::vector<float> m(T * T);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j)
        m[i * T + j] = j <= i ? 0.0f : -1e4f;
    mask = constF32({1, 1, T, T}, m, "causal_mask");
  }

  // Embeddings.
  auto embed = weight("model.embed_tokens.weight", {c.vocab, H});
  if (!embed.ok())
    return embed.status();
  Value h = b.create<GatherOp>(loc("model.embed_tokens"), *embed, ids, 0, 0);
  if (c.embedScale)
    h = b.create<MulOp>(loc("model.embed_tokens"), h,
                        scalar(std::sqrt((double)H), b.getF16Type()));

  // The sliding layers' mask. With a rotation, the keys are the W cached
  // positions followed by this call's T: key j holds position
  // current_pos - W + j (each call advances the positions by T, so the
  // rotation by T keeps this true). Query i (position current_pos + i) sees
  // key j when 0 <= i - (j - W) < W -- a band fixed at build time -- and the
  // key's position is not negative (the slots not written yet):
  // j >= W - current_pos, computed here from current_pos.
  // Without a rotation but with a window shorter than the keys (a full
  // sequence), the band is applied to the causal mask at build time.
  Value slidingMask;
  if (rotate && c.slidingPattern > 0) {
    int64_t K = W + T;
    std::vector<float> band(T * K), offset(K);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < K; ++j) {
        int64_t back = i - (j - W); // how far back key j is from query i
        band[i * K + j] = back >= 0 && back < W ? 0.0f : -1e4f;
      }
    for (int64_t j = 0; j < K; ++j)
      offset[j] = (float)(j - W + 1);
    std::string name = "sliding_window_mask";
    Value pos = b.create<CastOp>(loc(name), currentPos, b.getStringAttr("fp16"));
    // x >= 1 exactly when the key's position is >= 0; clamped to [0, 1] and
    // mapped to 0 (written) or -1e4 (not yet written).
    Value x = b.create<AddOp>(loc(name), pos, constF32({K}, offset, name + ".offset"));
    x = b.create<MaximumOp>(loc(name), x, scalar(0.0, b.getF16Type()));
    x = b.create<MinimumOp>(loc(name), x, scalar(1.0, b.getF16Type()));
    x = b.create<SubOp>(loc(name), x, scalar(1.0, b.getF16Type()));
    x = b.create<MulOp>(loc(name), x, scalar(1e4, b.getF16Type()));
    x = b.create<ReshapeOp>(loc(name), x, ArrayRef<int64_t>{1, 1, 1, K});
    slidingMask = b.create<AddOp>(loc(name), constF32({1, 1, T, K}, band, name + ".band"), x);
  } else if (!stateful && W > 0 && T > W && c.slidingPattern > 0) {
    std::vector<float> m(T * T);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j)
        m[i * T + j] = j <= i && i - j < W ? 0.0f : -1e4f;
    slidingMask = constF32({1, 1, T, T}, m, "sliding_window_mask");
  }

  auto globalRope = ropeTables(positions, c.ropeTheta, "rope");
  std::optional<std::pair<Value, Value>> localRope;
  if (c.ropeLocalTheta > 0)
    localRope = ropeTables(positions, c.ropeLocalTheta, "rope_local");

  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = absl::StrCat("model.layers.", l);
    std::string attn = p + ".self_attn";
    bool sliding = c.isSlidingLayer(l) && slidingMask;
    bool ring = sliding && rotate;
    int64_t keysLen = ring ? W + T : S;
    auto n1 = rmsNorm(h, p + ".input_layernorm", H);
    if (!n1.ok())
      return n1.status();
    auto q = linear(*n1, attn + ".q_proj", NH * D, H, c.qkvBias);
    auto k = linear(*n1, attn + ".k_proj", KV * D, H, c.qkvBias);
    auto v = linear(*n1, attn + ".v_proj", KV * D, H, c.qkvBias);
    for (auto *r : {&q, &k, &v})
      if (!r->ok())
        return r->status();
    Value qh = splitHeads(*q, NH, attn), kh = splitHeads(*k, KV, attn),
          vh = splitHeads(*v, KV, attn);
    if (c.qkNorm) {
      auto qn = rmsNorm(qh, attn + ".q_norm", D);
      auto kn = rmsNorm(kh, attn + ".k_norm", D);
      if (!qn.ok())
        return qn.status();
      if (!kn.ok())
        return kn.status();
      qh = *qn;
      kh = *kn;
    }
    auto [cos, sin] = (localRope && c.isSlidingLayer(l)) ? *localRope : globalRope;
    qh = rope(qh, NH, cos, sin, attn);
    kh = rope(kh, KV, cos, sin, attn);
    if (c.queryScale > 0)
      qh = b.create<MulOp>(loc(attn), qh,
                           scalar(c.queryScale * std::sqrt((double)D), b.getF16Type()));

    Value keys = kh, values = vh;
    // A cache is a state (read, then written) or, with --kv=io, an input
    // whose update is returned.
    auto readCache = [&](Value cache) -> Value {
      return kvAsIO ? cache : b.create<ReadStateOp>(loc(attn), cache).getResult();
    };
    auto writeCache = [&](Value cache, Value updated) -> Value {
      if (!kvAsIO)
        return b.create<CoremlUpdateStateOp>(loc(attn), cache, updated);
      auto name = fn.getArgAttrOfType<StringAttr>(cast<BlockArgument>(cache).getArgNumber(),
                                                  "mil.name");
      cacheOutputs.push_back({name.str() + "_next", updated});
      return updated;
    };
    if (ring) {
      // The window as a rotation: attend to the cached W positions and this
      // call's T, then keep the last W. Whole-state writes of static slices:
      // no index arithmetic, no wrap-around.
      auto rotateIn = [&](Value state, Value fresh) -> Value {
        Value old = readCache(state);
        Value all = b.create<ConcatOp>(loc(attn), ValueRange{old, fresh}, 2, false);
        Value kept = b.create<SliceBySizeOp>(loc(attn), all, ArrayRef<int64_t>{0, 0, T, 0},
                                             ArrayRef<int64_t>{1, KV, W, D});
        writeCache(state, kept);
        return all;
      };
      keys = rotateIn(entry->getArgument(4 + 2 * l), kh);
      values = rotateIn(entry->getArgument(5 + 2 * l), vh);
    } else if (stateful) {
      // Write this call's K/V at current_pos, then attend to the whole cache.
      Value begin = b.create<ConcatOp>(
          loc(attn), ValueRange{i32s({0, 0}), currentPos, i32s({0})}, 0, false);
      Value endPos = b.create<AddOp>(loc(attn), currentPos, i32s({(int32_t)T}));
      Value end = b.create<ConcatOp>(
          loc(attn), ValueRange{i32s({1, (int32_t)KV}), endPos, i32s({(int32_t)D})},
          0, false);
      auto update = [&](Value state, Value fresh) -> Value {
        Value old = readCache(state);
        Value updated = b.create<SliceUpdateOp>(loc(attn), old, fresh, begin, end,
                                                nullptr, nullptr, nullptr, nullptr);
        return writeCache(state, updated);
      };
      keys = update(entry->getArgument(4 + 2 * l), kh);
      values = update(entry->getArgument(5 + 2 * l), vh);
    }
    if (NH != KV) {
      // Grouped-query attention: each KV head serves NH/KV query heads.
      auto repeat = [&](Value x) -> Value {
        Value r = b.create<ReshapeOp>(loc(attn), x, ArrayRef<int64_t>{1, KV, 1, keysLen, D});
        Value t = b.create<TileOp>(loc(attn), r, ArrayRef<int64_t>{1, 1, NH / KV, 1, 1});
        return b.create<ReshapeOp>(loc(attn), t, ArrayRef<int64_t>{1, NH, keysLen, D});
      };
      keys = repeat(keys);
      values = repeat(values);
    }
    Value att = b.create<ScaledDotProductAttentionOp>(loc(attn), qh, keys, values,
                                                      sliding ? slidingMask : mask);
    Value merged = b.create<TransposeOp>(loc(attn), att, ArrayRef<int64_t>{0, 2, 1, 3});
    merged = b.create<ReshapeOp>(loc(attn), merged, ArrayRef<int64_t>{1, T, NH * D});
    auto o = linear(merged, attn + ".o_proj", H, NH * D, false);
    if (!o.ok())
      return o.status();
    Value attnOut = *o;
    if (c.gemmaNorms) {
      auto post = rmsNorm(attnOut, p + ".post_attention_layernorm", H);
      if (!post.ok())
        return post.status();
      attnOut = *post;
    }
    h = b.create<AddOp>(loc(p), h, attnOut);

    std::string mlp = p + ".mlp";
    auto n2 = rmsNorm(h, p + (c.gemmaNorms ? ".pre_feedforward_layernorm"
                                           : ".post_attention_layernorm"), H);
    if (!n2.ok())
      return n2.status();
    auto gate = linear(*n2, mlp + ".gate_proj", c.intermediate, H, false);
    auto up = linear(*n2, mlp + ".up_proj", c.intermediate, H, false);
    if (!gate.ok())
      return gate.status();
    if (!up.ok())
      return up.status();
    Value act = c.geluTanh
                    ? b.create<GeluOp>(loc(mlp), *gate,
                                       b.getStringAttr("TANH_APPROXIMATION"))
                          .getResult()
                    : b.create<SiluOp>(loc(mlp), *gate).getResult();
    Value prod = b.create<MulOp>(loc(mlp), act, *up);
    auto down = linear(prod, mlp + ".down_proj", H, c.intermediate, false);
    if (!down.ok())
      return down.status();
    Value mlpOut = *down;
    if (c.gemmaNorms) {
      auto post = rmsNorm(mlpOut, p + ".post_feedforward_layernorm", H);
      if (!post.ok())
        return post.status();
      mlpOut = *post;
    }
    h = b.create<AddOp>(loc(p), h, mlpOut);
  }

  auto final = rmsNorm(h, "model.norm", H);
  if (!final.ok())
    return final.status();
  std::string head = (!c.tiedEmbeddings || w.has("lm_head.weight")) ? "lm_head"
                                                                     : "model.embed_tokens";
  if (!c.tiedEmbeddings && !w.has("lm_head.weight"))
    return absl::NotFoundError("missing tensor 'lm_head.weight' (tie_word_embeddings is false)");
  auto logits = linear(*final, head, c.vocab, H, false);
  if (!logits.ok())
    return logits.status();
  // The head: the logits, or the selection made in the program (a decode
  // step then returns ids, not a vocabulary of logits).
  SmallVector<std::pair<std::string, Value>> outputs;
  if (headTopK == 0) {
    outputs.push_back({"logits", *logits});
  } else {
    int64_t k = headTopK < 0 ? 1 : headTopK;
    if (k > c.vocab)
      return absl::InvalidArgumentError(absl::StrCat("--head=topk:", k, " asks for more ids than the "
                                                     "vocabulary's ", c.vocab));
    auto top = b.create<TopKOp>(loc("head"), *logits, k, -1, false);
    if (headTopK < 0) {
      outputs.push_back({"token_ids", b.create<ReshapeOp>(loc("head"), top.getIndices(),
                                                          ArrayRef<int64_t>{1, T})});
    } else {
      outputs.push_back({"topk_ids", top.getIndices()});
      outputs.push_back({"topk_logits", top.getValues()});
    }
  }
  outputs.append(cacheOutputs.begin(), cacheOutputs.end());
  SmallVector<Value> values;
  SmallVector<Type> types;
  for (auto &[name, v] : outputs) {
    values.push_back(v);
    types.push_back(v.getType());
  }
  b.create<func::ReturnOp>(loc("logits"), values);
  fn.setType(b.getFunctionType(fn.getArgumentTypes(), types));
  for (auto [i, o] : llvm::enumerate(outputs))
    fn.setResultAttr(i, "mil.name", b.getStringAttr(o.first));
  return absl::OkStatus();
}

} // namespace

namespace {

/// What every importer's config and options must hold before anything is
/// built or allocated: finite, positive numbers, sizes the program can hold
/// in memory, and as many layers in the checkpoint as the config claims.
absl::Status checkBuildable(const ModelConfig &c, WeightSource &weights,
                            const ImportOptions &o) {
  // Errors name what holds the number: the config's file, or the option.
  auto bad = [&](const std::string &what) {
    return absl::InvalidArgumentError(c.source.empty() ? what : absl::StrCat(c.source, ": ", what));
  };
  auto badOption = [](const std::string &what) { return absl::InvalidArgumentError(what); };
  if (!std::isfinite(c.rmsEps) || c.rmsEps <= 0 || c.rmsEps > 1)
    return bad(absl::StrCat("the RMSNorm epsilon ", c.rmsEps, " is not a small positive number"));
  if (!std::isfinite(c.ropeTheta) || c.ropeTheta <= 1)
    return bad(absl::StrCat("the rotary base (rope theta) ", c.ropeTheta,
                            " is not a finite number above 1"));
  if (c.headDim < 2 || c.headDim % 2)
    return bad(absl::StrCat("head_dim ", c.headDim, " must be even and at least 2 for rotary "
                            "embeddings"));
  // Tables of (context x head_dim) and masks of (tokens x context) are made
  // at import: sizes past these are typos, not models.
  constexpr int64_t kMaxContext = 131072, kMaxFullSequence = 16384;
  if (o.fullSequence && (o.sequence < 1 || o.sequence > kMaxFullSequence))
    return badOption(absl::StrCat("--full-sequence: a full sequence of ", o.sequence,
                                  " tokens is outside 1..", kMaxFullSequence));
  if (!o.fullSequence && (o.context < 1 || o.context > kMaxContext))
    return badOption(absl::StrCat("--context: a context of ", o.context, " tokens is outside 1..",
                                  kMaxContext));
  // A config claiming more layers than the checkpoint holds is caught
  // before a million layers are built.
  std::string last = absl::StrCat("model.layers.", c.layers - 1, ".self_attn.q_proj.weight");
  if (c.layers < 1 || !weights.has(last))
    return bad(absl::StrCat("the config claims ", c.layers,
                            " layers, but the checkpoint has no '", last, "'"));
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::import::buildTransformer(MLIRContext *ctx, const ModelConfig &config,
                               WeightSource &weights,
                               const ImportOptions &options) {
  ctx->loadDialect<MilDialect, func::FuncDialect>();
  if (absl::Status s = checkBuildable(config, weights, options); !s.ok())
    return s;
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  // What a runner needs to know of the model, carried to the package's
  // user-defined metadata (lib/Export/Interface.h).
  {
    std::vector<std::pair<std::string, std::string>> interface = {
        {"anec.architecture", config.archName},
        {"anec.vocab_size", std::to_string(config.vocab)},
        {"anec.context_length",
         std::to_string(options.fullSequence ? options.sequence : options.context)},
    };
    // How a runner feeds a prompt that is not a whole number of prefill
    // steps (or whose last step would pass the context): "pad" -- pad the
    // last prefill step, whose padded rows are masked and overwritten later;
    // "decode" -- feed the rest one token at a time through decode, because
    // the sliding-window rotation assumes every call's tokens are real.
    bool rotation = !options.fullSequence && config.slidingWindow > 0 &&
                    config.slidingPattern > 0 && options.context > config.slidingWindow;
    if (!options.fullSequence) {
      interface.push_back({"anec.prefill_length", std::to_string(options.prefill)});
      interface.push_back({"anec.prefill_tail", rotation ? "decode" : "pad"});
    }
    if (options.headTopK != 0)
      interface.push_back({"anec.head", options.headTopK < 0
                                            ? std::string("argmax")
                                            : absl::StrCat("topk:", options.headTopK)});
    if (options.kvAsIO && !options.fullSequence)
      interface.push_back({"anec.kv", "io"});
    if (config.slidingWindow > 0 && config.slidingPattern > 0)
      interface.push_back({"anec.sliding_window", std::to_string(config.slidingWindow)});
    if (config.bosTokenId)
      interface.push_back({"anec.bos_token_id", std::to_string(*config.bosTokenId)});
    if (!config.eosTokenIds.empty()) {
      std::string ids = "[";
      for (size_t i = 0; i < config.eosTokenIds.size(); ++i)
        ids += (i ? ", " : "") + std::to_string(config.eosTokenIds[i]);
      interface.push_back({"anec.eos_token_ids", ids + "]"});
    }
    SmallVector<NamedAttribute> entries;
    for (auto &[k, v] : interface)
      entries.push_back(b.getNamedAttr(k, b.getStringAttr(v)));
    (*module)->setAttr("anec.interface", b.getDictionaryAttr(entries));
  }
  if (options.fullSequence) {
    if (options.sequence < 1)
      return absl::InvalidArgumentError("the sequence length must be positive");
    FunctionBuilder fb(b, config, weights, options.sequence, options.sequence,
                       /*stateful=*/false, options);
    if (absl::Status s = fb.build("main", *module); !s.ok())
      return s;
    return module;
  }
  if (options.prefill < 1 || options.context < options.prefill)
    return absl::InvalidArgumentError(absl::StrCat(
        "need 1 <= prefill (", options.prefill, ") <= context (",
        options.context, ")"));
  FunctionBuilder prefill(b, config, weights, options.prefill, options.context, true, options);
  if (absl::Status s = prefill.build("prefill", *module); !s.ok())
    return s;
  FunctionBuilder decode(b, config, weights, 1, options.context, true, options);
  if (absl::Status s = decode.build("decode", *module); !s.ok())
    return s;
  return module;
}

absl::StatusOr<bool> anec::import::parseKv(llvm::StringRef text) {
  if (text == "state" || text == "io")
    return text == "io";
  return absl::InvalidArgumentError(
      absl::StrCat("--kv must be state or io, got '", text.str(), "'"));
}

absl::StatusOr<int64_t> anec::import::parseHead(llvm::StringRef text) {
  if (text == "logits")
    return 0;
  if (text == "argmax")
    return -1;
  int64_t k;
  llvm::StringRef count = text;
  if (count.consume_front("topk:") && !count.getAsInteger(10, k) && k >= 1 && k <= 1024)
    return k;
  return absl::InvalidArgumentError(absl::StrCat(
      "--head must be logits, argmax or topk:K (K in 1..1024), got '", text.str(), "'"));
}
