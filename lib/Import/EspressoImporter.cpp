//===- EspressoImporter.cpp - Espresso network descriptions into mil -------===//
#include "lib/Import/EspressoImporter.h"

#include "lib/Import/Plist.h"
#include "lib/Support/Half.h"
#include "lib/Support/InputFile.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace anec;
using namespace anec::import;
using namespace anec::mil;

namespace {

/// The axis of a [batch, channels, height, width] tensor an Espresso
/// dimension names, or -1.
int64_t axisOf(llvm::StringRef dim) {
  return llvm::StringSwitch<int64_t>(dim)
      .Case("Batch", 0)
      .Case("Channel", 1)
      .Case("Height", 2)
      .Case("Width", 3)
      .Default(-1);
}

/// A weight file is read whole; past 2 GiB it is not one of these networks'.
constexpr uint64_t kMaxWeightFileBytes = uint64_t(2) << 30;
/// Tensor sizes a network may declare (elements), against typos and abuse.
constexpr int64_t kMaxElements = int64_t(1) << 31;

class Importer {
public:
  Importer(MLIRContext *ctx, std::string path) : ctx(ctx), b(ctx), path(std::move(path)) {}

  absl::StatusOr<OwningOpRef<ModuleOp>> run();

private:
  absl::Status bad(const std::string &where, const std::string &what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", where.empty() ? "" : where + ": ", what));
  }
  RankedTensorType f16(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF16Type());
  }
  absl::StatusOr<int64_t> integer(const llvm::json::Object &o, llvm::StringRef key,
                                  const std::string &where, std::optional<int64_t> fallback,
                                  int64_t lo = 0, int64_t hi = int64_t(1) << 31) {
    const llvm::json::Value *v = o.get(key);
    if (!v) {
      if (fallback)
        return *fallback;
      return bad(where, absl::StrCat("no '", key.str(), "'"));
    }
    auto i = v->getAsInteger();
    if (!i || *i < lo || *i > hi)
      return bad(where, absl::StrCat("'", key.str(), "' must be an integer in ", lo, "..", hi));
    return *i;
  }
  /// The bytes of weight file `index` (loaded once).
  absl::StatusOr<llvm::ArrayRef<uint8_t>> weightFile(int64_t index, const std::string &where);
  /// `count` values of `type` (Float16 or Float32) at `offset` of weight
  /// file `index`, as fp16 bits.
  absl::StatusOr<std::vector<uint16_t>> weights(int64_t index, int64_t offset, int64_t count,
                                                llvm::StringRef type, const std::string &where);
  Value constant(ArrayRef<int64_t> shape, std::vector<uint16_t> bits, const std::string &name);
  Value scalar(float v) {
    auto t = f16({});
    return b.create<ConstOp>(b.getUnknownLoc(),
                             DenseElementsAttr::get(t, b.getFloatAttr(b.getF16Type(), v)));
  }
  absl::StatusOr<Value> input(const llvm::json::Value &bottom, const std::string &where);
  absl::Status unit(const std::string &name, const llvm::json::Object &u);

  MLIRContext *ctx;
  OpBuilder b;
  std::string path;
  const llvm::json::Array *weightNames = nullptr;
  absl::flat_hash_map<int64_t, std::unique_ptr<llvm::MemoryBuffer>> files;
  absl::flat_hash_map<std::string, Value> values;
};

absl::StatusOr<llvm::ArrayRef<uint8_t>> Importer::weightFile(int64_t index,
                                                             const std::string &where) {
  if (!weightNames || index < 0 || index >= (int64_t)weightNames->size())
    return bad(where, absl::StrCat("weight file ", index, " is not in the network's Weights list"));
  auto it = files.find(index);
  if (it == files.end()) {
    auto listed = (*weightNames)[index].getAsString();
    if (!listed || listed->empty())
      return bad(where, absl::StrCat("Weights entry ", index, " is not a file name"));
    // Weight files are found beside the plist by their file name: the
    // listed path is the one on the machine that wrote it.
    llvm::SmallString<256> file(path);
    llvm::sys::path::remove_filename(file);
    llvm::sys::path::append(file, llvm::sys::path::filename(*listed));
    if (!llvm::sys::fs::exists(file))
      return bad(where, absl::StrCat("the weight file '", listed->str(), "' is not beside the "
                                     "network (looked for ", file.str().str(), ")"));
    auto buffer = readInputFile(file.str().str(), kMaxWeightFileBytes, "a weight file");
    if (!buffer.ok())
      return bad(where, absl::StrCat("the weight file '", listed->str(), "': ",
                                     buffer.status().message()));
    it = files.emplace(index, std::move(*buffer)).first;
  }
  return llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(it->second->getBufferStart()),
                                 it->second->getBufferSize());
}

