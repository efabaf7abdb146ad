//===- MilDialect.td - the mil dialect, its types and op base classes -----===//
//
// `mil` mirrors Core ML's Model Intermediate Language: op names and parameter
// names are MIL's, so lowering to MIL text or protobuf is a renaming-free walk.
// Tensor inputs of a MIL op are operands; MIL parameters that must be
// compile-time constants (axes, epsilon, perm, strides, ...) are attributes
// with the same names.
//
//===----------------------------------------------------------------------===//

#ifndef ANEC_MIL_DIALECT_TD
#define ANEC_MIL_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Mil_Dialect : Dialect {
  let name = "mil";
  let summary = "Core ML's MIL op set for transformer graphs";
  let description = [{
    Ops carry Core ML's names (`conv`, `linear`, `layer_norm`, ...) and its
    parameter names. Front-end ops that MIL lacks (`rms_norm`) are rewritten
    away by anec's passes before lowering.
  }];
  let cppNamespace = "::anec::mil";
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

// Element types a MIL tensor may hold. Signless integers are MIL's signed
// intN; `ui`N are uintN, including the sub-byte widths of packed LUT indices.
// bf16 appears only as checkpoint storage (a constant cast to fp16): the ANE
// has no bf16, and the conversion happens when weights are written.
def Mil_ElementType : AnyTypeOf<[F16, F32, BF16, I1, I<4>, I8, I16, I32, I64,
                                 UI<1>, UI<2>, UI<3>, UI<4>, UI<6>, UI8,
                                 UI16, UI32]>;
def Mil_Tensor : RankedTensorOf<[Mil_ElementType]>;
def Mil_FloatTensor : RankedTensorOf<[F16, F32]>;
def Mil_IndexTensor : RankedTensorOf<[I8, I16, I32, I64, UI8, UI16, UI32]>;
def Mil_QuantizedTensor : RankedTensorOf<[I8, UI8]>;

def Mil_StateType : TypeDef<Mil_Dialect, "State"> {
  let mnemonic = "state";
  let summary = "a mutable tensor that persists across calls (Core ML state)";
  let description = [{
    A KV cache and other model state: `!mil.state<tensor<1x8x512x64xf16>>`.
    Read with `mil.read_state`, written with `mil.coreml_update_state`.
  }];
  let parameters = (ins "::mlir::RankedTensorType":$wrappedType);
  let assemblyFormat = "`<` $wrappedType `>`";
}

// An i64 attribute read back as int64_t (axes are negative from the end);
// upstream's I64Attr returns uint64_t.
def Mil_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                               "64-bit integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

// Every mil op is checked against its MIL contract for the module's opset
// (MilContracts.h): parameter names, const-ness, type domains, availability.
def Mil_ContractTrait : NativeOpTrait<"MilContract"> {
  let cppNamespace = "::anec::mil";
}

class Mil_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mil_Dialect, mnemonic, !listconcat(traits, [Mil_ContractTrait])>;

// Result types come from the shared inference function of each op
// (MilShapeInference.cpp), which is also what verifies the operand shapes.
class Mil_PureOp<string mnemonic, list<Trait> traits = []>
    : Mil_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])>;

// Element-wise op on one float tensor: `mil.exp(x = %0) : tensor<4xf16>`.
class Mil_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Mil_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let arguments = (ins Mil_FloatTensor:$x);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = "`(` `x` `=` $x `)` attr-dict `:` type($x)";
  let hasFolder = 1;
}

// Element-wise op on two tensors with numpy broadcasting.
class Mil_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Mil_PureOp<mnemonic, traits> {
  let arguments = (ins Mil_Tensor:$x, Mil_Tensor:$y);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `y` `=` $y `)` attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

// Reduction over `axes` (all axes when absent).
class Mil_ReduceOp<string mnemonic> : Mil_PureOp<mnemonic> {
  let arguments = (ins Mil_FloatTensor:$x,
                       OptionalAttr<DenseI64ArrayAttr>:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keep_dims);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `)` attr-dict `:` functional-type(operands, results)
  }];
}

// An op on one tensor whose parameters are all attributes.
class Mil_ShapeOp<string mnemonic, list<Trait> traits = []>
    : Mil_PureOp<mnemonic, traits> {
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `)` attr-dict `:` functional-type(operands, results)
  }];
}

#endif // ANEC_MIL_DIALECT_TD
