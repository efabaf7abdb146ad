//===- Passes.td - anec's passes --------------------------------------------===//
//
// One pass a file in this folder; the ANE pipeline that composes them is
// built in Pipeline.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_PASSES_TD
#define ANEC_PASSES_TD

include "mlir/Pass/PassBase.td"

def RmsNormToLayerNorm : Pass<"anec-rms-norm-to-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Rewrite RMSNorm into the exact layer_norm form the ANE runs";
  let description = [{
    The ANE has layer_norm but no RMSNorm. For any x, concat([x, −x]) along a
    normalised axis has mean 0 and variance mean(x²), so

      rms_norm(x) = slice(layer_norm(concat([x, −x]), no affine), first half)

    exactly. The pass first raises the decomposed forms front ends emit
    (x · rsqrt(mean(x²) + eps), x · pow(mean(x²) + eps, −0.5),
    x / sqrt(mean(x²) + eps), with x² as square, mul or pow) to `mil.rms_norm`,
    then rewrites every `mil.rms_norm` and multiplies by gamma.

    With `overflow-safe`, x is first divided by max|x| over the normalised
    axes so that x² cannot overflow fp16 (|x| > 256); the result is then
    exact up to epsilon being applied to the scaled values.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"overflowSafe", "overflow-safe", "bool", /*default=*/"false",
           "Pre-scale by max|x| so that x² cannot overflow in fp16">,
  ];
  let statistics = [
    Statistic<"numRaised", "raised",
              "Decomposed RMSNorm subgraphs raised to mil.rms_norm">,
    Statistic<"numRewritten", "rewritten",
              "mil.rms_norm ops rewritten into layer_norm">,
  ];
}

