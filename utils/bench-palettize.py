#!/usr/bin/python3
"""anec's palettizer against scikit-learn and a textbook optimum.

Three comparisons on the same fp16 tensors, each reported as MSE and time
ratios (anec's kernel runs in anec-palettize-bench, single-threaded unless
--workers says otherwise):

  optimality  small tensors (real weight slices and synthetic shapes): anec's
              k-means objective against a textbook O(k n^2) dynamic program
              over the sorted distinct values, the proof that it is optimal;
              scikit-learn beside them.
  sklearn     tensors with Llama-3.2-1B's shapes (seeded synthetic) and the
              real trained weights of ../shared/data/use-lite, per tensor and
              per group of 8 output channels: scikit-learn's KMeans as
              coremltools calls it (k-means++, n_init 1, tol 1e-2) against
              anec. MSE counts the stored fp16 LUT, nearest entry, for both.
  full        (with --llama-1b CHECKPOINT) every weight of a Llama-3.2-1B
              checkpoint, LUT4 per 8 channels, on --workers threads.

  /usr/bin/python3 utils/bench-palettize.py [--build build] [--quick]
      [--llama-1b DIR] [--workers N]

--quick runs a small version for the test suite and exits 1 when anec is
not optimal or is beaten by scikit-learn (never judged on time).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.cluster import KMeans

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_np import read_safetensors, write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def rows_per_lut(rows, group_size):
    """anec's rule (lib/Compression/Palettize.cpp): groups tile the rows."""
    if group_size == 0:
        return rows
    limit = min(group_size, rows)
    for d in range(limit, 0, -1):
        if rows % d == 0:
            return d if d * 4 >= limit else rows
    return rows


def groups_of(a, group_size, max_groups):
    rows = a.shape[0]
    g = rows_per_lut(rows, group_size)
    flat = a.reshape(rows, -1)
    count = rows // g
    if max_groups:
        count = min(count, max_groups)
    return [flat[i * g:(i + 1) * g].reshape(-1) for i in range(count)]


def stored_lut_sse(values, centers):
    """Squared error with the LUT stored as fp16, each value to its nearest."""
    lut = np.sort(np.asarray(centers, np.float64).astype(np.float16).astype(np.float64))
    v = values.astype(np.float64)
    idx = np.clip(np.searchsorted(lut, v), 1, len(lut) - 1)
    lo, hi = lut[idx - 1], lut[idx]
    return float(np.minimum((v - lo) ** 2, (v - hi) ** 2).sum())


def sklearn_kmeans(values, k):
    """coremltools' fallback: KMeans(k-means++, n_init=1, tol=1e-2)."""
    v = values.astype(np.float64).reshape(-1, 1)
    distinct = np.unique(v)
    if len(distinct) <= k:
        return distinct
    km = KMeans(n_clusters=k, init="k-means++", n_init=1, tol=1e-2, random_state=0).fit(v)
    return km.cluster_centers_.reshape(-1)


def textbook_optimum(values, k):
    """The minimum of sum (x - centroid)^2 over partitions of the sorted
    distinct values into k contiguous clusters: D[l][i] = min_j D[l-1][j] +
    cost(j, i), every j tried (O(k n^2)), no monotonicity assumed."""
    x, w = np.unique(values.astype(np.float64), return_counts=True)
    w = w.astype(np.float64)
    n = len(x)
    if n <= k:
        return 0.0
    cw = np.concatenate([[0], np.cumsum(w)])
    cx = np.concatenate([[0], np.cumsum(w * x)])
    cxx = np.concatenate([[0], np.cumsum(w * x * x)])

    def cost(j, i):  # arrays j < i: SSE of values [j, i)
        sw = cw[i] - cw[j]
        sx = cx[i] - cx[j]
        return np.maximum(0.0, (cxx[i] - cxx[j]) - sx * sx / sw)

    prev = cost(np.zeros(n + 1, dtype=int)[1:], np.arange(1, n + 1))
    prev = np.concatenate([[np.inf], prev])  # prev[i]: 1 cluster over [0, i)
    for layer in range(1, k):
        cur = np.full(n + 1, np.inf)
        for i in range(layer + 1, n + 1):
            j = np.arange(layer, i)
            cur[i] = np.min(prev[j] + cost(j, np.full(len(j), i)))
        prev = cur
    return float(prev[n])


