//===- H13Tasks.cpp - register values of the H13 tasks anec emits ---------===//
//
// The rules below were read off the golden programs: conv.hwx and
// model.hwx.golden (1x1 conv, 3 -> 3 channels, 1x1 pixels), gemm.hwx (1x1
// conv, 512 -> 512) and relu.hwx (ReLU over 1 channel of 77). Each field
// that differs between them is a formula of the shape; fields equal in all
// of them are constants. docs/HWX.md gives the table.
//
//===----------------------------------------------------------------------===//
#include "lib/Hwx/H13Tasks.h"

#include "absl/strings/str_cat.h"

#include <fmt/format.h>

using namespace anec::hwx;

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t ceilLog2(int64_t v) {
  int64_t l = 0;
  while ((int64_t(1) << l) < v)
    ++l;
  return l;
}

/// The register streams of an H13 task, as every golden lays them out:
/// (offset of the header word in the task, first register address, words).
constexpr Stream kStreams[] = {
    {0x28, 0x1f800, 62}, // KernelDMASrc
    {0x124, 0x0, 16},    // Common
    {0x168, 0x13800, 28}, // TileDMASrc
    {0x1dc, 0x4800, 18},  // L2
    {0x228, 0x8800, 4},   // (not in the field map; zero in every conv and neuron)
    {0x23c, 0xc800, 5},   // NE
    {0x254, 0x17800, 7},  // TileDMADst
};
constexpr uint32_t kTaskBytes = 0x274;

class Builder {
public:
  void set(const std::string &name, uint32_t v) { r.fields[name] = v; }
  void word(uint32_t offset, uint32_t v) { r.unmapped[offset] = v; }
  TaskRegisters take() { return std::move(r); }
  TaskRegisters r;
};

/// What every single-task program sets: the header of a last task reading
/// one buffer and writing one, and the constant words of each block.
void common(Builder &b, bool kernel, int64_t activeNe) {
  b.set("aneTD.Header[0].EON", 1);
  b.set("aneTD.Header[2].LogEvents", 0x422);
  b.set("aneTD.Header[4].DebugLogEvents", 0xfff86a);
  for (const char *f : {"SPL", "TSR", "TSE", "SrcLoc", "DstLoc"})
    b.set(absl::StrCat("aneTD.Header[6].", f), 1);
  b.set("aneTD.Header[8].RBase0", 5);
  b.set("aneTD.Header[8].RBE0", 1);
  b.set("aneTD.Header[8].WBase", 4);
  b.set("aneTD.Header[8].WBE", 1);
  b.set("aneTD.Header[8].ENE", uint32_t(activeNe + 1));
  if (kernel) {
    b.set("aneTD.Header[9].KBase0", 1);
    b.set("aneTD.Header[9].KBE0", 1);
    b.word(0x2c, 0x40);
  }
  for (int k = 0; k < 16; ++k)
    b.set(fmt::format("aneRegs.KernelDMASrc.CoeffDMAConfig[{}].CacheHint", k), 2);
  for (uint32_t w : {0xf4u, 0xf8u, 0xfcu, 0x100u})
    b.word(w, 0x80);
  b.word(0x12c, 1);
  b.word(0x140, 1);
  b.word(0x148, 0x2041);
  b.word(0x15c, 1);
  b.word(0x170, 0x8880);
  b.word(0x1ac, 0x100);
  b.word(0x244, 0x100000);
  b.set("aneRegs.Common.TaskInfo.NID", 1);
  b.set("aneRegs.Common.ChCfg.InFmt", 2); // fp16
  b.set("aneRegs.Common.ChCfg.OutFmt", 2);
  for (const char *f : {"Kw", "Kh", "Sx", "Sy", "Ox", "Oy"})
    b.set(absl::StrCat("aneRegs.Common.ConvCfg.", f), 1);
  b.set("aneRegs.Common.GroupConvCfg.NumGroups", 1);
  b.set("aneRegs.Common.GroupConvCfg.UnicastCin", 1);
  b.set("aneRegs.Common.TileCfg.TileHeight", 1);
  b.set("aneRegs.TileDMASrc.DMAConfig.En", 1);
  b.set("aneRegs.TileDMASrc.DMAConfig.CacheHint", 2);
  b.set("aneRegs.TileDMASrc.DMAConfig.CacheHintReuse", 0xe);
  b.set("aneRegs.TileDMASrc.DMAConfig.CacheHintNoReuse", 0xc);
  for (const char *dma : {"TileDMASrc", "TileDMADst"}) {
    b.set(fmt::format("aneRegs.{}.Fmt.FmtMode", dma), 1);
    b.set(fmt::format("aneRegs.{}.Fmt.Truncate", dma), 3);
    b.set(fmt::format("aneRegs.{}.Fmt.MemFmt", dma), 2);
    b.set(fmt::format("aneRegs.{}.Fmt.Interleave", dma), 1);
  }
  for (const char *cfg : {"SourceCfg", "ResultCfg"}) {
    for (const char *f : {"AliasConvSrc", "AliasConvRslt", "DMAFmt", "DMAInterleave",
                          "AliasPlanarSrc", "AliasPlanarRslt"})
      b.set(fmt::format("aneRegs.L2.{}.{}", cfg, f), 1);
  }
  b.set("aneRegs.L2.SourceCfg.SourceType", 2);
  b.set("aneRegs.L2.ResultCfg.ResultType", 2);
  b.set("aneRegs.NE.KernelCfg.PalettizedBits", 8);
  b.set("aneRegs.NE.PostScale.PostScale", 0x3c00); // fp16 1.0
  b.set("aneRegs.TileDMADst.DMAConfig.En", 1);
  b.set("aneRegs.TileDMADst.DMAConfig.CacheHint", 3);
  b.set("aneRegs.TileDMADst.Fmt.ZeroPadLast", 1);
  b.set("aneRegs.TileDMADst.Fmt.ZeroPadFirst", 1);
}

