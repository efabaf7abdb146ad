//===- Generate.cpp - drive a compiled language model from token ids ------===//
#include "tools/anec-run/Generate.h"

#include "lib/Support/Json.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/JSON.h"

#include "absl/strings/str_cat.h"

#include <chrono>

using namespace mlir;
using namespace anec;
using namespace anec::interp;
using namespace anec::run;

absl::StatusOr<std::vector<int64_t>> anec::run::parseTokenIds(llvm::StringRef text,
                                                             const std::string &what) {
  std::vector<int64_t> ids;
  llvm::SmallVector<llvm::StringRef> words;
  text.split(words, ',', -1, false);
  for (llvm::StringRef group : words) {
    llvm::SmallVector<llvm::StringRef> parts;
    group.split(parts, ' ', -1, false);
    for (llvm::StringRef part : parts) {
      llvm::StringRef w = part.trim(" \t\r\n");
      if (w.empty())
        continue;
      uint64_t v;
      if (w.getAsInteger(10, v) || v > INT32_MAX)
        return absl::InvalidArgumentError(absl::StrCat(what, ": '", w.str(),
                                                       "' is not a token id (an integer in 0..",
                                                       INT32_MAX, ")"));
      ids.push_back((int64_t)v);
    }
  }
  return ids;
}

std::optional<Tensor> anec::run::positionInput(llvm::StringRef name, RankedTensorType type,
                                              int64_t position) {
  if (name != "position_ids" && name != "current_pos" && name != "causal_mask")
    return std::nullopt;
  Tensor t = Tensor::zeros(type);
  if (name == "position_ids") {
    for (int64_t j = 0; j < t.numElements(); ++j)
      t.i[j] = position + j;
  } else if (name == "current_pos") {
    t.i[0] = position;
  } else {
    int64_t cols = type.getShape().back(), rows = t.numElements() / cols;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        t.f[r * cols + c] = c <= position + r ? 0.0f : -1e4f;
  }
  return t;
}

namespace {

/// The program's interface: the first chunk's `anec.interface` keys, and
/// what the functions' types say where a key is missing (an .mlir written
/// by hand or by another tool).
struct Interface {
  int64_t context = 0, prefill = 0, vocab = 0;
  bool padTail = true;
  std::vector<int64_t> eos;
  std::map<std::string, std::vector<std::string>> logits; // per function
};

std::optional<std::string> key(DictionaryAttr dict, llvm::StringRef name) {
  if (!dict)
    return std::nullopt;
  if (auto s = dict.getAs<StringAttr>(name))
    return s.str();
  return std::nullopt;
}

absl::StatusOr<Interface> readInterface(Chain &program) {
  Interface in;
  auto dict = program.first()->getAttrOfType<DictionaryAttr>("anec.interface");
  auto number = [&](llvm::StringRef name, int64_t &out) -> absl::Status {
    auto v = key(dict, name);
    if (!v)
      return absl::OkStatus();
    if (llvm::StringRef(*v).getAsInteger(10, out) || out < 0)
      return absl::InvalidArgumentError(absl::StrCat("the program's ", name.str(), " '", *v,
                                                     "' is not a count"));
    return absl::OkStatus();
  };
  if (auto s = number("anec.context_length", in.context); !s.ok())
    return s;
  if (auto s = number("anec.prefill_length", in.prefill); !s.ok())
    return s;
  if (auto s = number("anec.vocab_size", in.vocab); !s.ok())
    return s;
  in.padTail = key(dict, "anec.prefill_tail").value_or("pad") != "decode";
  if (auto eos = key(dict, "anec.eos_token_ids")) {
    auto ids = parseTokenIds(llvm::StringRef(*eos).trim("[] "), "anec.eos_token_ids");
    if (!ids.ok())
      return ids.status();
    in.eos = *ids;
  }
  if (auto text = key(dict, "anec.logits")) {
    auto json = anec::parseJson(*text);
    if (!json) {
      llvm::consumeError(json.takeError());
      return absl::InvalidArgumentError("the program's anec.logits is not JSON");
    }
    const llvm::json::Object *outputs =
        json->getAsObject() ? json->getAsObject()->getObject("outputs") : nullptr;
    if (outputs)
      for (const auto &[fn, list] : *outputs)
        if (const llvm::json::Array *names = list.getAsArray())
          for (const llvm::json::Value &n : *names)
            if (auto s = n.getAsString())
              in.logits[fn.str()].push_back(s->str());
  }
  // Missing keys, from the functions themselves.
  for (const char *fn : {"prefill", "decode"}) {
    if (in.logits.count(fn))
      continue;
    for (auto &[name, type] : program.outputs(fn))
      if (llvm::StringRef(name).starts_with("logits"))
        in.logits[fn].push_back(name);
  }
  // The vocabulary, where no key says it: the decode logits' widths.
  for (auto &[name, type] : in.vocab ? decltype(program.outputs("decode"))() : program.outputs("decode"))
    if (type && llvm::is_contained(in.logits["decode"], name))
      in.vocab += type.getShape().back();
  auto inputs = program.externalInputs("decode");
  if (!inputs.ok())
    return absl::InvalidArgumentError(absl::StrCat(
        "the program has no decode function: --prompt drives programs imported from "
        "checkpoints (prefill and decode)"));
  for (auto &[name, type] : *inputs)
    if (name == "causal_mask" && !in.context)
      in.context = type.getShape().back();
  if (auto prefill = program.externalInputs("prefill"); prefill.ok() && !in.prefill)
    for (auto &[name, type] : *prefill)
      if (name == "input_ids")
        in.prefill = type.getNumElements();
  if (!in.context)
    return absl::InvalidArgumentError("the program says no context length (anec.context_length) "
                                      "and has no causal_mask input to read it from");
  return in;
}

} // namespace