def run_anec(build, path, bits, group_size, workers, max_groups=0, min_elements=0):
    cmd = [os.path.join(build, "bin", "anec-palettize-bench"), path, f"--bits={bits}",
           f"--group-size={group_size}", f"--workers={workers}", "--json",
           f"--min-elements={min_elements}"]
    if max_groups:
        cmd.append(f"--max-groups={max_groups}")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {r["name"]: r for r in map(json.loads, out.splitlines())}


def optimality(build, quick, tmp):
    rng = np.random.default_rng(7)
    tensors = {}
    real = read_safetensors(os.path.join(SHARED, "data", "use-lite", "weights.safetensors"))
    for name in sorted(real)[: 4 if quick else 12]:
        a = real[name]
        if a.ndim == 2 and a.shape[0] >= 2:
            tensors["real:" + name] = a[:2, :min(a.shape[1], 256)]
    shapes = [(4, 64), (8, 48), (2, 300)] if quick else [(4, 64), (8, 48), (2, 300), (16, 40), (3, 200)]
    for i, (r, c) in enumerate(shapes):
        tensors[f"normal{i}"] = rng.normal(0, 0.02, (r, c)).astype(np.float16)
        tensors[f"laplace{i}"] = rng.laplace(0, 0.05, (r, c)).astype(np.float16)
        tensors[f"coarse{i}"] = rng.integers(-20, 20, (r, c)).astype(np.float16) / 8
    path = os.path.join(tmp, "small.safetensors")
    write_safetensors(path, tensors)
    rows, worst, bad = [], 0.0, 0
    for bits in ([2, 4] if quick else [2, 3, 4]):
        anec = run_anec(build, path, bits, 0, 1)
        for name, a in tensors.items():
            v = a.reshape(-1)
            n = v.size
            t0 = time.perf_counter()
            opt = textbook_optimum(v, 1 << bits) / n
            t_opt = time.perf_counter() - t0
            sk_sse = stored_lut_sse(v, sklearn_kmeans(v, 1 << bits)) / n
            mine = anec[name]["objective"]
            rel = abs(mine - opt) / opt if opt > 0 else abs(mine)
            worst = max(worst, rel)
            # anec's stored-LUT MSE against scikit-learn's, both fp16 LUTs.
            beaten = anec[name]["mse"] > sk_sse * (1 + 1e-9)
            if rel > 1e-9 or beaten:
                bad += 1
            rows.append((name, bits, n, len(np.unique(v)), opt, mine, rel,
                         anec[name]["mse"], sk_sse, t_opt))
    print("optimality: anec's k-means objective against a textbook O(k n^2) DP")
    print(f"{'tensor':<44} {'bits':>4} {'values':>6} {'distinct':>8} {'DP optimum':>12} "
          f"{'anec':>12} {'rel diff':>9} {'anec LUT MSE':>12} {'sklearn':>12}")
    for (name, bits, n, d, opt, mine, rel, amse, smse, _) in rows:
        print(f"{name[:44]:<44} {bits:>4} {n:>6} {d:>8} {opt:>12.5e} {mine:>12.5e} "
              f"{rel:>9.1e} {amse:>12.5e} {smse:>12.5e}")
    print(f"{len(rows)} problems: largest relative difference from the optimum {worst:.1e}; "
          f"{bad} not optimal or worse than scikit-learn\n")
    return bad


