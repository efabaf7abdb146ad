#!/usr/bin/env python3
"""Checks anec-run's op semantics against numpy, computed independently.

Each case is a one-op mil function, inputs written as .npy, and the numpy
expression that defines the op. Usage: check_ops.py ANEC_RUN WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

rng = np.random.default_rng(7)
anec_run, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def T(a):
    dt = {np.float32: "f32", np.int32: "i32", np.uint8: "ui8"}[a.dtype.type]
    return "tensor<" + "".join(f"{d}x" for d in a.shape) + dt + ">"


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


cases = []


def case(name, inputs, body, expected, tol=1e-5):
    cases.append((name, inputs, body, expected, tol))


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
case("gelu_tanh", [x], "mil.gelu(x = %a0) {mode = \"TANH_APPROXIMATION\"}",
     0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))))

failed = 0
for name, ins, body, expected, tol in cases:
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    args = ", ".join(f"%a{i}: {T(a)}" for i, a in enumerate(ins))
    files = []
    for i, a in enumerate(ins):
        files.append(os.path.join(d, f"in{i}.npy"))
        np.save(files[-1], a)
    etype = T(expected.astype(np.float32)) if expected.dtype != np.int8 else \
        "tensor<" + "".join(f"{s}x" for s in expected.shape) + "i8>"
    in_types = ", ".join(T(a) for a in ins)
    text = (f"func.func @main({args}) -> {etype} {{\n"
            f"  %0 = {body} : ({in_types}) -> {etype}\n"
            f"  return %0 : {etype}\n}}\n")
    if body.startswith("mil.gelu"):
        text = text.replace(f" : ({in_types}) -> {etype}", f" : {etype}")
    path = os.path.join(d, "op.mlir")
    open(path, "w").write(text)
    p = subprocess.run([anec_run, path] + [f"--input={f}" for f in files]
                       + [f"--output-dir={d}"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL {name}: anec-run failed: {p.stderr.strip()}")
        failed += 1
        continue
    got = np.load(os.path.join(d, "0-main-0.npy"))
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=tol, atol=tol):
        print(f"FAIL {name}: max error {np.abs(got.astype(np.float64) - expected).max() if got.shape == expected.shape else 'shape ' + str(got.shape)}")
        failed += 1
    else:
        print(f"ok {name}")
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
