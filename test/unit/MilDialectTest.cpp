//===- MilDialectTest.cpp - the mil dialect's C++ API -----------------------===//
//
// What lit cannot reach: building ops from C++ with inferred result types,
// the verifier's messages through the API, and the shared shape helpers.
//
//===----------------------------------------------------------------------===//
#include "anec/Registration.h"
#include "dialects/Mil/MilDialect.h"
#include "dialects/Mil/MilShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace anec::mil;

namespace {

class MilDialectTest : public ::testing::Test {
protected:
  MilDialectTest() {
    DialectRegistry registry;
    anec::registerDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// A function taking arguments of `types`, with the builder inside it.
  func::FuncOp makeFunc(TypeRange types) {
    OpBuilder b(&ctx);
    module = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(module->getBody());
    auto fn = b.create<func::FuncOp>(b.getUnknownLoc(), "f",
                                     b.getFunctionType(types, {}));
    fn.addEntryBlock();
    return fn;
  }

  RankedTensorType f16(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, Float16Type::get(&ctx));
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(MilDialectTest, BuildersInferResultTypes) {
  func::FuncOp fn = makeFunc({f16({1, 64, 2048})});
  OpBuilder b = OpBuilder::atBlockEnd(&fn.getBody().front());
  Location loc = b.getUnknownLoc();
  // MIL's linear takes a constant weight.
  Value x = fn.getArgument(0);
  Value w = b.create<ConstOp>(
      loc, DenseElementsAttr::get(f16({512, 2048}), b.getZeroAttr(b.getF16Type())));
  auto linear = b.create<LinearOp>(loc, x, w, Value());
  EXPECT_EQ(linear.getType(), f16({1, 64, 512}));
  auto t = b.create<TransposeOp>(loc, linear, ArrayRef<int64_t>{0, 2, 1});
  EXPECT_EQ(t.getType(), f16({1, 512, 64}));
  auto r = b.create<ReshapeOp>(loc, t, ArrayRef<int64_t>{1, 512, 1, -1});
  EXPECT_EQ(r.getType(), f16({1, 512, 1, 64}));
  auto split = b.create<SplitOp>(loc, r, b.getI64IntegerAttr(4),
                                 DenseI64ArrayAttr(), b.getI64IntegerAttr(1));
  ASSERT_EQ(split.getNumResults(), 4u);
  EXPECT_EQ(split.getResult(3).getType(), f16({1, 128, 1, 64}));
  b.create<func::ReturnOp>(loc);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(MilDialectTest, VerifierNamesTheProblem) {
  func::FuncOp fn = makeFunc({f16({1, 4, 4}), f16({8, 3})});
  OpBuilder b = OpBuilder::atBlockEnd(&fn.getBody().front());
  Location loc = b.getUnknownLoc();
  // Built with an explicit (wrong) result type so that only the verifier
  // can catch the channel mismatch.
  b.create<LinearOp>(loc, f16({1, 4, 8}), fn.getArgument(0), fn.getArgument(1),
                     Value());
  b.create<func::ReturnOp>(loc);
  std::string messages;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    messages += d.str() + "\n";
    return success();
  });
  EXPECT_TRUE(failed(verify(*module)));
  EXPECT_NE(messages.find("expects weight input channels (3) to match x "
                          "channels (4)"),
            std::string::npos)
      << messages;
}

TEST(MilShapes, SliceByIndexFollowsNumpy) {
  std::string error;
  // x[1:, ::-2] of a [3, 7] tensor.
  auto slice = computeSliceByIndex({3, 7}, {1, 0}, {0, 0}, {{1, -2}},
                                   {{false, true}}, {{true, true}},
                                   std::nullopt, error);
  ASSERT_TRUE(succeeded(slice)) << error;
  EXPECT_EQ(slice->resultShape(), (SmallVector<int64_t>{2, 4}));
  EXPECT_EQ(slice->begin, (SmallVector<int64_t>{1, 6}));
  // Clamping: x[-100:100] is the whole axis.
  slice = computeSliceByIndex({5}, {-100}, {100}, std::nullopt, std::nullopt,
                              std::nullopt, std::nullopt, error);
  ASSERT_TRUE(succeeded(slice));
  EXPECT_EQ(slice->size[0], 5);
  // An empty slice is an error, not a zero-size tensor.
  EXPECT_TRUE(failed(computeSliceByIndex({5}, {3}, {3}, std::nullopt,
                                         std::nullopt, std::nullopt,
                                         std::nullopt, error)));
  EXPECT_NE(error.find("empty"), std::string::npos);
}

TEST(MilShapes, Broadcast) {
  auto s = broadcastShapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(succeeded(s));
  EXPECT_EQ(*s, (SmallVector<int64_t>{2, 3, 4}));
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {4})));
}

TEST_F(MilDialectTest, TypeNamesRoundTrip) {
  for (StringRef name : {"fp16", "fp32", "bool", "int4", "int8", "int32",
                         "uint1", "uint2", "uint3", "uint4", "uint6", "uint8"}) {
    Type t = parseMilTypeName(&ctx, name);
    ASSERT_TRUE(t) << name.str();
    EXPECT_EQ(getMilTypeName(t), name);
  }
  EXPECT_FALSE(parseMilTypeName(&ctx, "bf16"));
}

} // namespace