/// The memory layout of a [1, C, H, W] fp16 tensor: rows of whole 64-byte
/// units. Strides in 64-byte units.
void tileDma(Builder &b, const char *dma, int64_t c, int64_t h, int64_t w, const char *depthName) {
  int64_t row = ceilDiv(w * 2, 64);
  b.set(fmt::format("aneRegs.{}.RowStride.{}", dma, std::string(dma) == "TileDMASrc" ? "Stride" : "RowStride"),
        uint32_t(row));
  b.set(fmt::format("aneRegs.{}.PlaneStride.PlaneStride", dma), uint32_t(row * h));
  b.set(fmt::format("aneRegs.{}.DepthStride.{}", dma, depthName), uint32_t(row * h * c));
}

/// Lines of 16 bytes an L2 row of `lines` is padded to. Fitted: rows that
/// are a multiple of 8 lines get floor(log2(lines) / 3) more (64 -> 66 in
/// sum.hwx, 512 -> 515 in gemm.hwx); others are kept (3, 10).
int64_t paddedL2Row(int64_t lines) {
  if (lines % 8 != 0)
    return lines;
  int64_t log = 0;
  while ((int64_t(1) << (log + 1)) <= lines)
    ++log;
  return lines + log / 3;
}

} // namespace

int64_t anec::hwx::bufferBytes(int64_t channels, int64_t height, int64_t width) {
  return ceilDiv(width * 2, 64) * 64 * height * channels;
}

