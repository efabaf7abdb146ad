//===- EspressoImporter.h - Espresso network descriptions into mil -*- C++ -*-===//
//
// An Espresso network (`net.plist`, the form Apple's ANE compiler reads) as
// one mil function `main`: each input a [batch, channels, height, width]
// fp16 argument, each unit an op in the plist's order (Conv, GOC, Neuron,
// ScaledElementWise, Concat, Reshape, InputView, Broadcast), each
// `X@output` a result named X. Kernels and biases are read from the weight
// files the plist lists, found by file name beside it, at the offsets the
// units give. Anything else is refused with the unit and what is wrong.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_ESPRESSOIMPORTER_H
#define ANEC_LIB_IMPORT_ESPRESSOIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "absl/status/statusor.h"

#include <string>

namespace anec::import {

absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>> importEspressoNet(mlir::MLIRContext *ctx,
                                                                    const std::string &path);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_ESPRESSOIMPORTER_H
