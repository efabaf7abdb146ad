//===- MilOps.td - the mil op set ------------------------------------------===//
//
// Every op of ../shared/spec/mil-ops.md that transformer graphs need, with
// MIL's names. Shapes are static: the ANE runs nothing else.
//
//===----------------------------------------------------------------------===//

#ifndef ANEC_MIL_OPS_TD
#define ANEC_MIL_OPS_TD

include "MilDialect.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Mil_ConstOp : Mil_PureOp<"const", [ConstantLike]> {
  let summary = "a constant tensor (small ones inline, weights as resources)";
  let description = [{
    `val` is any elements attribute; weights are `dense_resource` blobs so
    gigabytes of parameters are never copied into the MLIR context.
  }];
  let arguments = (ins ElementsAttr:$val);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = "$val attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

def Mil_SqrtOp : Mil_UnaryOp<"sqrt">;
def Mil_ExpOp : Mil_UnaryOp<"exp">;
def Mil_SquareOp : Mil_UnaryOp<"square">;
def Mil_TanhOp : Mil_UnaryOp<"tanh">;
def Mil_ErfOp : Mil_UnaryOp<"erf">;
def Mil_SigmoidOp : Mil_UnaryOp<"sigmoid">;
def Mil_SiluOp : Mil_UnaryOp<"silu">;
def Mil_ReluOp : Mil_UnaryOp<"relu">;
def Mil_AbsOp : Mil_UnaryOp<"abs">;
def Mil_SinOp : Mil_UnaryOp<"sin">;
def Mil_CosOp : Mil_UnaryOp<"cos">;

def Mil_RsqrtOp : Mil_UnaryOp<"rsqrt"> {
  let summary = "1 / sqrt(x + epsilon)";
  let arguments = (ins Mil_FloatTensor:$x,
                       DefaultValuedAttr<F32Attr, "1e-12f">:$epsilon);
}

def Mil_GeluOp : Mil_UnaryOp<"gelu"> {
  let summary = "GELU; mode EXACT, TANH_APPROXIMATION or SIGMOID_APPROXIMATION";
  let arguments = (ins Mil_FloatTensor:$x,
                       DefaultValuedAttr<StrAttr, "\"EXACT\"">:$mode);
  let hasVerifier = 1;
}

def Mil_AddOp : Mil_BinaryOp<"add", [Commutative]>;
def Mil_SubOp : Mil_BinaryOp<"sub">;
def Mil_MulOp : Mil_BinaryOp<"mul", [Commutative]>;
def Mil_RealDivOp : Mil_BinaryOp<"real_div">;
def Mil_PowOp : Mil_BinaryOp<"pow">;
def Mil_MaximumOp : Mil_BinaryOp<"maximum", [Commutative]>;
def Mil_MinimumOp : Mil_BinaryOp<"minimum", [Commutative]>;

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def Mil_ReduceMeanOp : Mil_ReduceOp<"reduce_mean">;
def Mil_ReduceSumOp : Mil_ReduceOp<"reduce_sum">;
def Mil_ReduceMaxOp : Mil_ReduceOp<"reduce_max">;
def Mil_ReduceMinOp : Mil_ReduceOp<"reduce_min">;
def Mil_ReduceSumSquareOp : Mil_ReduceOp<"reduce_sum_square">;

//===----------------------------------------------------------------------===//
// Linear algebra and normalisation
//===----------------------------------------------------------------------===//

