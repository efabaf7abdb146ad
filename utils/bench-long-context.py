#!/usr/bin/python3
"""Long contexts at real shapes: `anec compile` of Llama-3.2-1B and
Gemma-3-270M shaped checkpoints (synthetic, seeded weights with the exact
shapes of ../shared/models/*/config.json, written once to the cache) at a
range of contexts, each package loaded by Apple's reader (ct-load).

Per context it prints: compile wall time and peak RSS, the KV state the
program keeps (bytes, from the package's anec.state), Gemma's rotation
(anec.prefill_tail = decode once the context passes the 512-position
window), the partitioner's decode and prefill estimate for the default
target (M4, cpu_and_ne; an estimate from the target's figures, not a
measurement), and whether ct-load accepted the package.

  /usr/bin/python3 utils/bench-long-context.py [--build build] [--cache DIR]
      [--weights lut4] [--quick]

--quick runs a tiny Gemma 3 (window 512) at 512 and 2048 and a tiny Llama
at 8192 instead: a correctness run, its times mean nothing.
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


def synthetic(build, cache, name):
    path = os.path.join(cache, name.lower())
    if not os.path.exists(os.path.join(path, "config.json")):
        os.makedirs(cache, exist_ok=True)
        print(f"writing the {name} checkpoint to {path} (once)", flush=True)
        subprocess.run([os.path.join(build, "bin", "anec-translate"), "--quiet",
                        "--make-synthetic-model", path, "--from-config",
                        os.path.join(SHARED, "models", name, "config.json")], check=True)
    return path


def tiny(build, tmp, arch):
    path = os.path.join(tmp, arch)
    subprocess.run([sys.executable, os.path.join(ROOT, "test", "import", "make_checkpoint.py"),
                    arch, "F16", path, "--untied"], check=True)
    return path


def compile_at(build, model, out, context, prefill, weights):
    cmd = [os.path.join(build, "bin", "anec"), "compile", model, "-o", out,
           f"--context={context}", f"--prefill={prefill}", f"--weights={weights}"]
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"compile failed at context {context}:\n{output}")
    estimate = re.search(r"estimate\s+decode ([\d.]+) tokens/s, prefill of (\d+) tokens ([\d.]+) ms",
                         output)
    return wall, usage.ru_maxrss / 1024, estimate


def state_bytes(out):
    manifest = json.load(open(out[:-len(".mlpackage")] + ".interface.json"))
    meta = manifest["packages"][0]["metadata"]
    states = json.loads(meta["anec.state"])["states"]
    total = 0
    for s in states:
        n = 1
        for d in s["shape"]:
            n *= d
        total += n * 2
    return total, meta.get("anec.prefill_tail", "?")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--cache", default=os.environ.get(
        "ANEC_BENCH_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "anec-bench")))
    p.add_argument("--weights", default="lut4")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    ct_load = os.path.join(SHARED, "validators", "ct-load")
    tmp = tempfile.mkdtemp(prefix="anec-long-")
    try:
        if args.quick:
            runs = [("Gemma 3 (tiny)", tiny(args.build, tmp, "gemma3"), [512, 2048], 64),
                    ("Llama (tiny)", tiny(args.build, tmp, "llama"), [8192], 64)]
        else:
            runs = [("Llama-3.2-1B", synthetic(args.build, args.cache, "Llama-3.2-1B"),
                     [512, 2048, 4096, 8192], 64),
                    ("Gemma-3-270M", synthetic(args.build, args.cache, "Gemma-3-270M"),
                     [512, 2048, 8192], 64)]
        print(f"{'model':<16}{'context':>8}{'compile s':>11}{'peak MiB':>10}{'KV MiB':>8}"
              f"{'tail':>8}{'decode tok/s':>14}{'prefill ms':>12}  ct-load")
        failures = 0
        for name, model, contexts, prefill in runs:
            for context in contexts:
                out = os.path.join(tmp, f"m{context}.mlpackage")
                wall, rss, est = compile_at(args.build, model, out, context, prefill,
                                            args.weights)
                kv, tail = state_bytes(out)
                loaded = "not run (no ../shared)"
                if os.path.exists(ct_load):
                    r = subprocess.run([ct_load, out], capture_output=True, text=True)
                    loaded = "loaded" if r.returncode == 0 else "REJECTED: " + r.stderr.strip()[-200:]
                    failures += r.returncode != 0
                print(f"{name:<16}{context:>8}{wall:>11.2f}{rss:>10.0f}{kv / 2**20:>8.1f}"
                      f"{tail:>8}{float(est.group(1)) if est else float('nan'):>14.1f}"
                      f"{float(est.group(3)) if est else float('nan'):>12.2f}  {loaded}",
                      flush=True)
                shutil.rmtree(out, ignore_errors=True)
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
