#!/usr/bin/env python3
"""Runs anec-run's comparison of REFERENCE against PLAIN and SCALED and says
which tracks it closer (mean KL over the same prefill and decode calls):
compare_kl.py REFERENCE PLAIN SCALED"""
import re
import subprocess
import sys

reference, plain, scaled = sys.argv[1:4]


def kl(candidate):
    out = subprocess.run(["anec-run", reference, f"--compare={candidate}", "--test-mode=fp16",
                          "--logits", "--llm-inputs", "--int-max=8001", "--call=prefill",
                          "--call=decode"], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"^overall .* kl ([0-9.e+-]+)", out, re.M).group(1))


a, b = kl(plain), kl(scaled)
print(f"plain KL {a:.4g}, scaled KL {b:.4g}")
print("per-channel scale: " + ("lower KL" if b < a else "higher KL"))
