#!/usr/bin/env python3
"""Concurrent and interrupted writes of one output.

Usage: output_safety.py MODEL_DIR WORKDIR
- Two `anec compile` runs write the same package at once (fp16 and int8, so
  their packages differ): both end cleanly, and the package left is whole
  and byte for byte the one of one of the runs.
- A run interrupted with SIGINT at several moments leaves the previous
  package whole, and no temporary anywhere (the output's folder, TMPDIR).
Prints what it checked and closes with 'N passed, M failed'.
"""
import filecmp
import os
import signal
import subprocess
import sys
import time

model, work = sys.argv[1:3]
os.makedirs(work, exist_ok=True)
tmpdir = os.path.join(work, "tmp")
os.makedirs(tmpdir, exist_ok=True)
env = dict(os.environ, TMPDIR=tmpdir)
out = os.path.join(work, "out.mlpackage")
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok " if ok else "FAIL ") + what)
    passed += ok
    failed += not ok


def compile_cmd(path, weights):
    return ["anec", "compile", model, "-o", path, "--quiet", "--weights", weights]


def whole(path):
    p = subprocess.run(["anec-translate", "--import-mlpackage", path, "-o", os.devnull],
                       capture_output=True, text=True)
    return p.returncode == 0


def same_package(a, b):
    model_file = os.path.join("Data", "com.apple.CoreML", "model.mlmodel")
    weights = os.path.join("Data", "com.apple.CoreML", "weights", "weight.bin")
    return all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)
               for f in (model_file, weights, "Manifest.json"))


def leftovers():
    found = [f for f in os.listdir(work) if ".anec-" in f or f.endswith((".tmp", ".old"))]
    found += os.listdir(tmpdir)
    return found


refs = {}
for w in ("fp16", "int8"):
    refs[w] = os.path.join(work, f"ref-{w}.mlpackage")
    subprocess.run(compile_cmd(refs[w], w), check=True, env=env)

# Concurrent writers.
for round_ in range(3):
    runs = [subprocess.Popen(compile_cmd(out, w), env=env, stderr=subprocess.PIPE, text=True)
            for w in ("fp16", "int8")]
    codes = [r.wait() for r in runs]
    errors = [r.stderr.read().strip() for r in runs]
    check(codes == [0, 0], f"round {round_}: both concurrent runs succeed {codes} {errors}")
    check(whole(out) and any(same_package(out, r) for r in refs.values()),
          f"round {round_}: the package is whole and one run's")
    check(not leftovers(), f"round {round_}: nothing left beside it {leftovers()}")

# Interrupted rewrites.
subprocess.run(compile_cmd(out, "fp16"), check=True, env=env)
for delay in (0.05, 0.15, 0.3, 0.6):
    p = subprocess.Popen(compile_cmd(out, "int8"), env=env)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    p.wait()
    check(whole(out) and any(same_package(out, r) for r in refs.values()),
          f"SIGINT at {delay} s: the package is whole")
    check(not leftovers(), f"SIGINT at {delay} s: no temporary left {leftovers()}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