def llama_tensors(rng, layers):
    cfg = json.load(open(os.path.join(SHARED, "models", "Llama-3.2-1B", "config.json")))
    h, f = cfg["hidden_size"], cfg["intermediate_size"]
    d = cfg.get("head_dim", h // cfg["num_attention_heads"])
    kv = cfg["num_key_value_heads"] * d
    shapes = {"q_proj": (cfg["num_attention_heads"] * d, h), "k_proj": (kv, h),
              "v_proj": (kv, h), "o_proj": (h, cfg["num_attention_heads"] * d),
              "gate_proj": (f, h), "up_proj": (f, h), "down_proj": (h, f)}
    out = {}
    for name in layers:
        r, c = shapes[name]
        out["llama1b." + name] = rng.normal(0, 1 / np.sqrt(c), (r, c)).astype(np.float16)
    return out


def to_bf16(a):
    """fp16 values rounded to BF16 (nearest even), back in fp16."""
    bits = a.astype(np.float32).view(np.uint32)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.view(np.float32).astype(np.float16)


def versus_sklearn(build, quick, tmp, workers):
    rng = np.random.default_rng(3)
    real = read_safetensors(os.path.join(SHARED, "data", "use-lite", "weights.safetensors"))
    real = {"use-lite." + k: v for k, v in real.items() if v.ndim == 2 and v.size >= 2048}
    real_names = sorted(real)[: 2 if quick else 8]
    suites = []
    if quick:
        synth = llama_tensors(rng, ["k_proj"])
        synth = {k: v[:64] for k, v in synth.items()}  # 64 channels of one
        suites.append(("per tensor", 0, 0, {**synth, **{n: real[n] for n in real_names}}))
        suites.append(("per 8 channels", 8, 4, {**synth, **{n: real[n] for n in real_names}}))
    else:
        synth = llama_tensors(rng, ["q_proj", "k_proj", "v_proj", "down_proj"])
        suites.append(("per tensor", 0, 0, {**synth, **{n: real[n] for n in real_names}}))
        synth = llama_tensors(rng, list(["q_proj", "k_proj", "gate_proj", "down_proj"]))
        # Llama checkpoints ship in BF16: the same values rounded to BF16
        # first have ~5x fewer distinct fp16 values per group.
        synth["llama1b.q_proj.bf16"] = to_bf16(synth["llama1b.q_proj"])
        synth["llama1b.down_proj.bf16"] = to_bf16(synth["llama1b.down_proj"])
        suites.append(("per 8 channels", 8, 32, {**synth, **{n: real[n] for n in real_names}}))
    bad = 0
    for label, group, max_groups, tensors in suites:
        path = os.path.join(tmp, "cmp.safetensors")
        write_safetensors(path, tensors)
        for bits in ([4] if quick else [2, 4, 6]):
            anec = run_anec(build, path, bits, group, workers, max_groups)
            print(f"LUT{bits} {label}" + (f" (first {max_groups} groups of each tensor)" if max_groups else "")
                  + ": scikit-learn KMeans (k-means++, n_init 1, tol 1e-2) against anec")
            print(f"{'tensor':<58} {'values':>9} {'sklearn MSE':>12} {'anec MSE':>12} "
                  f"{'MSE ratio':>9} {'sklearn s':>9} {'anec s':>8} {'speed-up':>9}")
            tot_sk = tot_an = 0.0
            for name, a in tensors.items():
                gs = groups_of(a, group, max_groups)
                t0 = time.perf_counter()
                sse = sum(stored_lut_sse(g, sklearn_kmeans(g, 1 << bits)) for g in gs)
                t_sk = time.perf_counter() - t0
                n = sum(g.size for g in gs)
                r = anec[name]
                assert r["values"] == n, (name, r["values"], n)
                sk_mse = sse / n
                ratio = r["mse"] / sk_mse if sk_mse > 0 else 1.0
                if r["mse"] > sk_mse * (1 + 1e-9):
                    bad += 1
                tot_sk += t_sk
                tot_an += r["seconds"]
                print(f"{name[-58:]:<58} {n:>9} {sk_mse:>12.5e} {r['mse']:>12.5e} {ratio:>9.4f} "
                      f"{t_sk:>9.2f} {r['seconds']:>8.3f} {t_sk / max(r['seconds'], 1e-9):>8.0f}x")
            print(f"total: scikit-learn {tot_sk:.2f} s, anec {tot_an:.3f} s "
                  f"({tot_sk / max(tot_an, 1e-9):.0f}x)\n")
    return bad


def full_model(build, checkpoint, workers):
    cmd = [os.path.join(build, "bin", "anec-palettize-bench"), checkpoint, "--bits=4",
           "--group-size=8", f"--workers={workers}"]
    print("LUT4 per 8 channels, every weight of", checkpoint)
    print(" ".join(cmd))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    print(out.strip().splitlines()[-1] + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--llama-1b", help="a Llama-3.2-1B-shaped checkpoint folder")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bad = optimality(args.build, args.quick, tmp)
        bad += versus_sklearn(args.build, args.quick, tmp, args.workers)
    if args.llama_1b:
        full_model(args.build, args.llama_1b, max(args.workers, 2))
    if bad:
        print(f"FAIL: {bad} comparisons where anec was not optimal or lost to scikit-learn")
        return 1
    print("ok: anec optimal on every problem and never worse than scikit-learn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
