//===- anec-opt.cpp - opt-style driver for anec's dialect and passes ------===//
//
// `anec-opt in.mlir --anec-ane-pipeline` runs the ANE pipeline; every anec
// pass is also available on its own for lit tests.
//
//===----------------------------------------------------------------------===//
#include "anec/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  anec::registerDialects(registry);
  anec::registerPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "anec optimizer: mil dialect and ANE passes\n", registry));
}