def SplitAttention : Pass<"anec-split-attention", "mlir::func::FuncOp"> {
  let summary = "Split attention per head, with the causal mask as an explicit add";
  let description = [{
    Rewrites `mil.scaled_dot_product_attention` into per-head (or per-chunk
    of `heads-per-chunk` heads) matmul → add mask → softmax → matmul, the
    form the ANE runs: it ignores SDPA's attn_mask on the direct path, and
    single-head chunks keep each matmul small. K is used through the
    matmul's transpose_y (one transpose on K). Bool masks become additive.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"headsPerChunk", "heads-per-chunk", "int64_t", /*default=*/"1",
           "Heads computed together in one chunk">,
  ];
  let statistics = [
    Statistic<"numSplit", "split", "Attention ops split">,
  ];
}

def LimitDimensions : Pass<"anec-limit-dimensions", "mlir::func::FuncOp"> {
  let summary = "Split linear layers and embedding tables wider than the ANE's dimension limit";
  let description = [{
    A linear layer with more outputs than `max-dim` (the LM head over a
    large vocabulary) becomes several linear layers over vocabulary slices
    whose weights are views of the original weight. Slices are whole 64-byte
    rows (`align-bytes`): 32 fp16 outputs; a shorter last slice gets zero
    weight rows up to the next row and its result is sliced back. When the
    layer's result is a function result, the function returns the slices as
    a list (`logits_0`, `logits_1`, ...); otherwise, or with
    `concat-outputs`, the slices are concatenated back.

    An embedding lookup (`gather` on axis 0) into a table of more rows than
    `max-dim` becomes one lookup per slice of rows, with the indices clamped
    into the slice; a second lookup, batched over the tokens, picks each
    token's row from the stacked results. Only selections: exact, and no op
    sees more than `max-dim` rows.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"maxDim", "max-dim", "int64_t", /*default=*/"16384",
           "Largest tensor dimension the target handles">,
    Option<"concatOutputs", "concat-outputs", "bool", /*default=*/"false",
           "Concatenate the slices into one output">,
    Option<"alignBytes", "align-bytes", "int64_t", /*default=*/"64",
           "Vocabulary slices are whole rows of this many bytes (0: any size)">,
  ];
  let statistics = [
    Statistic<"numSplit", "split", "Linear layers split">,
    Statistic<"numSplitLookups", "split-lookups", "Embedding lookups split">,
  ];
}

def ChannelsFirst : Pass<"anec-channels-first", "mlir::func::FuncOp"> {
  let summary = "The residual stream, norms and element-wise ops in (B, C, 1, S)";
  let description = [{
    After anec-linear-to-conv, the ops between the 1x1 convs still work on
    (1, S, C) and each conv is entered and left through a transpose. This
    pass carries values between convs in (1, C, 1, S): element-wise ops (per
    channel vectors reshaped to (1, C, 1, 1)), layer_norm over the channel
    axis, concats and slices along it, and an embedding lookup's result from
    where it is made. A conv's input already channels-first needs no
    transpose; values go back to (1, S, C) once, where an op has no
    channels-first form (the attention heads' reshape, a function result).
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let statistics = [
    Statistic<"numMoved", "moved", "Ops moved to (B, C, 1, S) or transposes removed">,
    Statistic<"numBack", "back", "Values turned back to (B, S, C)">,
  ];
}

def AttentionChannelsFirst : Pass<"anec-attention-channels-first", "mlir::ModuleOp"> {
  let summary = "Attention heads in (B, H, D, S) and the KV cache stored (B, H, D, max_S)";
  let description = [{
    After anec-channels-first, q, k and v are still transposed out of their
    convs into (1, H, S, D) and the heads' output back into o_proj. This pass
    keeps the heads channels-first as (1, H, D, S), the conv output reshaped,
    and stores each KV-cache state with its last two axes exchanged
    (1, H, D, max_S), the same in every function. The scores are
    matmul(q, K, transpose_x) over (S, max_S) and the output
    matmul(V, P, transpose_y) over (D, S), reshaped into o_proj: no
    transpose ops in the attention, and no last axis the width of a head.
    Ops with no rule keep the original values (a transpose is made where a
    value must be swapped and has no other way).
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"kvLayout", "kv-layout", "std::string", /*default=*/"\"channels-first\"",
           "KV-cache states: channels-first (all stored (B, H, D, max_S)), "
           "unaligned (only those whose rows are not whole align-bytes rows), "
           "sequence-major (none)">,
    Option<"alignBytes", "align-bytes", "int64_t", /*default=*/"64",
           "Row size in bytes that kv-layout=unaligned judges by">,
  ];
  let statistics = [
    Statistic<"numStates", "states", "States stored with their last two axes swapped">,
    Statistic<"numEntries", "entries", "Head values read from a channels-first conv output">,
    Statistic<"numExits", "exits", "Views of swapped values made reshapes of them">,
    Statistic<"numMatmuls", "matmuls", "Matmuls reading swapped operands">,
    Statistic<"numTransposes", "transposes", "Transposes made for operands with no swapped form">,
  ];
}

def AlignLastAxis : Pass<"anec-align-last-axis", "mlir::func::FuncOp"> {
  let summary = "Pad activations so every last axis is whole 64-byte rows";
  let description = [{
    The ANE stores the last axis of every buffer in 64-byte rows. Where an op
    would produce an activation with a shorter last axis (decode's S = 1 in
    (B, C, 1, S), a lookup of short rows), the padding is made explicit at
    its start (a transpose pads its input along the axis it brings last; a
    constant table is padded), carried through the ops that can carry it,
    and sliced back where it meets anything else or a function result.
    Reductions, softmax, layer_norm and matmuls over a padded axis give
    exactly the unpadded answer. `report` remarks, per function, the
    unaligned activations and their bytes before and after.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"alignBytes", "align-bytes", "int64_t", /*default=*/"64",
           "Row size of the last axis in bytes">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Remark the activation footprint before and after">,
  ];
  let statistics = [
    Statistic<"numStarted", "started", "Values padded where they are made">,
    Statistic<"numSlicedBack", "sliced-back", "Padded values sliced back to their real size">,
  ];
}

def LinearToConv : Pass<"anec-linear-to-conv", "mlir::func::FuncOp"> {
  let summary = "Linear layers as 1x1 convs over (B, C, 1, S)";
  let description = [{
    Each `mil.linear` becomes a 1x1 `mil.conv` over the channels-first 4-D
    layout with its weight re-typed to [out, in, 1, 1] (same data), between
    a transpose into (B, C, 1, S) and one back. Layout changes are sunk
    through element-wise ops, so transposes between convs joined by
    element-wise ops meet and cancel.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let statistics = [
    Statistic<"numConverted", "converted", "Linear layers converted">,
  ];
}

def ComputeInFp16 : Pass<"anec-compute-in-fp16", "mlir::func::FuncOp"> {
  let summary = "Compute in fp16 everywhere inside, with casts only at the boundary";
  let description = [{
    fp32 inputs are cast to fp16 once at the entry and fp32 results back to
    fp32 once before the return; every fp32 value inside becomes fp16, small
    fp32 constants are converted and fp32 weights cast (their storage is
    converted when the weights are written).
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let statistics = [
    Statistic<"numConverted", "converted", "Ops converted to fp16">,
    Statistic<"numCasts", "casts", "Boundary casts inserted">,
  ];
}

def EqualizeChannels : Pass<"anec-equalize-channels", "mlir::ModuleOp"> {
  let summary = "Fold 1x1 conv weights' input-channel scales into the norm's gamma";
  let description = [{
    Where 1x1 convs read a value scaled per channel by a constant gamma (a
    norm's output), divides each input channel c of their weights by
    s_c = max|W[:, c]| / geomean_c(max|W[:, c]|) (clamped to
    [1/max-scale, max-scale]) and multiplies gamma by s_c: the same
    function, with weight columns of equal range, so that per-tensor INT8
    no longer spends its levels on a few outlier channels. Weights read by
    anything else (a tied LM head is also the embedding's table) are kept.
    Run before compression.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"maxScale", "max-scale", "double", /*default=*/"16",
           "Largest factor a channel is scaled by (or divided by)">,
  ];
  let statistics = [
    Statistic<"numNorms", "norms", "Norms whose gamma took the weights' channel scales">,
    Statistic<"numEqualized", "weights", "Weights equalized">,
  ];
}

def QuantizeWeights : Pass<"anec-quantize-weights", "mlir::ModuleOp"> {
  let summary = "Linear 8-bit weights (constexpr_affine_dequantize)";
  let description = [{
    Replaces every fp16 weight of a conv or linear layer with at least
    `weight-threshold` elements by constexpr_affine_dequantize over int8 or
    uint8 data with an fp16 scale and a zero point, per tensor (the ANE's
    native form) or per output channel. Modes as coremltools:
    `linear_symmetric` and `linear` (affine). Weights whose location (the
    checkpoint's tensor name) matches `exclude` are kept. A weight shared
    by several functions is quantized once and shares its data.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"linear_symmetric\"",
           "linear_symmetric or linear">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"per_tensor\"",
           "per_tensor or per_channel">,
    Option<"dtype", "dtype", "std::string", /*default=*/"\"int8\"", "int8 or uint8">,
    Option<"weightThreshold", "weight-threshold", "int64_t", /*default=*/"2048",
           "Smallest weight (elements) to quantize">,
    Option<"exclude", "exclude", "std::string", /*default=*/"\"\"",
           "Regex on weight names to keep in fp16">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Remark each weight's form, bytes before and after, SNR and max abs error">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the per-weight report as JSON to this file">,
  ];
  let statistics = [
    Statistic<"numQuantized", "quantized", "Weights quantized">,
    Statistic<"numBytesSaved", "bytes-saved", "Bytes saved">,
  ];
}

def PalettizeWeights : Pass<"anec-palettize-weights", "mlir::ModuleOp"> {
  let summary = "Weights as look-up tables (constexpr_lut_to_dense)";
  let description = [{
    Replaces every fp16 weight of a conv or linear layer with at least
    `weight-threshold` elements by nbits-wide indices into fp16 LUTs: one
    per tensor (iOS16 form) or one per group of `group-size` output channels
    (iOS18 form). `kmeans-exact` LUTs are the globally optimal 1-D k-means
    of the weights' fp16 values (dynamic programming over their histogram);
    `kmeans` runs the same program coarse to fine where the values are many
    for the clusters (over block edges, then every value near the boundaries
    found), within 0.1% of the optimal error and most often equal to it;
    `uniform` LUTs are evenly spaced. Weights whose location matches
    `exclude` are kept. A weight shared by several functions is clustered
    once and shares its LUT and indices.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"nbits", "nbits", "int64_t", /*default=*/"4", "Bits per index: 1, 2, 3, 4, 6 or 8">,
    Option<"mode", "mode", "std::string", /*default=*/"\"kmeans\"", "kmeans (clusters within 0.1% of the optimal error, coarse to fine), kmeans-exact (the optimal clusters, several times slower on large groups), uniform (evenly spaced) or unique (the weight's distinct values, with the fewest bits that hold them; lossless)">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"per_tensor\"",
           "per_tensor or per_grouped_channel">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"32",
           "Output channels per LUT (per_grouped_channel)">,
    Option<"weightThreshold", "weight-threshold", "int64_t", /*default=*/"2048",
           "Smallest weight (elements) to palettize">,
    Option<"exclude", "exclude", "std::string", /*default=*/"\"\"",
           "Regex on weight names to keep in fp16">,
    Option<"mixedBits", "mixed-bits", "double", /*default=*/"0",
           "Target average bits per weight: each weight gets 2, 3, 4, 6 or 8 bits, "
           "chosen to minimise the total squared error; 6- and 8-bit errors are extrapolated from the exact 4-bit one (0: nbits for all)">,
    Option<"perChannelScale", "per-channel-scale", "bool", /*default=*/"false",
           "Divide each output channel by its largest |value| before clustering and multiply the LUT's output back (constexpr_blockwise_shift_scale; coremltools' enable_per_channel_scale; iOS18)">,
    Option<"vocabMinBits", "vocab-min-bits", "int64_t", /*default=*/"6",
           "With mixed-bits: the fewest bits the embedding table and the LM head get (their error reaches every token and every logit); 0 leaves them to the allocator">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Remark each weight's bits, LUTs, bytes before and after, SNR and max abs error (and, with mixed-bits, the average)">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the per-weight report as JSON to this file">,
  ];
  let statistics = [
    Statistic<"numPalettized", "palettized", "Weights palettized">,
  ];
}

def CheckAne : Pass<"anec-check-ane", "mlir::func::FuncOp"> {
  let summary = "Check that the program has the form the ANE runs";
  let description = [{
    Reports, at each op's location: `rms-norm` (an rms_norm is left),
    `dims` (a dimension above `max-dim`), `conv` (a weight-bearing op that is
    not a 1x1 conv over (B, C, 1, S)), `align` (a last axis that is not a
    multiple of 64 bytes), `fp16` (fp32 compute). `checks` selects some
    (default: all). Errors fail the pass; with `warn-only` they are
    warnings.
  }];
  let options = [
    ListOption<"checks", "checks", "std::string",
               "Checks to run: rms-norm, dims, conv, align, fp16 (default: all)">,
    Option<"maxDim", "max-dim", "int64_t", /*default=*/"16384",
           "Largest tensor dimension of the target">,
    Option<"warnOnly", "warn-only", "bool", /*default=*/"false",
           "Report violations as warnings and succeed">,
  ];
}

def LowerToH13 : Pass<"anec-lower-to-h13", "mlir::func::FuncOp"> {
  let summary = "Lower mil ops matched against Apple's M1 binaries into H13 tasks (hwx.task)";
  let description = [{
    Each op of the function becomes an `hwx.task` with the register fields
    the H13 ANE runs it with (lib/Hwx/H13Tasks.cpp): a 1x1, stride-1,
    ungrouped fp16 `conv` with constant weights over one row (fused with a
    `relu` that is its only user), and a `relu` over one channel of one row.
    Those are the shapes Apple's own binaries in ../shared/data/hwx-h13 show;
    any other op, or these ops in other shapes, is refused with its location
    and the reason, never lowered by guess.
  }];
  let dependentDialects = ["::anec::mil::MilDialect", "::anec::hwx::HwxDialect"];
  let statistics = [
    Statistic<"numTasks", "tasks", "Tasks made">,
  ];
}

#endif // ANEC_PASSES_TD

def Partition : Pass<"anec-partition", "mlir::ModuleOp"> {
  let summary = "Assign every op a compute unit (ANE, GPU, CPU) from legality and a cost model";
  let description = [{
    For every function: whether each op can run on the Neural Engine (and
    why not: fp32, dynamic shape, a dimension over the target's limit, an
    op or activation the ANE lacks, block-wise int4 weights, an SDPA mask,
    with `require-alignment` a last axis not 64-byte aligned), its estimated
    time on each unit from a roofline over the target's figures
    (targets/*.json), and the assignment of least estimated total time for
    the whole function, dispatches and transfers included (dynamic
    programming over the program order). Every op gets `mil.compute_unit`;
    `report-file` receives the segments, residency, transitions, estimates
    and per-op reasons as JSON; `explain` remarks each op that is not on the
    ANE with the reason.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"m4\"",
           "Built-in target (m1, m2, m3, m4, m4-pro, m4-max, a17-pro) or a target .json file">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the partition report as JSON to this file">,
    Option<"computeUnits", "compute-units", "std::string", /*default=*/"\"all\"",
           "Units the program may use, as Core ML's MLComputeUnits: all, cpu_and_ne, cpu_and_gpu or cpu_only">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Remark, at each op off the ANE, its unit and the reason">,
    Option<"requireAlignment", "require-alignment", "bool", /*default=*/"false",
           "Refuse the ANE to ops with a last axis that is not 64-byte aligned (the direct-ANE path); Core ML pads them itself">,
  ];
}

def OutlineSegments : Pass<"anec-outline-segments", "mlir::func::FuncOp"> {
  let summary = "Group runs of ops on one compute unit into mil.segment ops";
  let description = [{
    After anec-partition: each maximal run of consecutive ops with the same
    `mil.compute_unit` moves into a `mil.segment` whose operands and results
    are the values crossing its boundary (the transfers) and which holds
    clones of the constants it reads. The program computes what it did.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
  let statistics = [
    Statistic<"numSegments", "segments", "Segments created">,
  ];
}

def InlineSegments : Pass<"anec-inline-segments", "mlir::func::FuncOp"> {
  let summary = "Flatten mil.segment ops back into their function";
  let description = [{
    Core ML programs have no segments: this moves each segment's ops back in
    place of the segment (before export); canonicalize and cse then merge
    the constants segments had cloned.
  }];
  let dependentDialects = ["::anec::mil::MilDialect"];
}
