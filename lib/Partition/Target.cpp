//===- Target.cpp - a chip's compute units as data -------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "lib/Partition/Target.h"

#include "absl/strings/str_cat.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace anec::partition;

namespace {

struct BuiltinTarget {
  const char *key;
  const char *json;
};
// targets/*.json, embedded at configure time (lib/CMakeLists.txt).
const BuiltinTarget kBuiltins[] = {
#include "Partition/TargetsData.inc"
};

constexpr size_t kMaxTargetFileBytes = 1 << 20;

} // namespace

const char *anec::partition::unitName(Unit u) {
  switch (u) {
  case Unit::ANE:
    return "ane";
  case Unit::GPU:
    return "gpu";
  case Unit::CPU:
    return "cpu";
  }
  return "?";
}

std::vector<std::string> anec::partition::builtinTargets() {
  std::vector<std::string> keys;
  for (const BuiltinTarget &t : kBuiltins)
    keys.push_back(t.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

absl::StatusOr<Target> anec::partition::parseTarget(const std::string &text,
                                                    const std::string &origin) {
  llvm::Expected<llvm::json::Value> parsed = anec::parseJson(text);
  if (!parsed) {
    std::string why = llvm::toString(parsed.takeError());
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not valid JSON: ", why));
  }
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return absl::InvalidArgumentError(absl::StrCat(origin, ": a target is a JSON object"));
  absl::Status status;
  auto section = [&](llvm::StringRef name) -> const llvm::json::Object * {
    const llvm::json::Object *s = root->getObject(name);
    if (!s && status.ok())
      status = absl::InvalidArgumentError(
          absl::StrCat(origin, ": missing the '", name.str(), "' section"));
    return s;
  };
  // A positive, finite number no larger than `most`.
  auto number = [&](const llvm::json::Object *s, llvm::StringRef sec, llvm::StringRef field,
                    double most) -> double {
    if (!s)
      return 0;
    std::optional<double> v = s->getNumber(field);
    if (!status.ok())
      return 0;
    if (!v)
      status = absl::InvalidArgumentError(absl::StrCat(
          origin, ": ", sec.str(), ".", field.str(), " must be a number"));
    else if (!(*v > 0) || !(*v <= most))
      status = absl::InvalidArgumentError(absl::StrCat(origin, ": ", sec.str(), ".",
                                                       field.str(), " must be in (0, ", most,
                                                       "], got ", *v));
    return v.value_or(0);
  };
  Target t;
  std::optional<llvm::StringRef> name = root->getString("name");
  if (!name || name->empty() || name->size() > 200)
    return absl::InvalidArgumentError(absl::StrCat(origin, ": 'name' must be a short string"));
  t.name = name->str();
  const llvm::json::Object *ane = section("ane"), *gpu = section("gpu"), *cpu = section("cpu"),
                           *transfer = section("transfer");
  t.ane.fp16Tflops = number(ane, "ane", "fp16_tflops", 1e4);
  t.ane.int8Tops = number(ane, "ane", "int8_tops", 1e4);
  t.ane.weightBandwidthGBs = number(ane, "ane", "weight_bandwidth_gbs", 1e5);
  t.ane.sramMiB = number(ane, "ane", "sram_mib", 1e6);
  t.ane.sramCliff = number(ane, "ane", "sram_cliff", 1);
  t.ane.dispatchMs = number(ane, "ane", "dispatch_ms", 1e3);
  t.ane.maxDim = (int64_t)number(ane, "ane", "max_dim", 1 << 30);
  t.gpu.fp16Tflops = number(gpu, "gpu", "fp16_tflops", 1e4);
  t.gpu.bandwidthGBs = number(gpu, "gpu", "bandwidth_gbs", 1e5);
  t.gpu.dispatchMs = number(gpu, "gpu", "dispatch_ms", 1e3);
  t.cpu.gflops = number(cpu, "cpu", "gflops", 1e7);
  t.cpu.bandwidthGBs = number(cpu, "cpu", "bandwidth_gbs", 1e5);
  t.transfer.ms = number(transfer, "transfer", "ms", 1e3);
  t.transfer.bandwidthGBs = number(transfer, "transfer", "bandwidth_gbs", 1e5);
  if (!status.ok())
    return status;
  std::optional<bool> w8a8 = ane->getBoolean("w8a8");
  if (!w8a8)
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ane.w8a8 must be true or false"));
  t.ane.w8a8 = *w8a8;
  return t;
}

absl::StatusOr<Target> anec::partition::loadTarget(const std::string &keyOrPath) {
  for (const BuiltinTarget &b : kBuiltins)
    if (keyOrPath == b.key) {
      absl::StatusOr<Target> t = parseTarget(b.json, absl::StrCat("built-in target ", b.key));
      if (t.ok())
        t->key = b.key;
      return t;
    }
  llvm::StringRef ref(keyOrPath);
  if (!ref.contains('/') && !ref.ends_with(".json")) {
    std::string known;
    for (const std::string &k : builtinTargets())
      absl::StrAppend(&known, known.empty() ? "" : ", ", k);
    return absl::InvalidArgumentError(absl::StrCat("unknown target '", keyOrPath,
                                                   "' (built in: ", known,
                                                   "; or a target .json file)"));
  }
  if (absl::Status regular = anec::requireRegularFile(keyOrPath); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(keyOrPath, /*IsText=*/true);
  if (!buffer)
    return absl::NotFoundError(
        absl::StrCat(keyOrPath, ": cannot read: ", buffer.getError().message()));
  if ((*buffer)->getBufferSize() > kMaxTargetFileBytes)
    return absl::InvalidArgumentError(absl::StrCat(keyOrPath, ": ", (*buffer)->getBufferSize(),
                                                   " bytes is too large for a target file"));
  absl::StatusOr<Target> t = parseTarget((*buffer)->getBuffer().str(), keyOrPath);
  if (t.ok())
    t->key = keyOrPath;
  return t;
}