absl::StatusOr<TaskRegisters> anec::hwx::convTask(const ConvShape &c) {
  if (c.cin < 1 || c.cout < 1 || c.height != 1 || c.width < 1)
    return absl::UnimplementedError(absl::StrCat(
        "a conv over ", c.height, " rows: only one row (height 1) has been matched against "
        "Apple's binaries"));
  if (c.width != 1)
    return absl::UnimplementedError(absl::StrCat(
        "a conv over ", c.width, " columns: only 1x1 pixels have been matched against Apple's "
        "binaries"));
  if (c.cin > 16384 || c.cout > 16384)
    return absl::UnimplementedError("more than 16384 channels");
  if ((int64_t)c.weights.size() != c.cin * c.cout)
    return absl::InvalidArgumentError("weights are not [cout][cin]");
  // Output channels go to up to 16 kernel DMA channels (one per neural
  // engine) in groups of a power of two: 3 -> 3 groups of 1, 512 -> 16 of 32.
  int64_t perGroup = int64_t(1) << ceilLog2(ceilDiv(c.cout, 16));
  int64_t groups = ceilDiv(c.cout, perGroup);
  int64_t units = ceilDiv(perGroup * c.cin * 2, 64); // a group's kernel, 64-byte units
  int64_t activeNe = ceilLog2(groups);
  Builder b;
  common(b, /*kernel=*/true, activeNe);
  for (int64_t k = 0; k < 16; ++k) {
    if (k < groups) {
      b.set(fmt::format("aneRegs.KernelDMASrc.CoeffDMAConfig[{}].En", k), 1);
      b.set(fmt::format("aneRegs.KernelDMASrc.CoeffBaseAddr[{}].Addr", k), uint32_t(k * units));
    }
    b.set(fmt::format("aneRegs.KernelDMASrc.CoeffBfrSize[{}].MemBfrSize", k), uint32_t(units));
  }
  b.set("aneRegs.Common.InDim.Win", uint32_t(c.width));
  b.set("aneRegs.Common.InDim.Hin", uint32_t(c.height));
  b.set("aneRegs.Common.OutDim.Wout", uint32_t(c.width));
  b.set("aneRegs.Common.OutDim.Hout", uint32_t(c.height));
  b.set("aneRegs.Common.Cin.Cin", uint32_t(c.cin));
  b.set("aneRegs.Common.Cout.Cout", uint32_t(c.cout));
  b.set("aneRegs.Common.ConvCfg.OCGSize", uint32_t(ceilLog2(perGroup)));
  b.set("aneRegs.Common.Cfg.SmallSourceMode", 1);
  b.set("aneRegs.Common.Cfg.ShPref", 4);
  b.set("aneRegs.Common.Cfg.ShMin", 4);
  b.set("aneRegs.Common.Cfg.ShMax", 4);
  b.set("aneRegs.Common.Cfg.ActiveNE", uint32_t(activeNe));
  // Fitted: double-buffered accumulators with one output channel per
  // engine (conv.hwx), not with 32 (gemm.hwx).
  b.set("aneRegs.Common.Cfg.AccDoubleBufEn", perGroup * c.width * c.height <= 16 ? 1 : 0);
  tileDma(b, "TileDMASrc", c.cin, c.height, c.width, "Stride");
  tileDma(b, "TileDMADst", c.cout, c.height, c.width, "DepthStride");
  // L2: the source rows, then the result after them; 16-byte lines.
  int64_t lines = ceilDiv(c.width * 2, 16);
  int64_t source = paddedL2Row(c.cin * lines);
  // Fitted: the result row is padded one line less (512 -> 514 in gemm.hwx).
  int64_t resultLines = c.cout * lines;
  int64_t result = paddedL2Row(resultLines);
  if (result != resultLines)
    result -= 1;
  b.set("aneRegs.L2.SourceChannelStride.Stride", uint32_t(lines));
  b.set("aneRegs.L2.SourceRowStride.Stride", uint32_t(source));
  b.set("aneRegs.L2.ResultBase.Addr", uint32_t(source));
  b.set("aneRegs.L2.ConvResultChannelStride.Stride", uint32_t(lines));
  b.set("aneRegs.L2.ConvResultRowStride.Stride", uint32_t(result));
  b.word(0x1f4, uint32_t(c.cin * lines * 16));
  b.word(0x1f8, uint32_t(c.cin * lines * 16));
  b.word(0x220, uint32_t(c.cout * lines * 16));
  b.word(0x224, uint32_t(c.cout * lines * 16));
  b.set("aneRegs.NE.KernelCfg.KernelFmt", 2); // fp16 kernel
  b.set("aneRegs.NE.MACCfg.BinaryPoint", 0x1c);
  b.set("aneRegs.NE.MACCfg.NonlinearMode", uint32_t(c.activation));
  // The kernel: group k holds output channels [k * perGroup, ...), each its
  // cin fp16 weights in order, the group padded to whole 64-byte units.
  TaskRegisters r = b.take();
  r.kernel.assign(groups * units * 64, 0);
  for (int64_t o = 0; o < c.cout; ++o) {
    int64_t at = (o / perGroup) * units * 64 + (o % perGroup) * c.cin * 2;
    for (int64_t i = 0; i < c.cin; ++i) {
      uint16_t w = c.weights[o * c.cin + i];
      r.kernel[at + 2 * i] = uint8_t(w);
      r.kernel[at + 2 * i + 1] = uint8_t(w >> 8);
    }
  }
  return r;
}

