//===- Compare.h - how far one output is from a reference -----------------===//
#ifndef ANEC_LIB_INTERPRETER_COMPARE_H
#define ANEC_LIB_INTERPRETER_COMPARE_H

#include "anec/Interpreter.h"

namespace anec::interp {

struct Comparison {
  double maxAbs = 0;    ///< max |test − ref|
  double maxRel = 0;    ///< max |test − ref| / max |ref|
  double snrDb = 0;     ///< 10·log10(Σref² / Σ(test − ref)²); inf when equal
  double cosine = 1;    ///< cosine similarity of the flattened tensors
  /// For logits (rows along the last axis): fraction of rows whose argmax
  /// agrees, and the mean KL(softmax(ref) ‖ softmax(test)) in nats.
  double top1 = 1;
  double kl = 0;
  int64_t rows = 0;
  bool nonFinite = false; ///< test has NaN/Inf where ref is finite
};

/// Compares `test` against `ref` (same shape). `logits` adds top-1 and KL.
Comparison compare(const Tensor &test, const Tensor &ref, bool logits);

} // namespace anec::interp

#endif // ANEC_LIB_INTERPRETER_COMPARE_H
