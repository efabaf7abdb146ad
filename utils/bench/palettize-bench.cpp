//===- palettize-bench.cpp - anec's palettizer on a checkpoint's tensors --===//
//
// Runs the palettization kernel of anec-palettize-weights over every 2-D
// weight of a safetensors file or Hugging Face folder, groups spread over
// worker threads, and prints per tensor and in total: time, weights per
// second, MSE and SNR. With --json, one JSON object per tensor (full
// precision MSE) for utils/bench-palettize.py to set beside scikit-learn and
// a textbook dynamic program.
//
//   anec-palettize-bench PATH [--bits=4] [--group-size=8|0] [--mode=kmeans]
//                        [--workers=2] [--only=REGEX] [--json]
//
//===----------------------------------------------------------------------===//
#include "lib/Compression/Palettize.h"
#include "lib/Import/SafeTensors.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Regex.h"
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

using namespace anec;
using namespace anec::compression;

namespace {

llvm::cl::opt<std::string> inputPath(llvm::cl::Positional, llvm::cl::Required,
                                     llvm::cl::desc("<checkpoint .safetensors or folder>"));
llvm::cl::opt<int> bitsOpt("bits", llvm::cl::desc("index bits: 1, 2, 3, 4, 6 or 8"),
                           llvm::cl::init(4));
llvm::cl::opt<int64_t> groupSizeOpt(
    "group-size", llvm::cl::desc("output channels per LUT; 0 for one LUT per tensor"),
    llvm::cl::init(8));
llvm::cl::opt<std::string> modeOpt("mode", llvm::cl::desc("kmeans, kmeans-exact or uniform"),
                                   llvm::cl::init("kmeans"));
llvm::cl::opt<unsigned> threadsOpt("workers", llvm::cl::desc("worker threads"),
                                   llvm::cl::init(2));
llvm::cl::opt<std::string> onlyOpt("only", llvm::cl::desc("regex: palettize matching tensors"),
                                   llvm::cl::init(""));
llvm::cl::opt<int64_t> minElements("min-elements",
                                   llvm::cl::desc("skip smaller tensors (coremltools: 2048)"),
                                   llvm::cl::init(2048));
llvm::cl::opt<int64_t> maxGroups("max-groups",
                                  llvm::cl::desc("palettize only each tensor's first N groups"),
                                  llvm::cl::init(0));
llvm::cl::opt<bool> jsonOpt("json", llvm::cl::desc("one JSON object per tensor"));
llvm::cl::opt<bool> objectiveOpt(
    "objective", llvm::cl::desc("measure the k-means objective too (a search per distinct value)"),
    llvm::cl::init(true));

struct Job {
  const import::TensorView *view;
  std::vector<uint16_t> half; // the values as fp16 bits
  int64_t rows = 0, cols = 0, groupRows = 0;
  std::vector<PaletteError> errors; // per group
  double seconds = 0;               // summed over the groups' workers
  bool finite = true;
};

/// The tensor's values as fp16 bits (F32 and BF16 rounded to nearest).
bool toHalf(const import::TensorView &t, std::vector<uint16_t> &out) {
  size_t n = t.numElements();
  out.resize(n);
  const char *p = t.data.data();
  if (t.dtype == "F16") {
    std::memcpy(out.data(), p, 2 * n);
  } else if (t.dtype == "F32") {
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out[i] = floatToHalf(f);
    }
  } else if (t.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      std::memcpy(reinterpret_cast<char *>(&bits) + 2, p + 2 * i, 2);
      float f;
      std::memcpy(&f, &bits, 4);
      out[i] = floatToHalf(f);
    }
  } else {
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(argc, argv, "anec's palettizer on a checkpoint's tensors\n");
  if (!llvm::is_contained({1, 2, 3, 4, 6, 8}, bitsOpt.getValue())) {
    fmt::print(stderr, "error: --bits must be 1, 2, 3, 4, 6 or 8\n");
    return 2;
  }
  if (modeOpt != "kmeans" && modeOpt != "kmeans-exact" && modeOpt != "uniform") {
    fmt::print(stderr, "error: --mode must be kmeans or uniform\n");
    return 2;
  }
  if (threadsOpt == 0 || threadsOpt > 256 || groupSizeOpt < 0) {
    fmt::print(stderr, "error: --workers must be 1..256 and --group-size at least 0\n");
    return 2;
  }
  llvm::Regex only(onlyOpt);
  std::string regexError;
  if (!onlyOpt.empty() && !only.isValid(regexError)) {
    fmt::print(stderr, "error: --only: {}\n", regexError);
    return 2;
  }
  LutMode mode = modeOpt == "kmeans"         ? LutMode::KMeans
                 : modeOpt == "kmeans-exact" ? LutMode::KMeansExact
                                             : LutMode::Uniform;

  // The tensors, mapped.
  llvm::StringMap<import::TensorView> single;
  const llvm::StringMap<import::TensorView> *tensors;
  std::optional<import::Checkpoint> checkpoint;
  if (llvm::sys::fs::is_directory(inputPath)) {
    auto opened = import::Checkpoint::open(inputPath);
    if (!opened.ok()) {
      fmt::print(stderr, "error: {}\n", std::string(opened.status().message()));
      return 1;
    }
    checkpoint = std::move(*opened);
    tensors = &checkpoint->tensors();
  } else {
    auto read = import::readSafetensors(inputPath);
    if (!read.ok()) {
      fmt::print(stderr, "error: {}\n", std::string(read.status().message()));
      return 1;
    }
    single = std::move(*read);
    tensors = &single;
  }
  std::vector<std::string> names;
  for (const auto &entry : *tensors)
    names.push_back(entry.getKey().str());
  std::sort(names.begin(), names.end());

  auto start = std::chrono::steady_clock::now();
  std::vector<Job> jobs;
  for (const std::string &name : names) {
    const import::TensorView &t = tensors->find(name)->second;
    if (t.shape.size() != 2 || t.numElements() < minElements ||
        (!onlyOpt.empty() && !only.match(name)))
      continue;
    Job job;
    job.view = &t;
    if (!toHalf(t, job.half))
      continue;
    job.rows = t.shape[0];
    job.cols = t.shape[1];
    job.groupRows = rowsPerLut(job.rows, groupSizeOpt == 0 ? job.rows : groupSizeOpt);
    for (uint16_t h : job.half)
      job.finite &= std::isfinite(halfToFloat(h));
    if (!job.finite) {
      fmt::print(stderr, "note: {} holds NaN or Inf; skipped\n", name);
      continue;
    }
    int64_t groups = job.rows / job.groupRows;
    job.errors.resize(maxGroups > 0 ? std::min(groups, maxGroups.getValue()) : groups);
    jobs.push_back(std::move(job));
  }
  double readSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Every (tensor, group) is one work item, handed out in order.
  std::vector<std::pair<size_t, size_t>> items;
  for (size_t j = 0; j < jobs.size(); ++j)
    for (size_t g = 0; g < jobs[j].errors.size(); ++g)
      items.push_back({j, g});
  std::vector<std::vector<double>> secondsPerThread(threadsOpt, std::vector<double>(jobs.size()));
  std::atomic<size_t> next{0};
  start = std::chrono::steady_clock::now();
  auto worker = [&](unsigned t) {
    Palettizer &palettizer = Palettizer::forThisThread();
    palettizer.setMeasureObjective(objectiveOpt);
    std::vector<uint8_t> indices;
    uint16_t lut[256];
    for (size_t i; (i = next.fetch_add(1)) < items.size();) {
      auto [j, g] = items[i];
      Job &job = jobs[j];
      size_t n = job.groupRows * job.cols;
      indices.resize(n);
      auto t0 = std::chrono::steady_clock::now();
      job.errors[g] = palettizer.run(job.half.data() + g * n, n, bitsOpt, mode, indices.data(), lut);
      secondsPerThread[t][j] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threadsOpt; ++t)
    pool.emplace_back(worker, t);
  for (std::thread &t : pool)
    t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int64_t totalWeights = 0;
  double totalError = 0, totalEnergy = 0;
  if (!jsonOpt)
    fmt::print("{:<48} {:>14} {:>7} {:>9} {:>12} {:>8}\n", "tensor", "shape", "LUTs",
               "cpu s", "MSE", "SNR dB");
  for (size_t j = 0; j < jobs.size(); ++j) {
    Job &job = jobs[j];
    double err = 0, energy = 0, maxAbs = 0, seconds = 0, objective = 0;
    for (const PaletteError &e : job.errors)
      err += e.squaredError, energy += e.energy, maxAbs = std::max(maxAbs, e.maxAbsError),
          objective += e.objective;
    for (unsigned t = 0; t < threadsOpt; ++t)
      seconds += secondsPerThread[t][j];
    int64_t n = (int64_t)job.errors.size() * job.groupRows * job.cols;
    totalWeights += n;
    totalError += err;
    totalEnergy += energy;
    double snr = err > 0 ? 10 * std::log10(energy / err) : INFINITY;
    if (jsonOpt)
      fmt::print("{{\"name\": \"{}\", \"rows\": {}, \"cols\": {}, \"luts\": {}, \"seconds\": "
                 "{:.6f}, \"values\": {}, \"mse\": {:.17g}, \"objective\": {:.17g}, "
                 "\"max_abs_error\": {:.17g}}}\n",
                 job.view->name, job.rows, job.cols, job.errors.size(), seconds, n, err / n,
                 objective / n, maxAbs);
    else
      fmt::print("{:<48} {:>14} {:>7} {:>9.3f} {:>12.4e} {:>8.2f}\n", job.view->name,
                 fmt::format("{}x{}", job.rows, job.cols), job.errors.size(), seconds, err / n,
                 snr);
  }
  if (!jsonOpt)
    fmt::print("\n{} weights in {} tensors, {}-bit {} {}: {:.2f} s wall on {} thread{} "
               "({:.1f} M weights/s), SNR {:.2f} dB; reading and fp16 conversion {:.2f} s\n",
               totalWeights, jobs.size(), bitsOpt.getValue(), modeOpt.getValue(),
               groupSizeOpt == 0 ? std::string("per tensor")
                                 : fmt::format("per {} channels", groupSizeOpt.getValue()),
               wall, threadsOpt.getValue(), threadsOpt == 1 ? "" : "s",
               totalWeights / wall / 1e6,
               totalError > 0 ? 10 * std::log10(totalEnergy / totalError) : INFINITY, readSeconds);
  return 0;
}
