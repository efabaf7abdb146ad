//===- Registration.cpp - register anec's dialects and passes -------------===//
#include "anec/Registration.h"

#include "dialects/Hwx/HwxDialect.h"
#include "dialects/Mil/MilDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <mutex>

void anec::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<anec::mil::MilDialect, anec::hwx::HwxDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect>();
}

void anec::registerPasses() {
  // Once per process: tools and the compile API both call it.
  static std::once_flag once;
  std::call_once(once, [] {
    anec::registerAllPasses();
    // The generic passes (canonicalize, cse, print-op-stats, ...) for
    // opt-style invocation.
    mlir::registerTransformsPasses();
  });
}