absl::StatusOr<Generation> anec::run::generate(Chain &program, const GenerateOptions &options) {
  auto in = readInterface(program);
  if (!in.ok())
    return in.status();
  Generation g;
  g.context = in->context;
  g.prefillLength = in->prefill;
  g.prefillTail = in->padTail ? "pad" : "decode";
  const std::vector<int64_t> &prompt = options.prompt;
  int64_t n = prompt.size(), C = in->context, P = in->prefill;
  if (n == 0)
    return absl::InvalidArgumentError("--prompt: the prompt is empty");
  if (options.maxNewTokens < 1)
    return absl::InvalidArgumentError("--max-new-tokens must be at least 1");
  int64_t maxNew = options.maxNewTokens;
  if (options.clampToContext && n <= C)
    maxNew = std::min(maxNew, C - n + 1);
  // Decode writes the cache at its position: the last new token but one is
  // decoded at position n + m - 2, which must be inside the context.
  if (n > C)
    return absl::OutOfRangeError(absl::StrCat("the prompt has ", n,
                                              " tokens, more than the compiled context of ", C,
                                              " positions (recompile with a larger --context)"));
  if (n + maxNew - 1 > C)
    return absl::OutOfRangeError(absl::StrCat(
        "a prompt of ", n, " tokens and ", maxNew,
        " new tokens need positions up to ", n + maxNew - 2,
        ", past the compiled context of ", C, " positions (0..", C - 1, "); ask for at most ",
        C - n + 1, " new tokens"));

  NamedTensors caches; // --kv=io: each cache as last returned
  // Calls `fn` on `tokens` (real ones first, then padding) at `position`,
  // its inputs built by name; returns the greedy next token.
  for (int64_t t : prompt)
    if (in->vocab && t >= in->vocab)
      return absl::InvalidArgumentError(absl::StrCat("--prompt: token id ", t,
                                                     " is outside the vocabulary (", in->vocab,
                                                     " ids)"));

  auto call = [&](const std::string &fn, std::vector<int64_t> tokens, int64_t real,
                  int64_t position) -> absl::StatusOr<int64_t> {
    auto inputs = program.externalInputs(fn);
    if (!inputs.ok())
      return inputs.status();
    NamedTensors named;
    int64_t T = tokens.size();
    for (auto &[name, type] : *inputs) {
      Tensor t = Tensor::zeros(type);
      int64_t count = t.numElements();
      if ((name == "input_ids" || name == "position_ids") && count != T)
        return absl::InvalidArgumentError(absl::StrCat(fn, "'s ", name, " holds ", count,
                                                       " tokens, not ", T));
      // Padded rows see what the last real row sees; their outputs are ignored.
      if (auto positional = positionInput(name, type, position)) {
        t = std::move(*positional);
      } else if (name == "input_ids") {
        for (int64_t j = 0; j < T; ++j)
          t.i[j] = tokens[j];
      } else if (llvm::StringRef(name).ends_with("_cache")) {
        // --kv=io: the cache as the last call returned it (zeros at first).
        auto it = caches.find(name);
        if (it != caches.end()) {
          if (it->second.shape != t.shape)
            return absl::InvalidArgumentError(absl::StrCat(
                fn, "'s cache input '", name, "' does not have the shape its update had"));
          t = it->second;
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            fn, " takes an input '", name,
            "' that a token runner does not fill (known: input_ids, position_ids, causal_mask, "
            "current_pos, and caches named *_cache)"));
      }
      named[name] = std::move(t);
    }
    auto start = std::chrono::steady_clock::now();
    auto values = program.run(fn, named);
    if (!values.ok())
      return values.status();
    g.steps.push_back({fn, position, real, T - real,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                           .count()});
    for (auto &[name, type] : *inputs)
      if (llvm::StringRef(name).ends_with("_cache")) {
        auto next = values->find(name + "_next");
        if (next == values->end())
          return absl::NotFoundError(absl::StrCat(fn, " takes the cache '", name,
                                                  "' but returns no '", name, "_next'"));
        caches[name] = std::move(next->second);
      }
    // A head in the program (--head=argmax or topk:K): the ids come out.
    for (const char *idsName : {"token_ids", "topk_ids"}) {
      auto ids = values->find(idsName);
      if (ids == values->end())
        continue;
      const Tensor &t = ids->second;
      int64_t k = std::string(idsName) == "token_ids" ? 1 : t.shape.back();
      if (t.numElements() != T * k)
        return absl::InvalidArgumentError(absl::StrCat(fn, "'s ", idsName, " has ",
                                                       t.numElements(), " ids for ", T,
                                                       " tokens"));
      return t.i[(real - 1) * k];
    }
    auto names = in->logits.find(fn);
    if (names == in->logits.end() || names->second.empty())
      return absl::NotFoundError(absl::StrCat(fn, " has no logits output (nor token_ids or "
                                              "topk_ids)"));
    std::vector<Tensor> parts;
    for (const std::string &name : names->second) {
      auto it = values->find(name);
      if (it == values->end())
        return absl::NotFoundError(absl::StrCat(fn, " did not produce its logits output '", name,
                                                "'"));
      parts.push_back(it->second);
    }
    Tensor logits = parts.size() == 1 ? parts.front() : concatLast(parts);
    int64_t V = logits.shape.back(), rows = logits.numElements() / V;
    if (rows != T)
      return absl::InvalidArgumentError(absl::StrCat(fn, "'s logits have ", rows,
                                                     " rows for ", T, " tokens"));
    // The greedy choice from the row of the last real token (the first
    // of equal maxima, as numpy's argmax).
    auto row = logits.f.begin() + (real - 1) * V;
    return (int64_t)(std::max_element(row, row + V) - row);
  };

  int64_t last = 0;
  int64_t pos = 0;
  auto prefillStep = [&](int64_t real) -> absl::Status {
    std::vector<int64_t> tokens(prompt.begin() + pos, prompt.begin() + pos + real);
    tokens.resize(P, 0); // padding: token 0, masked for the real rows
    auto row = call("prefill", tokens, real, pos);
    if (!row.ok())
      return row.status();
    last = *row;
    pos += real;
    return absl::OkStatus();
  };
  if (P > 0) {
    while (n - pos >= P && pos + P <= C)
      if (absl::Status s = prefillStep(P); !s.ok())
        return s;
    if (pos < n && in->padTail && pos + P <= C)
      if (absl::Status s = prefillStep(n - pos); !s.ok())
        return s;
  }
  auto decode = [&](int64_t token) -> absl::Status {
    auto row = call("decode", {token}, 1, pos);
    if (!row.ok())
      return row.status();
    last = *row;
    ++pos;
    return absl::OkStatus();
  };
  while (pos < n)
    if (absl::Status s = decode(prompt[pos]); !s.ok())
      return s;
  while (true) {
    int64_t next = last;
    g.tokens.push_back(next);
    if (options.stopAtEos && llvm::is_contained(in->eos, next)) {
      g.stopReason = "eos";
      break;
    }
    if ((int64_t)g.tokens.size() >= maxNew) {
      g.stopReason = maxNew < options.maxNewTokens ? "context-full" : "max-new-tokens";
      break;
    }
    if (absl::Status s = decode(next); !s.ok())
      return s;
  }
  return g;
}
