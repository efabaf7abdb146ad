//===- Partition.cpp - the compute unit of every op, and why --------------===//
//
// For every function: which units can run each op (with the reason when the
// Neural Engine cannot: ane-constraints.md), what each op costs on each unit
// (lib/Partition/CostModel), and the assignment of least estimated time for
// the whole function (lib/Partition/Assign). Each op gets `mil.compute_unit`;
// constants and weight decompression follow their first user. The report
// (`report-file`) holds the segments, the ANE residency, the transitions,
// the per-call estimates and every op's unit and reason.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/CompressionReport.h"
#include "passes/WeightValues.h"
#include "lib/Partition/Assign.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include <fmt/format.h>

#include <cmath>

namespace anec {
#define GEN_PASS_DEF_PARTITION
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;
using namespace anec::partition;

namespace {

int64_t bytesOf(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  if (!tt || !tt.hasStaticShape())
    return 0;
  unsigned bits = tt.getElementType().isIntOrFloat() ? tt.getElementType().getIntOrFloatBitWidth()
                                                     : 16;
  return (tt.getNumElements() * bits + 7) / 8;
}

int64_t numel(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  return tt && tt.hasStaticShape() ? tt.getNumElements() : 0;
}

struct PartitionPass : anec::impl::PartitionBase<PartitionPass> {
  using PartitionBase::PartitionBase;

  /// Ops whose value is known at compile time: constants, decompression,
  /// and pure ops of those. They are weights, not work.
  llvm::DenseSet<Operation *> constants;

  bool isConstant(Value v) {
    Operation *def = v.getDefiningOp();
    return def && constants.contains(def);
  }

  /// Bytes of the stored constants behind `v` (compressed, as written).
  int64_t storedBytes(Value v, llvm::DenseSet<Operation *> &seen) {
    Operation *def = v.getDefiningOp();
    if (!def || !seen.insert(def).second)
      return 0;
    if (isa<ConstOp>(def))
      return bytesOf(def->getResult(0).getType());
    int64_t total = 0;
    for (Value operand : def->getOperands())
      total += storedBytes(operand, seen);
    return total;
  }

  /// Why the Neural Engine cannot run `op`, or "" when it can.
  std::string aneReason(Operation *op, const Target &target) {
    auto tensors = [&](auto fn) {
      for (Value v : op->getOperands())
        if (auto t = dyn_cast<RankedTensorType>(v.getType()); t && !isConstant(v))
          if (std::string r = fn(t, v); !r.empty())
            return r;
      for (Value v : op->getResults())
        if (auto t = dyn_cast<RankedTensorType>(v.getType()))
          if (std::string r = fn(t, v); !r.empty())
            return r;
      return std::string();
    };
    if (std::string r = tensors([](RankedTensorType t, Value) -> std::string {
          return t.hasStaticShape() ? "" : "dynamic shape (the ANE runs static shapes only)";
        });
        !r.empty())
      return r;
    if (std::string r = tensors([](RankedTensorType t, Value) -> std::string {
          Type e = t.getElementType();
          if (e.isF32() || e.isF64())
            return "fp32 (the ANE computes in fp16 only)";
          if (e.isBF16())
            return "bf16 (the ANE has no bf16)";
          return "";
        });
        !r.empty())
      return r;
    // The dimension limit holds for weights too (an embedding table).
    SmallVector<Type> types(op->getOperandTypes());
    llvm::append_range(types, op->getResultTypes());
    for (Type type : types)
      if (auto t = dyn_cast<RankedTensorType>(type))
        for (int64_t d : t.getShape())
          if (d > target.ane.maxDim)
            return fmt::format("dimension {} over the limit of {}", d, target.ane.maxDim);
    // Weights the ANE does not decompress.
    for (Value v : op->getOperands())
      if (auto bw = v.getDefiningOp<ConstexprBlockwiseShiftScaleOp>())
        if (auto dt = dyn_cast<RankedTensorType>(bw->getOperand(0).getType());
            dt && dt.getElementType().getIntOrFloatBitWidth() <= 4)
          return "block-wise int4 weights (optimised for the GPU)";
    std::string lacks = llvm::TypeSwitch<Operation *, std::string>(op)
                            .Case([](RmsNormOp) {
                              return "no native RMSNorm (anec-rms-norm-to-layer-norm rewrites it)";
                            })
                            .Case([](GeluOp g) -> std::string {
                              return g.getMode() == "EXACT"
                                         ? ""
                                         : "exotic activation (GELU " + g.getMode().str() + ")";
                            })
                            .Case<ErfOp, SinOp, CosOp>([](Operation *o) {
                              return "op the ANE lacks (" +
                                     o->getName().stripDialect().str() + ")";
                            })
                            .Case([](ScaledDotProductAttentionOp a) -> std::string {
                              return a.getAttnMask() ? "SDPA mask (the ANE ignores it)" : "";
                            })
                            .Default([](Operation *) { return std::string(); });
    if (!lacks.empty())
      return lacks;
    if (requireAlignment) {
      std::string r = tensors([](RankedTensorType t, Value) -> std::string {
        if (t.getRank() == 0)
          return "";
        int64_t last = t.getShape().back();
        unsigned bits = t.getElementType().isIntOrFloat() ? t.getElementType().getIntOrFloatBitWidth() : 16;
        if ((last * bits / 8) % 64 != 0)
          return fmt::format("last axis of {} bytes is not 64-byte aligned", last * bits / 8);
        return "";
      });
      if (!r.empty())
        return r;
    }
    return "";
  }