absl::StatusOr<TaskRegisters> anec::hwx::neuronTask(int64_t ch, int64_t h, int64_t w,
                                                    Activation a) {
  if (a != Activation::ReLU)
    return absl::UnimplementedError("only ReLU has been matched as a task of its own");
  if (ch != 1 || h != 1 || w < 1 || w > 16384)
    return absl::UnimplementedError(absl::StrCat(
        "an activation over [", ch, ", ", h, ", ", w, "]: only one channel of one row has been "
        "matched against Apple's binaries"));
  Builder b;
  common(b, /*kernel=*/false, /*activeNe=*/0);
  for (int64_t k = 0; k < 16; ++k)
    b.set(fmt::format("aneRegs.KernelDMASrc.CoeffBfrSize[{}].MemBfrSize", k), 1);
  b.set("aneRegs.Common.InDim.Win", uint32_t(w));
  b.set("aneRegs.Common.InDim.Hin", uint32_t(h));
  b.set("aneRegs.Common.OutDim.Wout", uint32_t(w));
  b.set("aneRegs.Common.OutDim.Hout", uint32_t(h));
  b.set("aneRegs.Common.Cin.Cin", uint32_t(ch));
  b.set("aneRegs.Common.Cout.Cout", uint32_t(ch));
  b.set("aneRegs.Common.GroupConvCfg.UnicastEn", 1);
  b.set("aneRegs.Common.Cfg.ShPref", 1);
  b.set("aneRegs.Common.Cfg.ShMax", 1);
  b.set("aneRegs.Common.Cfg.AccDoubleBufEn", 1);
  tileDma(b, "TileDMASrc", ch, h, w, "Stride");
  tileDma(b, "TileDMADst", ch, h, w, "DepthStride");
  int64_t lines = ceilDiv(w * 2, 16);
  int64_t source = paddedL2Row(ch * lines);
  b.set("aneRegs.L2.SourceChannelStride.Stride", uint32_t(lines));
  b.set("aneRegs.L2.SourceRowStride.Stride", uint32_t(source));
  b.set("aneRegs.L2.ResultBase.Addr", uint32_t(source));
  b.set("aneRegs.L2.ResultCfg.L2BfrMode", 1);
  b.set("aneRegs.TileDMADst.DMAConfig.L2BfrMode", 1);
  b.word(0x1f4, uint32_t(ch * lines * 16));
  b.word(0x1f8, uint32_t(ch * lines * 16));
  b.set("aneRegs.NE.MACCfg.OpMode", 4);     // no MAC: the input passes to the activation
  b.set("aneRegs.NE.MACCfg.KernelMode", 1);
  b.set("aneRegs.NE.MACCfg.NonlinearMode", uint32_t(a));
  return b.take();
}

absl::StatusOr<std::vector<uint8_t>> anec::hwx::encodeTask(const TaskRegisters &t) {
  std::vector<uint8_t> bytes(kTaskBytes, 0);
  for (const Stream &s : kStreams)
    writeStreamHeader(bytes, s);
  for (const auto &[name, value] : t.fields) {
    const Field *f = fieldNamed(name);
    if (!f)
      return absl::InternalError("no field named " + name);
    if (value >> f->width)
      return absl::InvalidArgumentError(fmt::format("{} = {:#x} does not fit its {} bits", name,
                                                    value, f->width));
    setField(bytes, *f, value);
  }
  std::vector<uint8_t> mask = fieldMask(bytes.size());
  for (const auto &[offset, value] : t.unmapped) {
    if (offset + 4 > bytes.size() || offset % 4)
      return absl::InternalError(fmt::format("unmapped word at {:#x}", offset));
    for (int i = 0; i < 4; ++i) {
      uint8_t v = uint8_t(value >> (8 * i));
      if (v & mask[offset + i])
        return absl::InternalError(fmt::format("unmapped word at {:#x} overlaps a field", offset));
      bytes[offset + i] |= v;
    }
  }
  return bytes;
}
