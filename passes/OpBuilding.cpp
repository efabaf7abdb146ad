//===- OpBuilding.cpp - small builders the rewrites share ------------------===//
#include "passes/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;

Value anec::createScalarConstant(OpBuilder &b, Location loc, Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  APFloat v(value);
  bool losesInfo;
  v.convert(cast<FloatType>(element).getFloatSemantics(), APFloat::rmNearestTiesToEven,
            &losesInfo);
  return b.create<mil::ConstOp>(loc, DenseElementsAttr::get(type, v));
}

Operation *anec::rebuildWithOperands(OpBuilder &b, Operation *op, ValueRange operands) {
  Operation *copy = b.clone(*op);
  copy->setOperands(operands);
  if (auto infer = dyn_cast<InferTypeOpInterface>(copy)) {
    SmallVector<Type> types;
    if (failed(infer.inferReturnTypes(copy->getContext(), copy->getLoc(), copy->getOperands(),
                                      copy->getRawDictionaryAttrs(), copy->getPropertiesStorage(),
                                      copy->getRegions(), types))) {
      copy->erase();
      return nullptr;
    }
    for (auto [r, type] : llvm::zip(copy->getResults(), types))
      r.setType(type);
  } else {
    // Element-wise ops of one operand keep its type.
    copy->getResult(0).setType(operands[0].getType());
  }
  return copy;
}

Value anec::createConstantLike(OpBuilder &b, mil::ConstOp like, mil::CastOp cast,
                               ElementsAttr attr) {
  Value v = b.create<mil::ConstOp>(like.getLoc(), attr);
  if (cast)
    v = b.create<mil::CastOp>(cast.getLoc(), v, cast.getDtypeAttr());
  return v;
}
