//===- LowerToH13.cpp - mil ops into H13 ANE tasks -------------------------===//
//
// The lowering stage of the native M1 path: every op of the function
// becomes an hwx.task holding its register fields (lib/Hwx/H13Tasks.cpp),
// or the pass fails naming the op and why. Constants feeding lowered convs
// are folded into the tasks' kernels.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "lib/Hwx/H13Tasks.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "absl/strings/str_cat.h"

namespace anec {
#define GEN_PASS_DEF_LOWERTOH13
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// [N, C, H, W] f16 as (C, H, W), or failure. A task computes one item of
/// the batch: the runtime runs it per item, as Apple's gemm.hwx (compiled
/// from a network of batch 512) holds buffers of one item.
std::optional<std::array<int64_t, 3>> nchw(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() != 4 || !t.getElementType().isF16())
    return std::nullopt;
  return std::array<int64_t, 3>{t.getDimSize(1), t.getDimSize(2), t.getDimSize(3)};
}

/// The fp16 bits of a constant f16 weight.
std::optional<std::vector<uint16_t>> weightBits(Value v) {
  auto c = v.getDefiningOp<ConstOp>();
  if (!c || !c.getType().getElementType().isF16())
    return std::nullopt;
  std::vector<uint16_t> bits;
  bits.reserve(c.getType().getNumElements());
  ElementsAttr val = c.getVal();
  if (auto r = dyn_cast<DenseResourceElementsAttr>(val)) {
    AsmResourceBlob *blob = r.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    if ((int64_t)data.size() != c.getType().getNumElements() * 2)
      return std::nullopt;
    for (size_t i = 0; i < data.size(); i += 2)
      bits.push_back(uint16_t(uint8_t(data[i]) | uint8_t(data[i + 1]) << 8));
    return bits;
  }
  if (auto d = dyn_cast<DenseElementsAttr>(val)) {
    for (APFloat f : d.getValues<APFloat>())
      bits.push_back(uint16_t(f.bitcastToAPInt().getZExtValue()));
    return bits;
  }
  return std::nullopt;
}

struct LowerToH13Pass : anec::impl::LowerToH13Base<LowerToH13Pass> {
  using LowerToH13Base::LowerToH13Base;
  llvm::DenseSet<Operation *> erased;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops) {
      if (erased.contains(op))
        continue; // fused into a task already
      if (isa<ConstOp, func::ReturnOp>(op))
        continue;
      LogicalResult r = llvm::TypeSwitch<Operation *, LogicalResult>(op)
                            .Case([&](ConvOp c) { return lowerConv(c); })
                            .Case([&](ReluOp r) { return lowerRelu(r); })
                            .Default([&](Operation *o) {
                              return o->emitOpError()
                                     << "is not lowered to H13 tasks: anec lowers a 1x1 conv "
                                        "(with a ReLU) and a ReLU, the ops matched against "
                                        "Apple's M1 binaries";
                            });
      if (failed(r))
        return signalPassFailure();
    }
    // Weights now live in the tasks' kernels.
    for (Operation &op : llvm::make_early_inc_range(fn.getBody().front()))
      if (isa<ConstOp>(op) && op.use_empty())
        op.erase();
  }

  LogicalResult emitTask(Operation *anchor, Operation *last, ValueRange inputs, StringRef kind,
                         const hwx::TaskRegisters &regs) {
    OpBuilder b(last);
    b.setInsertionPointAfter(last);
    MLIRContext *ctx = b.getContext();
    SmallVector<NamedAttribute> fields, unmapped;
    for (const auto &[name, value] : regs.fields)
      fields.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
    for (const auto &[offset, value] : regs.unmapped)
      unmapped.push_back(b.getNamedAttr(std::to_string(offset), b.getI64IntegerAttr(value)));
    ElementsAttr kernel;
    if (!regs.kernel.empty()) {
      auto type = RankedTensorType::get({(int64_t)regs.kernel.size()},
                                        IntegerType::get(ctx, 8, IntegerType::Unsigned));
      auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<uint8_t>(regs.kernel));
      kernel = DenseResourceElementsAttr::get(type, "h13_kernel", std::move(blob));
    }
    auto task = b.create<hwx::TaskOp>(last->getLoc(), last->getResult(0).getType(), inputs,
                                      b.getStringAttr(kind), b.getDictionaryAttr(fields),
                                      b.getDictionaryAttr(unmapped), kernel);
    last->getResult(0).replaceAllUsesWith(task.getOutput());
    erased.insert(last);
    last->erase();
    if (anchor != last) {
      erased.insert(anchor);
      anchor->erase();
    }
    ++numTasks;
    return success();
  }

  LogicalResult lowerConv(ConvOp c) {
    auto in = nchw(c.getX()), out = nchw(c.getOutput());
    auto wt = c.getWeight().getType();
    if (!in || !out)
      return c.emitOpError() << "is not lowered to H13 tasks: only an fp16 [N, C, H, W] "
                                "conv has been matched";
    if (c.getBias() || c.getGroups() != 1 || wt.getRank() != 4 || wt.getDimSize(2) != 1 ||
        wt.getDimSize(3) != 1)
      return c.emitOpError() << "is not lowered to H13 tasks: only a 1x1 ungrouped conv "
                                "without bias has been matched";
    if (auto s = c.getStrides(); s && llvm::any_of(*s, [](int64_t v) { return v != 1; }))
      return c.emitOpError() << "is not lowered to H13 tasks: only stride 1 has been matched";
    if (auto p = c.getPad(); c.getPadType() == "custom" && p &&
                             llvm::any_of(*p, [](int64_t v) { return v != 0; }))
      return c.emitOpError() << "is not lowered to H13 tasks: padding has not been matched";
    auto bits = weightBits(c.getWeight());
    if (!bits)
      return c.emitOpError() << "is not lowered to H13 tasks: its weight is not a constant "
                                "fp16 tensor";
    hwx::ConvShape shape;
    shape.cin = (*in)[0];
    shape.height = (*in)[1];
    shape.width = (*in)[2];
    shape.cout = (*out)[0];
    shape.weights = std::move(*bits);
    // A ReLU that is the conv's only user runs in the same task.
    Operation *last = c;
    if (c->hasOneUse())
      if (auto relu = dyn_cast<ReluOp>(*c->getUsers().begin())) {
        shape.activation = hwx::Activation::ReLU;
        last = relu;
      }
    auto regs = hwx::convTask(shape);
    if (!regs.ok())
      return c.emitOpError() << "is not lowered to H13 tasks: " << std::string(regs.status().message());
    return emitTask(c, last, ValueRange{c.getX()},
                    shape.activation == hwx::Activation::ReLU ? "conv+relu" : "conv", *regs);
  }

  LogicalResult lowerRelu(ReluOp r) {
    auto in = nchw(r.getX());
    if (!in)
      return r.emitOpError() << "is not lowered to H13 tasks: only an fp16 [N, C, H, W] ReLU "
                                "has been matched";
    auto regs = hwx::neuronTask((*in)[0], (*in)[1], (*in)[2], hwx::Activation::ReLU);
    if (!regs.ok())
      return r.emitOpError() << "is not lowered to H13 tasks: " << std::string(regs.status().message());
    return emitTask(r, r, ValueRange{r.getX()}, "relu", *regs);
  }
};

} // namespace