def Mil_LinearOp : Mil_PureOp<"linear"> {
  let summary = "y = x·weightᵀ + bias, weight [out, in]";
  let arguments = (ins Mil_FloatTensor:$x, Mil_FloatTensor:$weight,
                       Optional<Mil_FloatTensor>:$bias);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `weight` `=` $weight (`,` `bias` `=` $bias^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_MatmulOp : Mil_PureOp<"matmul"> {
  let summary = "batched matrix product with numpy broadcasting";
  let arguments = (ins Mil_FloatTensor:$x, Mil_FloatTensor:$y,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_x,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_y);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `y` `=` $y `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_ConvOp : Mil_PureOp<"conv"> {
  let summary = "NCHW convolution; weight [Cout, Cin/groups, kH, kW]";
  let description = [{
    1-D (rank 3) and 2-D (rank 4) convolution. On the ANE a `linear` is a
    1×1 conv over (B, C, 1, S). `pad` holds [begin, end] per spatial axis and
    is used when `pad_type` is `custom`.
  }];
  let arguments = (ins Mil_FloatTensor:$x, Mil_FloatTensor:$weight,
                       Optional<Mil_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       DefaultValuedAttr<StrAttr, "\"valid\"">:$pad_type,
                       OptionalAttr<DenseI64ArrayAttr>:$pad,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<Mil_I64Attr, "1">:$groups);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `weight` `=` $weight (`,` `bias` `=` $bias^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_LayerNormOp : Mil_PureOp<"layer_norm", [AttrSizedOperandSegments]> {
  let summary = "gamma·(x − E[x]) / sqrt(Var[x] + epsilon) + beta over `axes`";
  let description = [{
    gamma and beta have shape x.shape[axes]. In the textual form beta may
    only be given together with gamma.
  }];
  let arguments = (ins Mil_FloatTensor:$x, Optional<Mil_FloatTensor>:$gamma,
                       Optional<Mil_FloatTensor>:$beta,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x (`,` `gamma` `=` $gamma^ (`,` `beta` `=` $beta^)?)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_RmsNormOp : Mil_PureOp<"rms_norm"> {
  let summary = "front-end RMSNorm: x / sqrt(mean(x², axes) + epsilon) · gamma";
  let description = [{
    MIL has no RMSNorm. Importers emit this op (Gemma's `1 + weight` is folded
    into gamma); `anec-rms-norm-to-layer-norm` rewrites it into the exact
    layer_norm form the ANE runs natively.
  }];
  let arguments = (ins Mil_FloatTensor:$x, Optional<Mil_FloatTensor>:$gamma,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x (`,` `gamma` `=` $gamma^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_SoftmaxOp : Mil_PureOp<"softmax"> {
  let arguments = (ins Mil_FloatTensor:$x,
                       DefaultValuedAttr<Mil_I64Attr, "-1">:$axis);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_ScaledDotProductAttentionOp
    : Mil_PureOp<"scaled_dot_product_attention"> {
  let summary = "softmax(Q·Kᵀ/sqrt(E) + mask)·V (iOS18)";
  let description = [{
    query [B, *, L, E], key [B, *, S, E], value [B, *, S, EV]; attn_mask is
    bool (true keeps) or float (added) and broadcasts to [B, *, L, S].
  }];
  let arguments = (ins Mil_FloatTensor:$query, Mil_FloatTensor:$key,
                       Mil_FloatTensor:$value,
                       Optional<RankedTensorOf<[F16, F32, I1]>>:$attn_mask);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `query` `=` $query `,` `key` `=` $key `,` `value` `=` $value
    (`,` `attn_mask` `=` $attn_mask^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Mil_GatherOp : Mil_PureOp<"gather"> {
  let summary = "take slices of x along `axis` at `indices` (embedding lookup)";
  let arguments = (ins Mil_Tensor:$x, Mil_IndexTensor:$indices,
                       DefaultValuedAttr<Mil_I64Attr, "0">:$axis,
                       DefaultValuedAttr<Mil_I64Attr, "0">:$batch_dims);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `indices` `=` $indices `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_ConcatOp : Mil_PureOp<"concat"> {
  let arguments = (ins Variadic<Mil_Tensor>:$values, Mil_I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$interleave);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `values` `=` `(` $values `)` `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_SplitOp : Mil_PureOp<"split"> {
  let summary = "split x along `axis` into num_splits equal or split_sizes parts";
  let arguments = (ins Mil_Tensor:$x, OptionalAttr<Mil_I64Attr>:$num_splits,
                       OptionalAttr<DenseI64ArrayAttr>:$split_sizes,
                       Mil_I64Attr:$axis);
  let results = (outs Variadic<Mil_Tensor>:$outputs);
  let assemblyFormat = [{
    `(` `x` `=` $x `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_TopKOp : Mil_PureOp<"topk"> {
  let summary = "the k largest (ascending: smallest) values along `axis`, in order, and "
                "their int32 indices";
  let arguments = (ins Mil_Tensor:$x, DefaultValuedAttr<Mil_I64Attr, "1">:$k,
                       DefaultValuedAttr<Mil_I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$ascending);
  let results = (outs Mil_Tensor:$values, Mil_Tensor:$indices);
  let assemblyFormat = [{
    `(` `x` `=` $x `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_SliceByIndexOp : Mil_ShapeOp<"slice_by_index"> {
  let summary = "numpy-style strided slice with begin/end/squeeze masks";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$begin,
                       DenseI64ArrayAttr:$end,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseBoolArrayAttr>:$begin_mask,
                       OptionalAttr<DenseBoolArrayAttr>:$end_mask,
                       OptionalAttr<DenseBoolArrayAttr>:$squeeze_mask);
}

def Mil_SliceBySizeOp : Mil_ShapeOp<"slice_by_size"> {
  let summary = "x[begin : begin + size] per axis; size −1 runs to the end";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$begin,
                       DenseI64ArrayAttr:$size);
}

def Mil_ReshapeOp : Mil_ShapeOp<"reshape"> {
  let summary = "same elements, new static shape (one −1 is inferred)";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$shape);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mil_TransposeOp : Mil_ShapeOp<"transpose"> {
  let summary = "output axis i is input axis perm[i]";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$perm);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mil_ExpandDimsOp : Mil_ShapeOp<"expand_dims"> {
  let summary = "insert size-1 axes at `axes` (positions in the output)";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$axes);
}

def Mil_SqueezeOp : Mil_ShapeOp<"squeeze"> {
  let summary = "remove size-1 axes (all of them when `axes` is absent)";
  let arguments = (ins Mil_Tensor:$x, OptionalAttr<DenseI64ArrayAttr>:$axes);
}

def Mil_TileOp : Mil_ShapeOp<"tile"> {
  let summary = "repeat x reps[i] times along axis i";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$reps);
}

def Mil_PadOp : Mil_ShapeOp<"pad"> {
  let summary = "pad [begin, end] per axis; mode constant, reflect or replicate";
  let arguments = (ins Mil_Tensor:$x, DenseI64ArrayAttr:$pad,
                       DefaultValuedAttr<StrAttr, "\"constant\"">:$mode,
                       DefaultValuedAttr<F32Attr, "0.0f">:$constant_val);
}

def Mil_BandPartOp : Mil_Op<"band_part", [Pure, SameOperandsAndResultType]> {
  let summary = "keep the band lower ≤ i − j ≤ upper of the last two axes (−1: all)";
  let arguments = (ins Mil_Tensor:$x,
                       DefaultValuedAttr<Mil_I64Attr, "-1">:$lower,
                       DefaultValuedAttr<Mil_I64Attr, "-1">:$upper);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = "`(` `x` `=` $x `)` attr-dict `:` type($x)";
  let hasVerifier = 1;
}

def Mil_CastOp : Mil_ShapeOp<"cast"> {
  let summary = "convert element type; dtype is MIL's name (fp16, fp32, int32, ...)";
  let arguments = (ins Mil_Tensor:$x, StrAttr:$dtype);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Compressed weights (constexpr ops: evaluated when the model loads)
//===----------------------------------------------------------------------===//

def Mil_ConstexprAffineDequantizeOp
    : Mil_PureOp<"constexpr_affine_dequantize"> {
  let summary = "scale·(quantized_data − zero_point) (iOS16)";
  let description = [{
    scale and zero_point are scalars (per-tensor) or vectors along `axis`
    (per-channel). The output element type is scale's.
  }];
  let arguments = (ins Mil_QuantizedTensor:$quantized_data,
                       Mil_QuantizedTensor:$zero_point,
                       Mil_FloatTensor:$scale, Mil_I64Attr:$axis);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `quantized_data` `=` $quantized_data `,` `zero_point` `=` $zero_point
    `,` `scale` `=` $scale `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_ConstexprLutToDenseOp : Mil_PureOp<"constexpr_lut_to_dense"> {
  let summary = "palettized weights: look indices up in a LUT";
  let description = [{
    Two forms, as in Core ML:
    - iOS16: `indices` is uint8[M] holding nbits-wide indices packed
      LSB-first, `lut` is [2^nbits] (nbits ∈ {1, 2, 4, 6, 8}), and the `shape`
      attribute gives the output shape; M = ceil(nbits·prod(shape)/8).
    - iOS18: `indices` is uintN (N ∈ {1, 2, 3, 4, 6, 8}) shaped as the output
      (divided by vector_size along `vector_axis`), `lut` is
      [group dims..., 2^N, vector_size] with rank = indices rank + 2; each
      group dim divides the matching indices dim (per-grouped-channel LUTs).
  }];
  let arguments = (ins RankedTensorOf<[UI<1>, UI<2>, UI<3>, UI<4>, UI<6>, UI8]>:$indices,
                       RankedTensorOf<[F16, F32, I8, UI8]>:$lut,
                       OptionalAttr<DenseI64ArrayAttr>:$shape,
                       OptionalAttr<Mil_I64Attr>:$vector_axis);
  let results = (outs RankedTensorOf<[F16, F32, I8, UI8]>:$output);
  let assemblyFormat = [{
    `(` `indices` `=` $indices `,` `lut` `=` $lut `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// True for the iOS16 form (packed uint8 indices and a `shape` attribute).
    bool isIOS16Form() { return getShape().has_value(); }
  }];
}

def Mil_ConstexprBlockwiseShiftScaleOp
    : Mil_PureOp<"constexpr_blockwise_shift_scale"> {
  let summary = "scale·(data − offset) with block-wise scales (iOS18)";
  let description = [{
    scale (and offset) have data's rank; block_size[i] = data.shape[i] /
    scale.shape[i]. The output element type is scale's.
  }];
  let arguments = (ins RankedTensorOf<[I<4>, UI<4>, I8, UI8, F16, F32]>:$data,
                       Mil_FloatTensor:$scale,
                       Optional<RankedTensorOf<[I<4>, UI<4>, I8, UI8, F16, F32]>>:$offset);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `data` `=` $data `,` `scale` `=` $scale (`,` `offset` `=` $offset^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_ConstexprCastOp : Mil_ShapeOp<"constexpr_cast"> {
  let summary = "fp16 constant widened at load time (iOS16)";
  let arguments = (ins RankedTensorOf<[F16]>:$source_val, StrAttr:$output_dtype);
  let assemblyFormat = [{
    `(` `source_val` `=` $source_val `)` attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_QuantizeOp : Mil_PureOp<"quantize"> {
  let summary = "activation quantization: round(input/scale + zero_point) (iOS17)";
  let arguments = (ins Mil_FloatTensor:$input, Mil_FloatTensor:$scale,
                       Optional<Mil_QuantizedTensor>:$zero_point,
                       OptionalAttr<Mil_I64Attr>:$axis, StrAttr:$output_dtype);
  let results = (outs Mil_QuantizedTensor:$output);
  let assemblyFormat = [{
    `(` `input` `=` $input `,` `scale` `=` $scale (`,` `zero_point` `=` $zero_point^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mil_DequantizeOp : Mil_PureOp<"dequantize"> {
  let summary = "scale·(input − zero_point) (iOS17)";
  let arguments = (ins Mil_QuantizedTensor:$input, Mil_FloatTensor:$scale,
                       Optional<Mil_QuantizedTensor>:$zero_point,
                       OptionalAttr<Mil_I64Attr>:$axis);
  let results = (outs Mil_FloatTensor:$output);
  let assemblyFormat = [{
    `(` `input` `=` $input `,` `scale` `=` $scale (`,` `zero_point` `=` $zero_point^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// State (KV cache)
//===----------------------------------------------------------------------===//

def Mil_ReadStateOp : Mil_Op<"read_state", [InferTypeOpAdaptor,
    MemoryEffects<[MemRead]>]> {
  let summary = "the current value of a state";
  let arguments = (ins Mil_StateType:$input);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = "`(` `input` `=` $input `)` attr-dict `:` type($input)";
}

def Mil_CoremlUpdateStateOp : Mil_Op<"coreml_update_state", [InferTypeOpAdaptor,
    MemoryEffects<[MemWrite]>,
    TypesMatchWith<"value has the state's tensor type", "state", "value",
                   "::llvm::cast<::anec::mil::StateType>($_self).getWrappedType()">]> {
  let summary = "store `value` into `state`; returns value";
  let arguments = (ins Mil_StateType:$state, Mil_Tensor:$value);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `state` `=` $state `,` `value` `=` $value `)` attr-dict `:` type($state)
  }];
}

def Mil_SliceUpdateOp : Mil_PureOp<"slice_update"> {
  let summary = "x with the slice [begin, end) (stride) replaced by update";
  let description = [{
    begin and end are int32 vectors of x's rank and may be computed at run
    time (the write position of a KV cache). The slice's shape must equal
    update's shape (after squeeze_mask).
  }];
  let arguments = (ins Mil_Tensor:$x, Mil_Tensor:$update,
                       RankedTensorOf<[I32]>:$begin, RankedTensorOf<[I32]>:$end,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseBoolArrayAttr>:$begin_mask,
                       OptionalAttr<DenseBoolArrayAttr>:$end_mask,
                       OptionalAttr<DenseBoolArrayAttr>:$squeeze_mask);
  let results = (outs Mil_Tensor:$output);
  let assemblyFormat = [{
    `(` `x` `=` $x `,` `update` `=` $update `,` `begin` `=` $begin `,` `end` `=` $end `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Compute-unit segments (anec-outline-segments)
//===----------------------------------------------------------------------===//

def Mil_SegmentOp : Mil_Op<"segment", [IsolatedFromAbove, SingleBlock]> {
  let summary = "a run of ops on one compute unit: one dispatch";
  let description = [{
    The ops of `body` run on `compute_unit` (ane, gpu or cpu) as one
    dispatch. The operands are what is handed to the unit at the boundary
    and the results what is handed back: the transfers, explicit. Constant
    weights live inside the segment that reads them. Not a Core ML op:
    anec-inline-segments flattens segments before export.
  }];
  let arguments = (ins StrAttr:$compute_unit, Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $compute_unit `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs) $body
  }];
  let hasVerifier = 1;
}

def Mil_YieldOp : Mil_Op<"yield", [Pure, Terminator, HasParent<"SegmentOp">]> {
  let summary = "the values a segment hands back";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // ANEC_MIL_OPS_TD