absl::StatusOr<std::vector<uint16_t>> Importer::weights(int64_t index, int64_t offset,
                                                        int64_t count, llvm::StringRef type,
                                                        const std::string &where) {
  auto file = weightFile(index, where);
  if (!file.ok())
    return file.status();
  int64_t width = type == "Float16" ? 2 : type == "Float32" ? 4 : 0;
  if (!width)
    return bad(where, absl::StrCat("weights of type '", type.str(),
                                   "' are not supported (Float16, Float32)"));
  if (offset < 0 || count < 0 || count > kMaxElements ||
      uint64_t(offset) + uint64_t(count) * width > file->size())
    return bad(where, absl::StrCat(count, " ", type.str(), " values at offset ", offset,
                                   " run past the end of weight file ", index, " (",
                                   file->size(), " bytes)"));
  std::vector<uint16_t> out(count);
  const uint8_t *p = file->data() + offset;
  for (int64_t i = 0; i < count; ++i) {
    if (width == 2) {
      out[i] = uint16_t(p[2 * i] | p[2 * i + 1] << 8);
    } else {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      if (!std::isfinite(f))
        return bad(where, absl::StrCat("weight ", i, " is not finite"));
      out[i] = floatToHalf(f);
    }
  }
  return out;
}

Value Importer::constant(ArrayRef<int64_t> shape, std::vector<uint16_t> bits,
                         const std::string &name) {
  auto type = f16(shape);
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<uint16_t>(bits));
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return b.create<ConstOp>(NameLoc::get(b.getStringAttr(name)), attr);
}

absl::StatusOr<Value> Importer::input(const llvm::json::Value &bottom, const std::string &where) {
  auto name = bottom.getAsString();
  if (!name)
    return bad(where, "'Bottom' is not a name");
  auto it = values.find(name->str());
  if (it == values.end())
    return bad(where, absl::StrCat("'", name->str(), "' is not an input or an earlier unit"));
  return it->second;
}