  OpWork workOf(Operation *op) {
    OpWork w;
    llvm::DenseSet<Operation *> seen;
    for (Value v : op->getOperands()) {
      if (isConstant(v))
        // A gather reads only the rows it returns, not its whole table.
        w.weightBytes += isa<GatherOp>(op) ? bytesOf(op->getResult(0).getType())
                                           : storedBytes(v, seen);
      else
        w.activationBytes += bytesOf(v.getType());
    }
    int64_t out = 0;
    for (Value r : op->getResults()) {
      w.activationBytes += bytesOf(r.getType());
      out += numel(r.getType());
    }
    auto dim = [](Value v, int fromEnd) -> double {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      return t && t.getRank() >= fromEnd ? (double)t.getDimSize(t.getRank() - fromEnd) : 0.0;
    };
    w.flops = llvm::TypeSwitch<Operation *, double>(op)
                  .Case([&](LinearOp l) { return 2.0 * out * dim(l.getX(), 1); })
                  .Case([&](MatmulOp m) {
                    return 2.0 * out * dim(m.getX(), m.getTransposeX() ? 2 : 1);
                  })
                  .Case([&](ConvOp c) {
                    double cout = dim(c.getWeight(), 0) > 0
                                      ? (double)cast<RankedTensorType>(c.getWeight().getType())
                                            .getDimSize(0)
                                      : 1.0;
                    return 2.0 * out * numel(c.getWeight().getType()) / std::max(cout, 1.0);
                  })
                  .Case([&](ScaledDotProductAttentionOp a) {
                    return 4.0 * numel(a.getQuery().getType()) * dim(a.getKey(), 2);
                  })
                  .Case<LayerNormOp, RmsNormOp, SoftmaxOp>(
                      [&](Operation *) { return 5.0 * out; })
                  .Case<ReshapeOp, TransposeOp, ConcatOp, SplitOp, SliceByIndexOp,
                        SliceBySizeOp, ExpandDimsOp, SqueezeOp, TileOp, PadOp, ReadStateOp,
                        CoremlUpdateStateOp, SliceUpdateOp, GatherOp>(
                      [&](Operation *) { return 0.0; })
                  .Default([&](Operation *o) {
                    // Element-wise and reductions: one op per input element.
                    double in = 0;
                    for (Value v : o->getOperands())
                      in = std::max(in, (double)numel(v.getType()));
                    return std::max(in, (double)out);
                  });
    return w;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    absl::StatusOr<Target> loaded = loadTarget(target);
    if (!loaded.ok()) {
      module.emitError() << std::string(loaded.status().message());
      return signalPassFailure();
    }
    const Target &t = *loaded;
    // Core ML's MLComputeUnits: the units the app lets the program use.
    bool allowed[kNumUnits] = {true, true, true};
    if (computeUnits == "cpu_and_ne")
      allowed[(int)Unit::GPU] = false;
    else if (computeUnits == "cpu_and_gpu")
      allowed[(int)Unit::ANE] = false;
    else if (computeUnits == "cpu_only")
      allowed[(int)Unit::ANE] = allowed[(int)Unit::GPU] = false;
    else if (computeUnits != "all") {
      module.emitError("compute-units must be all, cpu_and_ne, cpu_and_gpu or cpu_only, got '")
          << computeUnits << "'";
      return signalPassFailure();
    }
    llvm::json::Array functions, opsJson, segmentsJson;
    double aneOps = 0, allOps = 0, aneFlops = 0, allFlops = 0;
    int transitions = 0;
    std::optional<double> decodeMs, prefillMs, otherMs;
    int64_t numFunctions = 0;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      ++numFunctions;
      constants.clear();
      std::vector<Operation *> ops;
      for (Operation &op : fn.getBody().front()) {
        if (isComputedAtCompileTime(&op))
          constants.insert(&op);
        else if (!isa<func::ReturnOp>(op))
          ops.push_back(&op);
      }
      // Per op: work, time on each unit, and why not on the ANE.
      Program program;
      std::vector<OpWork> works;
      std::vector<std::string> reasons;
      llvm::DenseMap<Operation *, size_t> position;
      for (Operation *op : ops) {
        position[op] = works.size();
        works.push_back(workOf(op));
        reasons.push_back(aneReason(op, t));
        std::array<double, kNumUnits> ms;
        for (int u = 0; u < kNumUnits; ++u)
          ms[u] = opMs(t, (Unit)u, works.back());
        if (!reasons.back().empty())
          ms[(int)Unit::ANE] = INFINITY;
        // Core ML runs flexible shapes on the CPU only.
        bool dynamic = llvm::any_of(op->getOperandTypes(), [](Type t) {
          auto tt = dyn_cast<RankedTensorType>(t);
          return tt && !tt.hasStaticShape();
        });
        if (dynamic)
          ms[(int)Unit::GPU] = INFINITY;
        for (int u = 0; u < kNumUnits; ++u)
          if (!allowed[u])
            ms[u] = INFINITY;
        program.opMs.push_back(ms);
      }
      // Bytes live across each boundary: every value from its definition to
      // its last use (function inputs from the start).
      size_t n = ops.size();
      std::vector<double> delta(n + 1, 0);
      auto addLive = [&](Value v, size_t from) {
        size_t last = from;
        for (Operation *user : v.getUsers()) {
          Operation *top = fn.getBody().front().findAncestorOpInBlock(*user);
          if (!top)
            continue;
          auto it = position.find(top);
          size_t at = it != position.end() ? it->second : (isa<func::ReturnOp>(top) ? n : from);
          last = std::max(last, at);
        }
        if (last > from) {
          delta[from] += bytesOf(v.getType());
          delta[last] -= bytesOf(v.getType());
        }
      };
      for (BlockArgument arg : fn.getArguments())
        addLive(arg, 0);
      for (size_t i = 0; i < n; ++i)
        for (Value r : ops[i]->getResults())
          addLive(r, i);
      double running = 0;
      for (size_t i = 0; i + 1 < n; ++i) {
        running += delta[i];
        program.liveBytesAfter.push_back(running);
      }
      Assignment a = assignUnits(t, program);
      if (a.units.size() != n) {
        fn.emitError("no compute unit can run every op of this function");
        return signalPassFailure();
      }
      // Annotate: ops, then constants after their first user.
      MLIRContext *ctx = &getContext();
      for (size_t i = 0; i < n; ++i)
        ops[i]->setAttr("mil.compute_unit", StringAttr::get(ctx, unitName(a.units[i])));
      for (Operation &op : llvm::reverse(fn.getBody().front()))
        if (constants.contains(&op)) {
          StringAttr unit;
          for (Operation *user : op.getUsers())
            if (auto u = user->getAttrOfType<StringAttr>("mil.compute_unit"))
              unit = u;
          if (unit)
            op.setAttr("mil.compute_unit", unit);
        }
      // Segments and per-op entries.
      std::string fnName = fn.getSymName().str();
      double fnMs = a.ms;
      transitions += a.transitions;
      for (size_t i = 0; i < n;) {
        size_t j = i;
        double flops = 0, weights = 0, ms = dispatchMs(t, a.units[i]);
        if (i > 0)
          ms += transferMs(t, program.liveBytesAfter[i - 1]);
        for (; j < n && a.units[j] == a.units[i]; ++j) {
          flops += works[j].flops;
          weights += works[j].weightBytes;
          ms += program.opMs[j][(int)a.units[j]];
        }
        segmentsJson.push_back(llvm::json::Object{{"function", fnName},
                                                  {"compute_unit", unitName(a.units[i])},
                                                  {"ops", (int64_t)(j - i)},
                                                  {"flops", flops},
                                                  {"weight_bytes", weights},
                                                  {"estimated_ms", ms}});
        i = j;
      }
      for (size_t i = 0; i < n; ++i) {
        Operation *op = ops[i];
        bool onAne = a.units[i] == Unit::ANE;
        allOps += 1;
        allFlops += works[i].flops;
        if (onAne)
          aneOps += 1, aneFlops += works[i].flops;
        std::string why = reasons[i];
        if (why.empty() && !onAne)
          why = allowed[(int)Unit::ANE]
                    ? "the ANE could run it; the estimated total is lower with it here"
                    : "compute-units=" + computeUnits + " leaves out the ANE";
        std::string loc;
        llvm::raw_string_ostream(loc) << op->getLoc();
        opsJson.push_back(llvm::json::Object{
            {"function", fnName},
            {"op", op->getName().getStringRef()},
            {"location", loc},
            {"compute_unit", unitName(a.units[i])},
            {"reason", why},
            {"flops", works[i].flops},
            {"weight_bytes", works[i].weightBytes},
            {"estimated_ms", program.opMs[i][(int)a.units[i]]}});
        if (explain && !why.empty())
          op->emitRemark() << unitName(a.units[i]) << ": " << why;
      }
      functions.push_back(llvm::json::Object{{"name", fnName},
                                             {"ops", (int64_t)n},
                                             {"segments", a.segments},
                                             {"transitions", a.transitions},
                                             {"estimated_ms", fnMs}});
      if (llvm::StringRef(fnName).contains("decode"))
        decodeMs = decodeMs.value_or(0) + fnMs;
      else if (llvm::StringRef(fnName).contains("prefill"))
        prefillMs = prefillMs.value_or(0) + fnMs;
      else
        otherMs = fnMs;
    }
    if (reportFile.empty())
      return;
    // A program of one function (no prefill/decode pair): its call is the step.
    if (!decodeMs && !prefillMs && numFunctions == 1)
      decodeMs = otherMs;
    llvm::json::Object estimate{{"label", "estimate from the target's figures, not a measurement"}};
    if (decodeMs) {
      estimate["decode_ms_per_token"] = *decodeMs;
      estimate["decode_tokens_per_s"] = *decodeMs > 0 ? 1000.0 / *decodeMs : 0.0;
    }
    if (prefillMs)
      estimate["prefill_ms"] = *prefillMs;
    llvm::json::Object root{
        {"target", llvm::json::Object{{"key", t.key}, {"name", t.name}}},
        {"compute_units", computeUnits},
        {"functions", std::move(functions)},
        {"segments", std::move(segmentsJson)},
        {"residency", llvm::json::Object{{"ane_ops_fraction", allOps ? aneOps / allOps : 0.0},
                                         {"ane_flops_fraction",
                                          allFlops ? aneFlops / allFlops : 0.0}}},
        {"transitions", transitions},
        {"estimate", std::move(estimate)},
        {"ops", std::move(opsJson)},
    };
    if (failed(writeJsonReport(module, reportFile, "partition report",
                               llvm::json::Value(std::move(root)))))
      return signalPassFailure();
  }
};

} // namespace
