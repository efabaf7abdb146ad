#!/usr/bin/env python3
"""Drives kv-cache.mlir: prefill 4 tokens, decode 2, and compare with the
whole sequence at once and with numpy. Usage: ANEC_RUN MODULE WORKDIR"""
import os
import subprocess
import sys

import numpy as np

anec_run, module, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(3)
D, CTX, P, N = 8, 8, 4, 6
# Core ML states hold fp16, so the program is fp16 throughout: weights and
# inputs are fp16 values (numpy computes on the same values in fp32).
wq, wk, wv = ((rng.standard_normal((D, D)) / np.sqrt(D)).astype(np.float16).astype(np.float32)
              for _ in range(3))
x = rng.standard_normal((1, N, D)).astype(np.float16).astype(np.float32)


def blob(a):
    return '"0x' + (np.uint32(2).tobytes() + a.astype(np.float16).tobytes()).hex().upper() + '"'


text = open(module).read() + "\n{-#\n  dialect_resources: {\n    builtin: {\n" + \
    ",\n".join(f"      {n}: {blob(a)}" for n, a in (("wq", wq), ("wk", wk), ("wv", wv))) + \
    "\n    }\n  }\n#-}\n"
path = os.path.join(work, "kv.mlir")
open(path, "w").write(text)

NEG = -1e4


def save(name, a):
    p = os.path.join(work, name + ".npy")
    np.save(p, a.astype(np.float16) if a.dtype == np.float32 else a)
    return p


def causal(rows, cols, offset):
    # Row r sees cache positions <= offset + r.
    return np.where(np.arange(cols)[None, :] <= offset + np.arange(rows)[:, None], 0, NEG).astype(np.float32)


calls = [f"--call=prefill:{save('xp', x[:, :P])},{save('mp', causal(P, CTX, 0))}"]
for t in range(P, N):
    calls.append("--call=decode:" + ",".join([
        save(f"x{t}", x[:, t:t + 1]), save(f"b{t}", np.array([0, t, 0], np.int32)),
        save(f"e{t}", np.array([1, t + 1, D], np.int32)), save(f"m{t}", causal(1, CTX, t))]))
calls.append(f"--call=full:{save('xf', x)},{save('mf', causal(N, N, 0))}")
p = subprocess.run([anec_run, path, f"--output-dir={work}"] + calls, capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"anec-run failed: {p.stderr}")
out = lambda i, fn: np.load(os.path.join(work, f"{i}-{fn}-0.npy"))
full = out(len(calls) - 1, "full")
stepwise = np.concatenate([out(0, "prefill")] + [out(i, "decode") for i in range(1, N - P + 1)], axis=1)

# numpy reference of causal single-head attention.
q, k, v = x @ wq.T, x @ wk.T, x @ wv.T
s = q @ k.transpose(0, 2, 1) / np.sqrt(D) + causal(N, N, 0)
e = np.exp(s - s.max(-1, keepdims=True))
ref = (e / e.sum(-1, keepdims=True)) @ v

err_steps = np.abs(stepwise - full).max()
err_ref = np.abs(full - ref).max()
print(f"prefill+decode vs full: max abs {err_steps:.3g}; full vs numpy: max abs {err_ref:.3g}")
ok = err_steps < 1e-5 and err_ref < 1e-5
print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
sys.exit(0 if ok else 1)
