#!/usr/bin/env python3
"""Benchmark of the reference interpreter: one Llama-3.2-1B decoder layer
(hidden 2048, 32 heads, 8 KV heads, MLP 8192, context 512), decode (1 token)
and a 64-token prefill, next to the same matmuls done by numpy in this
process. Usage: utils/bench-interpreter.py [BUILD_DIR]   (Debian's python3)

The checkpoint is synthetic (seeded weights, real shapes; vocabulary cut to
2048 so the layer, not the LM head, is measured) and cached in BUILD_DIR.
"""
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build")
bench = os.path.join(build, "bench")
ckpt = os.path.join(bench, "llama-3.2-1b-1layer")
module = os.path.join(bench, "llama-3.2-1b-1layer.mlirbc")
tr = os.path.join(build, "bin", "anec-translate")
run = os.path.join(build, "bin", "anec-run")
os.makedirs(bench, exist_ok=True)
if not os.path.exists(os.path.join(ckpt, "model.safetensors")):
    subprocess.run([tr, "--quiet", "--make-synthetic-model", ckpt, "--from-config",
                    os.path.join(root, "..", "shared", "models", "Llama-3.2-1B", "config.json"),
                    "--layers=1", "--vocab=2048"], check=True)
if not os.path.exists(module):
    subprocess.run([tr, "--quiet", "--import-hf", ckpt, "--prefill=64", "--context=512",
                    "--emit-bytecode", "-o", module], check=True)

REPS = 5
calls = ["--call=prefill"] * (REPS + 1) + ["--call=decode"] * (REPS + 1)
out = subprocess.run([run, module, "--time", "--int-max=448"] + calls,
                     check=True, capture_output=True, text=True).stdout
times = {"prefill": [], "decode": []}
for fn, ms in re.findall(r"^(\w+) time ([0-9.]+) ms", out, re.M):
    times[fn].append(float(ms))
# The first call of each function decodes the weights (cached afterwards).
anec = {fn: statistics.median(t[1:]) for fn, t in times.items()}
first = {fn: t[0] for fn, t in times.items()}

H, F, KV, D = 2048, 8192, 8, 64
rng = np.random.default_rng(0)
weights = [rng.standard_normal(s, dtype=np.float32) for s in
           [(H, H), (KV * D, H), (KV * D, H), (H, H), (F, H), (F, H), (H, F)]]


def numpy_layer_matmuls(tokens):
    x = rng.standard_normal((tokens, H), dtype=np.float32)
    y = rng.standard_normal((tokens, F), dtype=np.float32)
    best = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for w in weights[:6]:
            x @ w.T
        y @ weights[6].T
        best.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(best)


peer = {"prefill": numpy_layer_matmuls(64), "decode": numpy_layer_matmuls(1)}
print(f"{'call':<10}{'anec-run (ms)':>15}{'first call (ms)':>17}{'numpy matmuls (ms)':>20}{'ratio':>8}")
for fn in ("decode", "prefill"):
    print(f"{fn:<10}{anec[fn]:>15.1f}{first[fn]:>17.1f}{peer[fn]:>20.1f}{anec[fn] / peer[fn]:>8.2f}")