absl::Status Importer::unit(const std::string &name, const llvm::json::Object &u) {
  std::string where = absl::StrCat("unit '", name, "'");
  auto type = u.getString("Type");
  if (!type)
    return bad(where, "no 'Type'");
  const llvm::json::Object empty;
  const llvm::json::Object *params = u.getObject("Params");
  if (!params)
    params = &empty;
  const llvm::json::Value *bottom = u.get("Bottom");
  if (!bottom)
    return bad(where, "no 'Bottom'");
  SmallVector<Value> ins;
  if (const llvm::json::Array *list = bottom->getAsArray()) {
    for (const llvm::json::Value &v : *list) {
      auto in = input(v, where);
      if (!in.ok())
        return in.status();
      ins.push_back(*in);
    }
  } else {
    auto in = input(*bottom, where);
    if (!in.ok())
      return in.status();
    ins.push_back(*in);
  }
  if (ins.empty())
    return bad(where, "no inputs");
  Location loc = NameLoc::get(b.getStringAttr(name));
  auto shapeOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };
  Value x = ins.front(), out;

  if (*type == "Conv") {
    auto cout = integer(u, "OutputChannels", where, std::nullopt, 1);
    auto kh = integer(*params, "KernelHeight", where, 1, 1, 64);
    auto kw = integer(*params, "KernelWidth", where, 1, 1, 64);
    auto index = integer(*params, "KernelIndex", where, 0);
    auto offset = integer(*params, "KernelOffset", where, std::nullopt);
    for (auto *r : {&cout, &kh, &kw, &index, &offset})
      if (!r->ok())
        return r->status();
    if (auto mode = params->getString("KernelMode"); mode && *mode != "Dense")
      return bad(where, absl::StrCat("KernelMode '", mode->str(), "' is not supported (Dense)"));
    SmallVector<int64_t> strides = {1, 1};
    if (const llvm::json::Array *step = params->getArray("Step")) {
      if (step->size() != 2 || !(*step)[0].getAsInteger() || !(*step)[1].getAsInteger() ||
          *(*step)[0].getAsInteger() < 1 || *(*step)[1].getAsInteger() < 1)
        return bad(where, "'Step' must be two positive integers");
      // Espresso's Step is [x, y]; mil's strides are [height, width].
      strides = {*(*step)[1].getAsInteger(), *(*step)[0].getAsInteger()};
    }
    SmallVector<int64_t> pad(4, 0);
    const char *padKeys[] = {"PadTop", "PadBot", "PadLeft", "PadRight"};
    for (int i = 0; i < 4; ++i) {
      auto p = integer(*params, padKeys[i], where, 0, 0, 64);
      if (!p.ok())
        return p.status();
      pad[i] = *p;
    }
    ArrayRef<int64_t> xs = shapeOf(x);
    int64_t cin = xs[1];
    if (xs[2] + pad[0] + pad[1] < *kh || xs[3] + pad[2] + pad[3] < *kw)
      return bad(where, absl::StrCat("a ", *kh, "x", *kw, " kernel larger than its padded ",
                                     xs[2], "x", xs[3], " input"));
    auto kernelType = params->getString("KernelType").value_or("Float32");
    auto w = weights(*index, *offset, *cout * cin * *kh * *kw, kernelType, where);
    if (!w.ok())
      return w.status();
    Value weight = constant({*cout, cin, *kh, *kw}, std::move(*w), name + ".kernel");
    bool padded = llvm::any_of(pad, [](int64_t p) { return p != 0; });
    out = b.create<ConvOp>(loc, x, weight, Value(), b.getDenseI64ArrayAttr(strides),
                           b.getStringAttr(padded ? "custom" : "valid"),
                           padded ? b.getDenseI64ArrayAttr(pad) : DenseI64ArrayAttr(),
                           DenseI64ArrayAttr(), b.getI64IntegerAttr(1));
  } else if (*type == "GOC") {
    // Gain, offset per channel: x * scale + bias.
    int64_t c = shapeOf(x)[1];
    out = x;
    if (const llvm::json::Object *group = params->getObject("BiasScaleGroupData")) {
      auto count = integer(*group, "BiasCount", where, std::nullopt, 1);
      auto index = integer(*group, "BiasIndex", where, 0);
      auto offset = integer(*group, "BiasOffset", where, 0);
      for (auto *r : {&count, &index, &offset})
        if (!r->ok())
          return r->status();
      if (*count != c)
        return bad(where, absl::StrCat(*count, " biases for ", c, " channels"));
      if (group->get("ScaleCount") || group->get("ScaleIndex"))
        return bad(where, "per-channel scales (ScaleCount) are not supported");
      auto w = weights(*index, *offset, *count, group->getString("BiasType").value_or("Float16"),
                       where);
      if (!w.ok())
        return w.status();
      out = b.create<AddOp>(loc, out, constant({1, c, 1, 1}, std::move(*w), name + ".bias"));
    }
    // Scalars are fp16 bit patterns.
    auto scaleBits = integer(*params, "ScaleScalar", where, 0x3c00, 0, 0xffff);
    auto biasBits = integer(*params, "BiasScalar", where, 0, 0, 0xffff);
    if (!scaleBits.ok())
      return scaleBits.status();
    if (!biasBits.ok())
      return biasBits.status();
    if (*scaleBits != 0x3c00)
      out = b.create<MulOp>(loc, out, scalar(halfToFloat(uint16_t(*scaleBits))));
    if (*biasBits != 0)
      out = b.create<AddOp>(loc, out, scalar(halfToFloat(uint16_t(*biasBits))));
  } else if (*type == "Neuron") {
    auto kind = params->getString("Type").value_or("");
    if (kind == "ReLU")
      out = b.create<ReluOp>(loc, x);
    else if (kind == "Sigmoid")
      out = b.create<SigmoidOp>(loc, x);
    else if (kind == "Tanh")
      out = b.create<TanhOp>(loc, x);
    else if (kind == "Exp2")
      out = b.create<ExpOp>(loc, b.create<MulOp>(loc, x, scalar(float(M_LN2))).getResult());
    else
      return bad(where, absl::StrCat("the neuron '", kind.str(),
                                     "' is not supported (ReLU, Sigmoid, Tanh, Exp2)"));
  } else if (*type == "ScaledElementWise") {
    if (ins.size() != 2)
      return bad(where, absl::StrCat("an element-wise unit of ", ins.size(), " inputs, not 2"));
    // Espresso broadcasts with Broadcast units: the two inputs agree.
    if (shapeOf(ins[0]) != shapeOf(ins[1]))
      return bad(where, "element-wise inputs of different shapes (broadcast them first)");
    auto kind = params->getString("Type").value_or("");
    if (kind == "Add")
      out = b.create<AddOp>(loc, ins[0], ins[1]);
    else if (kind == "Mul")
      out = b.create<MulOp>(loc, ins[0], ins[1]);
    else if (kind == "Min")
      out = b.create<MinimumOp>(loc, ins[0], ins[1]);
    else if (kind == "Max")
      out = b.create<MaximumOp>(loc, ins[0], ins[1]);
    else
      return bad(where, absl::StrCat("the element-wise '", kind.str(),
                                     "' is not supported (Add, Mul, Min, Max)"));
    auto scaleBits = integer(*params, "Scale", where, 0x3c00, 0, 0xffff);
    if (!scaleBits.ok())
      return scaleBits.status();
    if (*scaleBits != 0x3c00)
      out = b.create<MulOp>(loc, out, scalar(halfToFloat(uint16_t(*scaleBits))));
  } else if (*type == "Concat") {
    auto dim = params->getString("Dimension").value_or("Channel");
    int64_t axis = axisOf(dim);
    if (axis < 0)
      return bad(where, absl::StrCat("concatenation along '", dim.str(), "' is not supported"));
    for (Value v : ins)
      for (int64_t d = 0; d < 4; ++d)
        if (d != axis && shapeOf(v)[d] != shapeOf(x)[d])
          return bad(where, "inputs differ off the concatenation axis");
    out = b.create<ConcatOp>(loc, ins, axis, false);
  } else if (*type == "Reshape") {
    SmallVector<int64_t> shape;
    for (const char *k : {"ReshapedBatch", "ReshapedChannel", "ReshapedHeight", "ReshapedWidth"}) {
      auto v = integer(*params, k, where, 1, 1);
      if (!v.ok())
        return v.status();
      shape.push_back(*v);
    }
    auto depth = integer(*params, "ReshapedDepth", where, 1, 1);
    if (!depth.ok())
      return depth.status();
    if (*depth != 1)
      return bad(where, "a reshape into a depth other than 1 is not supported");
    int64_t n = shape[0] * shape[1] * shape[2] * shape[3];
    if (n != cast<RankedTensorType>(x.getType()).getNumElements())
      return bad(where, absl::StrCat("reshapes ", cast<RankedTensorType>(x.getType()).getNumElements(),
                                     " elements into ", n));
    out = b.create<ReshapeOp>(loc, x, shape);
  } else if (*type == "InputView") {
    auto dim = params->getString("Dimension").value_or("Channel");
    int64_t axis = axisOf(dim);
    auto offset = integer(*params, "Offset", where, std::nullopt);
    auto size = integer(*params, "Size", where, std::nullopt, 1);
    if (!offset.ok())
      return offset.status();
    if (!size.ok())
      return size.status();
    if (axis < 0 || *offset + *size > shapeOf(x)[axis])
      return bad(where, "a view outside its input");
    SmallVector<int64_t> begin(4, 0), sizes(shapeOf(x));
    begin[axis] = *offset;
    sizes[axis] = *size;
    out = b.create<SliceBySizeOp>(loc, x, begin, sizes);
  } else if (*type == "Broadcast") {
    const llvm::json::Array *info = params->getArray("BroadcastInfo");
    if (!info)
      return bad(where, "no 'BroadcastInfo'");
    SmallVector<int64_t> reps(4, 1);
    for (const llvm::json::Value &e : *info) {
      const llvm::json::Object *o = e.getAsObject();
      auto dim = o ? o->getString("Dimension") : std::nullopt;
      auto size = o ? integer(*o, "Size", where, std::nullopt, 1) : absl::StatusOr<int64_t>(0);
      if (!dim || !size.ok())
        return bad(where, "a BroadcastInfo entry without Dimension and Size");
      if (*dim == "Depth") {
        if (*size != 1)
          return bad(where, "broadcasting along Depth is not supported");
        continue;
      }
      int64_t axis = axisOf(*dim);
      if (axis < 0)
        return bad(where, absl::StrCat("broadcasting along '", dim->str(), "' is not supported"));
      if (shapeOf(x)[axis] != 1 && shapeOf(x)[axis] != *size)
        return bad(where, absl::StrCat("broadcasts a dimension of ", shapeOf(x)[axis], " to ", *size));
      reps[axis] = shapeOf(x)[axis] == 1 ? *size : 1;
    }
    out = b.create<TileOp>(loc, x, reps);
  } else {
    return bad(where, absl::StrCat("the unit type '", type->str(),
                                   "' is not supported (Conv, GOC, Neuron, ScaledElementWise, "
                                   "Concat, Reshape, InputView, Broadcast)"));
  }
  values[name] = out;
  return absl::OkStatus();
}

