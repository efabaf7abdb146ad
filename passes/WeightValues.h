//===- WeightValues.h - a constant weight's values as floats ----*- C++ -*-===//
#ifndef ANEC_PASSES_WEIGHTVALUES_H
#define ANEC_PASSES_WEIGHTVALUES_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"

#include <vector>

namespace anec {

/// The values of a float constant (dense, splat, or an f16/bf16/f32
/// resource) as floats; rounded to fp16 as a cast to fp16 would when
/// `roundToHalf`. False for other element types and for resources shorter
/// than their type says.
bool readWeightValues(mlir::ElementsAttr attr, std::vector<float> &out, bool roundToHalf);

} // namespace anec

#endif // ANEC_PASSES_WEIGHTVALUES_H
