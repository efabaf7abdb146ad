#!/usr/bin/env python3
"""Kills `anec compile` with SIGKILL at several moments of a rewrite and
checks the output is always a whole package (the previous or the new one).
Usage: kill_mid_write.py MODEL_DIR OUT.mlpackage"""
import os
import signal
import subprocess
import sys
import time

model, out = sys.argv[1:3]


def whole():
    """The package reads back completely: manifest, model and every weight."""
    if not os.path.exists(out):
        return False
    p = subprocess.run(["anec-translate", "--import-mlpackage", out, "-o", os.devnull],
                       capture_output=True, text=True)
    return p.returncode == 0


cmd = ["anec", "compile", model, "-o", out, "--quiet"]
subprocess.run(cmd, check=True)
assert whole(), "the first write is not readable"
print("first write complete")
for delay in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6):
    p = subprocess.Popen(cmd)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()
    if not whole():
        print(f"after a kill at {delay} s the output is not a whole package")
        sys.exit(1)
print("6 kills: output whole after every one")
