#!/usr/bin/env python3
"""Checks anec-run's op semantics against numpy, computed independently.

Each case is a one-op mil function, inputs written as .npy, and the numpy
expression that defines the op. Usage: check_ops.py ANEC_RUN WORKDIR
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from mlir_text import dense_literal  # noqa: E402
import numpy as np

rng = np.random.default_rng(7)
anec_run, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def T(a, element=None):
    dt = element or {np.float32: "f32", np.int32: "i32", np.uint8: "ui8",
                     np.int8: "i8", np.bool_: "i1"}[a.dtype.type]
    return "tensor<" + "".join(f"{d}x" for d in a.shape) + dt + ">"


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


cases = []


def case(name, inputs, body, expected, tol=1e-5, types=None, rtype=None):
    """types: element types of the inputs where the .npy dtype is not it
    (ui4, f16, ...); rtype: the result element type where not f32/i8."""
    cases.append((name, inputs, body, expected, tol, types, rtype))


x = rng.standard_normal((2, 3, 8)).astype(np.float32)
w = rng.standard_normal((5, 8)).astype(np.float32)
b = rng.standard_normal(5).astype(np.float32)
case("linear", [x, w, b], "mil.linear(x = %a0, weight = %a1, bias = %a2)", x @ w.T + b)
case("softmax", [x], "mil.softmax(x = %a0) {axis = 1}", softmax(x, 1))
g = rng.standard_normal(8).astype(np.float32)
mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
case("layer_norm", [x, g, b[:1].repeat(8)],
     "mil.layer_norm(x = %a0, gamma = %a1, beta = %a2) {axes = array<i64: -1>, epsilon = 1.0e-3 : f32}",
     (x - mu) / np.sqrt(var + 1e-3) * g + b[0])
case("rms_norm", [x, g], "mil.rms_norm(x = %a0, gamma = %a1) {axes = array<i64: 2>}",
     x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5) * g)
q = rng.standard_normal((1, 2, 4, 8)).astype(np.float32)
k = rng.standard_normal((1, 2, 6, 8)).astype(np.float32)
v = rng.standard_normal((1, 2, 6, 3)).astype(np.float32)
m = np.triu(np.full((4, 6), -1e4, np.float32), 3)
case("sdpa", [q, k, v, m],
     "mil.scaled_dot_product_attention(query = %a0, key = %a1, value = %a2, attn_mask = %a3)",
     softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(8) + m, -1) @ v)
table = rng.standard_normal((10, 4)).astype(np.float32)
ids = np.array([[3, -1, 0]], np.int32)
case("gather", [table, ids], "mil.gather(x = %a0, indices = %a1)", table[ids])
# topk: the k largest (or smallest) along an axis, in order, and their
# indices; the ties of a repeated value go to the lower index.
tk = rng.standard_normal((2, 5, 7)).astype(np.float32)
tk[0, 1, 4] = tk[0, 1, 2] = tk[0, 1].max() + 1  # a tie for first
order = np.argsort(-tk, axis=1, kind="stable")[:, :3, :]
case("topk_values", [tk], "mil.topk(x = %a0) {k = 3 : i64, axis = 1 : i64}",
     np.take_along_axis(tk, order, 1))
case("topk_indices", [tk], "mil.topk(x = %a0) {k = 3 : i64, axis = 1 : i64}",
     order.astype(np.int32), rtype="i32")
case("topk_ascending", [tk], "mil.topk(x = %a0) {k = 2 : i64, ascending = true}",
     np.sort(tk, axis=-1)[..., :2])
case("transpose", [x], "mil.transpose(x = %a0) {perm = array<i64: 2, 0, 1>}", x.transpose(2, 0, 1))
case("slice_by_index", [x],
     "mil.slice_by_index(x = %a0) {begin = array<i64: 0, -1, 1>, end = array<i64: 2, 0, 8>, stride = array<i64: 1, -2, 3>}",
     x[0:2, -1:0:-2, 1:8:3])
case("tile", [w], "mil.tile(x = %a0) {reps = array<i64: 2, 1>}", np.tile(w, (2, 1)))
case("pad_reflect", [w], "mil.pad(x = %a0) {pad = array<i64: 1, 2>, mode = \"reflect\"}",
     np.pad(w, ((0, 0), (1, 2)), mode="reflect"))
case("reduce_sum_square", [x], "mil.reduce_sum_square(x = %a0) {axes = array<i64: 0, 2>}",
     (x * x).sum(axis=(0, 2)))
case("concat_interleave", [w, w * 2], "mil.concat(values = (%a0, %a1)) {axis = 1, interleave = true}",
     np.stack([w, w * 2], axis=2).reshape(5, 16))
# Depthwise 1x3 conv, stride 2, custom padding.
cx = rng.standard_normal((1, 4, 1, 7)).astype(np.float32)
cw = rng.standard_normal((4, 1, 1, 3)).astype(np.float32)
xp = np.pad(cx, ((0, 0), (0, 0), (0, 0), (1, 1)))
conv = np.stack([sum(xp[0, c, 0, 2 * o + t] * cw[c, 0, 0, t] for t in range(3))
                 for c in range(4) for o in range(4)]).reshape(1, 4, 1, 4)
case("conv_depthwise", [cx, cw],
     "mil.conv(x = %a0, weight = %a1) {groups = 4, pad = array<i64: 0, 0, 1, 1>, pad_type = \"custom\", strides = array<i64: 1, 2>}",
     conv)
# iOS16 LUT: 2-bit indices packed LSB-first.
idx = rng.integers(0, 4, 12)
packed = np.zeros(3, np.uint8)
for i, val in enumerate(idx):
    packed[(2 * i) // 8] |= val << ((2 * i) % 8)
lut = np.array([-1.5, 0.25, 2.0, 3.0], np.float32)
case("lut_to_dense_ios16", [packed, lut],
     "mil.constexpr_lut_to_dense(indices = %a0, lut = %a1) {shape = array<i64: 3, 4>}",
     lut[idx].reshape(3, 4))
scale = np.array([0.5, 0.25], np.float32)
case("quantize", [w[:2] * 3, scale],
     "mil.quantize(input = %a0, scale = %a1) {axis = 0, output_dtype = \"int8\"}",
     np.clip(np.round(w[:2] * 3 / scale[:, None]), -128, 127).astype(np.int8))
cases.append(("gelu_tanh", [x], "mil.gelu(x = %a0) {mode = \"TANH_APPROXIMATION\"}",
              0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), 1e-5, None, "unary"))

# Element-wise, unary and binary with broadcasting.
y = rng.standard_normal((3, 1)).astype(np.float32)
pos = (np.abs(x) + 0.1).astype(np.float32)
import math
erf = np.vectorize(math.erf)
for name, fn in [("sqrt", np.sqrt), ("exp", np.exp), ("square", np.square), ("tanh", np.tanh),
                 ("erf", lambda a: erf(a).astype(np.float32)), ("sigmoid", lambda a: 1 / (1 + np.exp(-a))),
                 ("silu", lambda a: a / (1 + np.exp(-a))), ("relu", lambda a: np.maximum(a, 0)),
                 ("abs", np.abs), ("sin", np.sin), ("cos", np.cos)]:
    arg = pos if name == "sqrt" else x
    cases.append((name, [arg], f"mil.{name}(x = %a0)", fn(arg), 1e-5, None, "unary"))
cases.append(("rsqrt", [pos], "mil.rsqrt(x = %a0) {epsilon = 0.5 : f32}", 1 / np.sqrt(pos + 0.5), 1e-5, None, "unary"))
cases.append(("gelu_exact", [x], "mil.gelu(x = %a0)", 0.5 * x * (1 + erf(x / np.sqrt(2))), 1e-5, None, "unary"))
cases.append(("gelu_sigmoid", [x], "mil.gelu(x = %a0) {mode = \"SIGMOID_APPROXIMATION\"}",
              x / (1 + np.exp(-1.702 * x)), 1e-5, None, "unary"))
for name, fn in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                 ("real_div", np.divide), ("maximum", np.maximum), ("minimum", np.minimum)]:
    case(name, [x, y], f"mil.{name}(x = %a0, y = %a1)", fn(x, y))
case("pow", [pos, y], "mil.pow(x = %a0, y = %a1)", np.power(pos, y), tol=1e-4)
for name, fn in [("reduce_mean", np.mean), ("reduce_sum", np.sum), ("reduce_max", np.max),
                 ("reduce_min", np.min)]:
    case(name, [x], f"mil.{name}(x = %a0) {{axes = array<i64: -1>, keep_dims = true}}",
         fn(x, axis=-1, keepdims=True))
case("reduce_all_axes", [x], "mil.reduce_sum(x = %a0)", np.array(x.sum(), np.float32), tol=1e-4)
# Matrix products.
a = rng.standard_normal((2, 1, 8, 3)).astype(np.float32)
bm = rng.standard_normal((4, 5, 8)).astype(np.float32)
case("matmul_broadcast_transpose", [a, bm],
     "mil.matmul(x = %a0, y = %a1) {transpose_x = true, transpose_y = true}",
     np.swapaxes(a, -1, -2) @ np.swapaxes(bm, -1, -2), tol=1e-4)
vec = rng.standard_normal(8).astype(np.float32)
case("matmul_vector", [w, vec], "mil.matmul(x = %a0, y = %a1)", w @ vec, tol=1e-4)
px = rng.standard_normal((2, 8, 1, 5)).astype(np.float32)
pw = rng.standard_normal((6, 8, 1, 1)).astype(np.float32)
pb = rng.standard_normal(6).astype(np.float32)
case("conv_pointwise_bias", [px, pw, pb], "mil.conv(x = %a0, weight = %a1, bias = %a2)",
     np.einsum("oc,bcs->bos", pw[:, :, 0, 0], px[:, :, 0, :])[:, :, None, :] + pb[None, :, None, None],
     tol=1e-4)
sx = rng.standard_normal((1, 2, 4)).astype(np.float32)
sw = rng.standard_normal((3, 2, 3)).astype(np.float32)
sp = np.pad(sx, ((0, 0), (0, 0), (1, 1)))
case("conv1d_same", [sx, sw], "mil.conv(x = %a0, weight = %a1) {pad_type = \"same\"}",
     np.stack([[sum((sp[0, :, t:t + 3] * sw[o]).sum() for _ in [0]) for t in range(4)]
               for o in range(3)])[None].astype(np.float32), tol=1e-4)
# Shapes and data movement.
case("split", [x], "mil.split(x = %a0) {axis = 2, split_sizes = array<i64: 3, 5>}", x[:, :, 3:])
case("slice_by_size", [x], "mil.slice_by_size(x = %a0) {begin = array<i64: 1, 0, 2>, size = array<i64: 1, -1, 4>}",
     x[1:2, :, 2:6])
case("slice_squeeze", [x], "mil.slice_by_index(x = %a0) {begin = array<i64: 0, 2, 0>, end = array<i64: 2, 3, 8>, squeeze_mask = array<i1: false, true, false>}",
     x[:, 2, :])
case("reshape", [x], "mil.reshape(x = %a0) {shape = array<i64: 6, -1>}", x.reshape(6, -1))
case("expand_dims", [w], "mil.expand_dims(x = %a0) {axes = array<i64: 1, -1>}", w[:, None, :, None])
case("squeeze", [w[None, :, None, :]], "mil.squeeze(x = %a0)", w)
case("band_part", [w], "mil.band_part(x = %a0) {lower = 1, upper = 2}",
     np.where((np.subtract.outer(np.arange(5), np.arange(8)) <= 1) &
              (np.subtract.outer(np.arange(8), np.arange(5)).T <= 2), w, 0).astype(np.float32),
     rtype="unary")
case("pad_constant", [w], "mil.pad(x = %a0) {pad = array<i64: 1, 0, 0, 2>, constant_val = 7.0 : f32}",
     np.pad(w, ((1, 0), (0, 2)), constant_values=7))
case("pad_replicate", [w], "mil.pad(x = %a0) {pad = array<i64: 2, 1>, mode = \"replicate\"}",
     np.pad(w, ((0, 0), (2, 1)), mode="edge"))
case("concat", [w, x[0, :, :]], "mil.concat(values = (%a0, %a1)) {axis = 0}", np.concatenate([w, x[0]], 0))
ids2 = np.array([[1, 0], [2, 2]], np.int32)
bx = rng.standard_normal((2, 3, 4)).astype(np.float32)
case("gather_batch_dims", [bx, ids2], "mil.gather(x = %a0, indices = %a1) {axis = 1, batch_dims = 1}",
     np.stack([bx[i][ids2[i]] for i in range(2)]))
case("cast_to_int", [x * 3], "mil.cast(x = %a0) {dtype = \"int32\"}", np.trunc(x * 3).astype(np.int32),
     rtype="i32")
case("cast_to_fp16", [x], "mil.cast(x = %a0) {dtype = \"fp16\"}", x.astype(np.float16).astype(np.float32),
     rtype="f16", tol=1e-3)
# Compression.
q8 = rng.integers(-128, 128, (4, 6)).astype(np.int8)
zp = np.array([1, -2, 0, 3], np.int8)
sc = np.array([0.5, 0.25, 2.0, 1.0], np.float32)
case("affine_dequantize_per_channel", [q8, zp, sc],
     "mil.constexpr_affine_dequantize(quantized_data = %a0, zero_point = %a1, scale = %a2) {axis = 0}",
     (q8.astype(np.float32) - zp[:, None]) * sc[:, None])
idx4 = rng.integers(0, 16, (4, 6)).astype(np.uint8)
luts = rng.standard_normal((2, 1, 16, 1)).astype(np.float32)
case("lut_to_dense_ios18_grouped", [idx4, luts], "mil.constexpr_lut_to_dense(indices = %a0, lut = %a1)",
     np.stack([luts[r // 2, 0, idx4[r], 0] for r in range(4)]), types=["ui4", None])
vidx = rng.integers(0, 2, (3, 2)).astype(np.uint8)
vlut = rng.standard_normal((1, 1, 2, 2)).astype(np.float32)
case("lut_to_dense_ios18_vector", [vidx, vlut],
     "mil.constexpr_lut_to_dense(indices = %a0, lut = %a1) {vector_axis = 1}",
     vlut[0, 0][vidx].reshape(3, 4), types=["ui1", None])
d4 = rng.integers(-8, 8, (4, 6)).astype(np.int8)
bsc = rng.standard_normal((2, 3)).astype(np.float32)
boff = rng.integers(-8, 8, (2, 3)).astype(np.int8)
case("blockwise_shift_scale", [d4, bsc, boff],
     "mil.constexpr_blockwise_shift_scale(data = %a0, scale = %a1, offset = %a2)",
     np.repeat(np.repeat(bsc, 2, 0), 2, 1) * (d4 - np.repeat(np.repeat(boff, 2, 0), 2, 1)),
     types=["i4", None, "i4"])
case("dequantize", [q8, np.array(0.5, np.float32)], "mil.dequantize(input = %a0, scale = %a1)",
     q8.astype(np.float32) * 0.5)
h = x.astype(np.float16).astype(np.float32)
case("constexpr_cast", [h], "mil.constexpr_cast(source_val = %a0) {output_dtype = \"fp32\"}", h,
     types=["f16"])

# Parameters MIL requires to be const at compile time (weights, scales,
# LUTs): written as mil.const in the function, not passed as inputs.
CONSTS = {"linear": [1, 2], "layer_norm": [1, 2], "lut_to_dense_ios16": [0, 1],
          "quantize": [1], "affine_dequantize_per_channel": [0, 1, 2],
          "lut_to_dense_ios18_grouped": [0, 1], "lut_to_dense_ios18_vector": [0, 1],
          "blockwise_shift_scale": [0, 1, 2], "dequantize": [1], "constexpr_cast": [0]}


literal = dense_literal


failed = 0
for name, ins, body, expected, tol, types, rtype in cases:
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    types = types or [None] * len(ins)
    consts = CONSTS.get(name, [])
    all_types = [T(a, t) for a, t in zip(ins, types)]
    in_types = [t for i, t in enumerate(all_types) if i not in consts]
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(all_types) if i not in consts)
    const_lines = "".join(f"  %a{i} = mil.const {literal(ins[i])} : {all_types[i]}\n"
                          for i in consts)
    files = []
    for i, a in enumerate(ins):
        if i in consts:
            continue
        files.append(os.path.join(d, f"in{i}.npy"))
        np.save(files[-1], a)
    element = {None: None, "unary": None}.get(rtype, rtype)
    if expected.dtype == np.int8 and element is None:
        element = "i8"
    etype = T(expected.astype(np.float32), element)
    sig = f"{etype}" if rtype == "unary" else f"({', '.join(all_types)}) -> {etype}"
    if body.startswith("mil.topk"):
        # Both results typed; the values or the indices returned.
        k_shape = expected.shape
        vals, idx = T(np.zeros(k_shape, np.float32)), T(np.zeros(k_shape, np.int32))
        pick = 1 if name == "topk_indices" else 0
        text = (f"func.func @main({args}) -> {etype} {{\n"
                f"  %0:2 = {body} : ({', '.join(all_types)}) -> ({vals}, {idx})\n"
                f"  return %0#{pick} : {etype}\n}}\n")
    elif body.startswith("mil.split"):
        # Only the second part is returned.
        first = T(x[:, :, :3])
        text = (f"func.func @main({args}) -> {etype} {{\n"
                f"  %0:2 = {body} : ({', '.join(all_types)}) -> ({first}, {etype})\n"
                f"  return %0#1 : {etype}\n}}\n")
    else:
        text = (f"func.func @main({args}) -> {etype} {{\n" + const_lines +
                f"  %0 = {body} : {sig}\n"
                f"  return %0 : {etype}\n}}\n")
    if "ios16" in name:
        # The iOS16 form of an op is valid in an iOS16 program only.
        text = f"module attributes {{mil.opset = \"ios16\"}} {{\n{text}}}\n"
    path = os.path.join(d, "op.mlir")
    open(path, "w").write(text)
    p = subprocess.run([anec_run, path] + [f"--input={f}" for f in files]
                       + [f"--output-dir={d}"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL {name}: anec-run failed: {p.stderr.strip()}")
        failed += 1
        continue
    got = np.load(os.path.join(d, "0-main-0.npy")).astype(np.float64)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=tol, atol=tol):
        print(f"FAIL {name}: max error {np.abs(got.astype(np.float64) - expected).max() if got.shape == expected.shape else 'shape ' + str(got.shape)}")
        failed += 1
    else:
        print(f"ok {name}")
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
