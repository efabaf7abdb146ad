#!/usr/bin/python3
"""`anec compile` of a Llama-3.2-1B-shaped checkpoint against the I/O floor.

Writes (once, cached) synthetic Hugging Face checkpoints with the exact
shapes of Llama-3.2-1B (../shared/models/Llama-3.2-1B/config.json, BF16
safetensors, seeded weights) at 16 layers and, for the layer-count curve, 4
and 8. Then, with the checkpoint in the page cache, it measures:

  I/O floor   reading the checkpoint once (cat to /dev/null) plus writing a
              file of each output's size (dd from /dev/zero), in this run;
              every timed step (each dd, each compile) starts from the same
              state: checkpoint cached, output-sized memory recently used,
              no dirty pages (see settle());
  compile     `anec compile` per --weights mode (fp16, int8, lut4 per
              32-channel group, mixed:3.5): wall and CPU time, peak RSS,
              output size, the driver's step times and MLIR's per-pass
              times (the slowest passes), wall time as a ratio to the
              floor, and the partitioner's decode estimate for the default
              target (M4, cpu_and_ne);
  curve       fp16 compile time against layer count (4, 8, 16), best of
              two runs each, with a least-squares line.

  /usr/bin/python3 utils/bench-compile.py [--build build] [--cache DIR]
      [--modes fp16,int8,lut4,mixed:3.5] [--quick]

--quick runs the built-in tiny model through every mode for correctness
(the test suite runs it); its times mean nothing and are not judged.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def run_measured(cmd):
    """Runs cmd; returns (wall s, cpu s, its own peak RSS MiB, stderr)."""
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def path_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def checkpoint(build, cache, layers):
    path = os.path.join(cache, f"llama-3.2-1b-{layers}l")
    if not os.path.exists(os.path.join(path, "config.json")):
        os.makedirs(cache, exist_ok=True)
        cmd = [os.path.join(build, "bin", "anec-translate"), "--quiet", "--make-synthetic-model",
               path, "--from-config", os.path.join(SHARED, "models", "Llama-3.2-1B", "config.json")]
        if layers != 16:
            cmd.append(f"--layers={layers}")
        print(f"writing the {layers}-layer checkpoint to {path} (once)", flush=True)
        subprocess.run(cmd, check=True)
    return path


def read_floor(path):
    files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
    for f in files:  # warm the page cache, as the compiles will find it
        subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)
    t0 = time.perf_counter()
    for f in files:
        subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def settle(model, nbytes, tmp):
    """The same starting point for every timed step: the checkpoint in the
    page cache, memory for `nbytes` of output recently used (this machine
    hands freed memory back to its host, and the first touch of memory the
    host has taken back costs more than the write itself), and no dirty
    pages left to throttle the step."""
    for d, _, fs in os.walk(model):
        for f in fs:
            subprocess.run(["cat", os.path.join(d, f)], stdout=subprocess.DEVNULL, check=True)
    warm = os.path.join(tmp, "warm.bin")
    subprocess.run(["dd", "if=/dev/zero", f"of={warm}", "bs=1M", f"count={max(1, nbytes >> 20)}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    os.remove(warm)
    os.sync()


def write_floor(nbytes, tmp, model):
    target = os.path.join(tmp, "floor.bin")
    mib = max(1, nbytes >> 20)
    settle(model, nbytes, tmp)
    t0 = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={mib}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    seconds = time.perf_counter() - t0
    os.remove(target)
    return seconds


def slowest_passes(stderr, n=3):
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"\s+[\d.]+ \(\s*[\d.]+%\)\s+([\d.]+) \(\s*[\d.]+%\)\s+(\S.*)$", line)
        if m and m.group(2).strip() not in ("Total", "Rest") and "Pipeline" not in m.group(2):
            rows.append((float(m.group(1)), m.group(2).strip()))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {secs:.1f}s" for secs, name in rows[:n])


def compile_once(build, model, mode, tmp, extra=()):
    out = os.path.join(tmp, f"out-{mode.replace(':', '_')}.mlpackage")
    report = os.path.join(tmp, "report.json")
    cmd = [os.path.join(build, "bin", "anec"), "compile", model, "-o", out, f"--weights={mode}",
           "--quiet", "--pass-timing", f"--report={report}", *extra]
    # Outputs are at most 1.3x the checkpoint (fp16 of BF16, the LM head's
    # slices once more in a second package).
    settle(model, int(1.3 * path_bytes(model)), tmp)
    wall, cpu, rss, err = run_measured(cmd)
    rep = json.load(open(report))
    outputs = rep["outputs"]
    size = sum(path_bytes(o) for o in outputs)
    steps = {s["step"]: s["seconds"] for s in rep["steps"]}
    for o in outputs:
        shutil.rmtree(o, ignore_errors=True)
    return dict(mode=mode, wall=wall, cpu=cpu, rss=rss, size=size, steps=steps,
                passes=slowest_passes(err), bpw=rep["size"]["bits_per_weight"],
                estimate=rep["partition"]["estimate"].get("decode_tokens_per_s"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--cache", default=os.environ.get(
        "ANEC_BENCH_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "anec-bench")))
    p.add_argument("--modes", default="fp16,int8,lut4,mixed:3.5")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            model = os.path.join(tmp, "tiny")
            subprocess.run([os.path.join(args.build, "bin", "anec-translate"), "--quiet",
                            "--make-tiny-model", model], check=True)
            curve = []
        else:
            model = checkpoint(args.build, args.cache, 16)
            curve = [checkpoint(args.build, args.cache, n) for n in (4, 8)] + [model]
        in_bytes = path_bytes(model)
        read_s = read_floor(model)
        print(f"input {model}: {in_bytes / 2**30:.2f} GiB, read once (warm cache) {read_s:.2f} s")
        print(f"{'weights':<10} {'wall s':>7} {'cpu s':>7} {'RSS MiB':>8} {'out MiB':>8} "
              f"{'bits/w':>6} {'floor s':>7} {'x floor':>7} {'import':>7} {'passes':>7} "
              f"{'export':>7} {'est tok/s':>9}  slowest passes")
        results = []
        for mode in modes:
            r = compile_once(args.build, model, mode, tmp)
            floor = read_s + write_floor(r["size"], tmp, model)
            r["floor"] = floor
            results.append(r)
            print(f"{mode:<10} {r['wall']:>7.2f} {r['cpu']:>7.2f} {r['rss']:>8.0f} "
                  f"{r['size'] / 2**20:>8.0f} {r['bpw']:>6.2f} {floor:>7.2f} "
                  f"{r['wall'] / floor:>7.1f} {r['steps'].get('import', 0):>7.2f} "
                  f"{r['steps'].get('pipeline', 0):>7.2f} {r['steps'].get('export', 0):>7.2f} "
                  f"{r['estimate'] or 0:>9.1f}  {r['passes']}", flush=True)
        if curve:
            print("\nfp16 compile time against layer count (best of two):")
            print(f"{'layers':>6} {'weights GiB':>11} {'wall s':>7} {'s per layer':>11}")
            points = []
            for n, m in zip((4, 8, 16), curve):
                r = min((compile_once(args.build, m, "fp16", tmp) for _ in range(2)),
                        key=lambda r: r["wall"])
                points.append((n, r["wall"]))
                print(f"{n:>6} {path_bytes(m) / 2**30:>11.2f} {r['wall']:>7.2f} "
                      f"{r['wall'] / n:>11.2f}", flush=True)
            # Linear growth: a least-squares line through the points; the
            # intercept is what every size pays (embedding, LM head, start).
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            slope = (sum((x - mx) * (y - my) for x, y in points) /
                     sum((x - mx) ** 2 for x in xs))
            icpt = my - slope * mx
            worst = max(abs(y - (icpt + slope * x)) / y for x, y in points)
            print(f"linear fit: {icpt:.2f} s + {slope:.3f} s per layer; "
                  f"largest deviation from the line {100 * worst:.1f}%")
        if args.quick:
            bad = [r["mode"] for r in results if r["size"] == 0 or r["bpw"] <= 0]
            print("ok: every mode compiled" if not bad else f"FAIL: {bad}")
            return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