absl::StatusOr<OwningOpRef<ModuleOp>> Importer::run() {
  auto buffer = readInputFile(path, 16u << 20, "a network description");
  if (!buffer.ok())
    return buffer.status();
  auto plist = parsePlist((*buffer)->getBuffer(), path);
  if (!plist.ok())
    return plist.status();
  const llvm::json::Object *root = plist->getAsObject();
  const llvm::json::Array *networks = root ? root->getArray("Networks") : nullptr;
  if (!networks || networks->size() != 1 || !(*networks)[0].getAsString())
    return bad("", "'Networks' must name exactly one network");
  std::string netName = (*networks)[0].getAsString()->str();
  const llvm::json::Object *net = root->getObject(netName);
  if (!net)
    return bad("", absl::StrCat("no network '", netName, "'"));
  const llvm::json::Array *inputs = net->getArray("Inputs");
  const llvm::json::Array *outputs = net->getArray("Outputs");
  const llvm::json::Array *units = net->getArray("Units");
  if (!inputs || !outputs || !units || inputs->empty() || outputs->empty())
    return bad(netName, "a network needs Inputs, Outputs and Units");
  weightNames = net->getArray("Weights");

  ctx->loadDialect<MilDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const llvm::json::Value &v : *inputs) {
    auto name = v.getAsString();
    const llvm::json::Object *in = name ? net->getObject(*name) : nullptr;
    if (!in)
      return bad(netName, "an input without its description");
    std::string where = absl::StrCat("input '", name->str(), "'");
    if (auto t = in->getString("InputType"); t && *t != "Float16")
      return bad(where, absl::StrCat("inputs of type '", t->str(), "' are not supported (Float16)"));
    SmallVector<int64_t> shape;
    int64_t elements = 1;
    for (const char *k : {"BatchSize", "InputChannels", "InputHeight", "InputWidth"}) {
      auto d = integer(*in, k, where, std::string(k) == "BatchSize" ? std::optional<int64_t>(1)
                                                                   : std::nullopt,
                       1, 1 << 20);
      if (!d.ok())
        return d.status();
      shape.push_back(*d);
      elements *= *d;
      if (elements > kMaxElements)
        return bad(where, "more than 2^31 elements");
    }
    argTypes.push_back(f16(shape));
    argNames.push_back(name->str());
  }
  auto fn = b.create<func::FuncOp>(NameLoc::get(b.getStringAttr(netName)), "main",
                                   b.getFunctionType(argTypes, {}));
  Block *entry = fn.addEntryBlock();
  for (auto [i, n] : llvm::enumerate(argNames)) {
    fn.setArgAttr(i, "mil.name", b.getStringAttr(n));
    values[n] = entry->getArgument(i);
  }
  b.setInsertionPointToStart(entry);
  for (const llvm::json::Value &v : *units) {
    auto name = v.getAsString();
    const llvm::json::Object *u = name ? net->getObject(*name) : nullptr;
    if (!u)
      return bad(netName, "a unit without its description");
    if (values.contains(name->str()))
      return bad(netName, absl::StrCat("the name '", name->str(), "' is used twice"));
    if (absl::Status s = unit(name->str(), *u); !s.ok())
      return s;
  }
  SmallVector<Value> results;
  SmallVector<std::string> resultNames;
  for (const llvm::json::Value &v : *outputs) {
    auto name = v.getAsString();
    const llvm::json::Object *o = name ? net->getObject(*name) : nullptr;
    if (!o)
      return bad(netName, "an output without its description");
    auto in = input(o->get("Bottom") ? *o->get("Bottom") : llvm::json::Value(nullptr),
                    absl::StrCat("output '", name->str(), "'"));
    if (!in.ok())
      return in.status();
    results.push_back(*in);
    resultNames.push_back(name->split('@').first.str());
  }
  b.create<func::ReturnOp>(b.getUnknownLoc(), results);
  SmallVector<Type> resultTypes;
  for (Value r : results)
    resultTypes.push_back(r.getType());
  fn.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, n] : llvm::enumerate(resultNames))
    fn.setResultAttr(i, "mil.name", b.getStringAttr(n));
  return module;
}

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>> anec::import::importEspressoNet(MLIRContext *ctx,
                                                                      const std::string &path) {
  return Importer(ctx, path).run();
}
