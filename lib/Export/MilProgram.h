//===- MilProgram.h - a MIL program as Core ML sees it ---------------------===//
//
// The lowered form shared by the MIL text printer and the protobuf writer:
// functions of named values, ops with MIL parameter names bound to value
// names, consts holding immediate values or MILBlob references. Built from
// a `mil` module by lowerToMilProgram (MilLowering.cpp); read back from MIL
// text or protobuf by the importers.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_EXPORT_MILPROGRAM_H
#define ANEC_LIB_EXPORT_MILPROGRAM_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace anec::exporter {

enum class TargetOS { iOS16, iOS17, iOS18 };

/// A MIL value type: tensor<dtype, shape> (rank 0 is a scalar), or a state
/// wrapping one.
struct MilType {
  std::string dtype; ///< MIL's name: fp16, fp32, int32, uint4, bool, string...
  std::vector<int64_t> shape;
  bool isState = false;
  bool operator==(const MilType &o) const {
    return dtype == o.dtype && shape == o.shape && isState == o.isState;
  }
};

/// A const's value: immediate values or a reference into the weight blob.
struct MilValue {
  MilType type;
  enum Kind { Floats, Ints, Bools, Strings, Blob } kind = Floats;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<bool> bools;
  std::vector<std::string> strings;
  uint64_t blobOffset = 0; ///< offset of the blob's metadata record
};

struct MilOperation {
  std::string type; ///< MIL op name
  std::string name; ///< the `name` attribute (= its first output's name)
  /// Parameter name -> bound value names (several for a tuple, e.g. concat's
  /// values), in the order written.
  std::vector<std::pair<std::string, std::vector<std::string>>> inputs;
  std::vector<std::pair<std::string, MilType>> outputs;
  /// For `const`: its value.
  bool hasVal = false;
  MilValue val;
  /// Parameters given as literals in the op's attribute bracket (the iOS16
  /// form of constexpr ops).
  std::vector<std::pair<std::string, MilValue>> literalParams;
};

struct MilFunction {
  std::string name;
  std::string opset; ///< ios16 / ios17 / ios18 in text; CoreML6..8 in protobuf
  std::vector<std::pair<std::string, MilType>> inputs;
  std::vector<MilOperation> operations;
  std::vector<std::string> outputs;
};

struct MilProgram {
  TargetOS os = TargetOS::iOS18;
  std::vector<MilFunction> functions;
  /// The model's user-defined metadata (lib/Export/Interface.h), sorted.
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// MIL parameter names of an op's tensor operands, in ODS order (the ODS
/// operand names are MIL's): the table for ops other than unary (x) and
/// binary (x, y) ones.
const std::vector<std::string> *operandParamNames(const std::string &opType);

/// The width of a sub-byte dtype (int4, uint1..uint6), or 0: values coremltools
/// packs from the least significant bit up, in immediates and blobs.
int subByteBits(const std::string &dtype);

/// The target named `ios16`, `ios17` or `ios18`, or nullopt.
std::optional<TargetOS> parseTargetOS(const std::string &name);

/// MIL's opset name for the text form (ios18) and protobuf (CoreML8).
std::string textOpset(TargetOS os);
std::string protoOpset(TargetOS os);
int specificationVersion(TargetOS os);

/// The path MIL programs use for their weight file.
constexpr const char *kWeightPath = "@model_path/weights/weight.bin";

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_MILPROGRAM_H
