//===- Registration.cpp - register anec's dialects and passes -------------===//
#include "anec/Registration.h"

#include "dialects/Mil/MilDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void anec::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<anec::mil::MilDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect>();
}

void anec::registerPasses() {
  anec::registerAllPasses();
  // The generic passes (canonicalize, cse, print-op-stats, ...) for
  // opt-style invocation.
  mlir::registerTransformsPasses();
}
