#!/usr/bin/env python3
"""Checks that a tied model's packages store each weight once: the weight
files of the int8 and int8-per-channel packages hold at most 0.56 of the
fp16 package's bytes, lut4 at most 0.31, and each --quant-report's
"written" size is the file on disk.

Usage: tied_storage.py DIR   (DIR holds fp16/int8/int8-per-channel/lut4
.mlpackage and their .json reports)"""
import json
import os
import sys

folder = sys.argv[1]


def weight_file(package):
    total = 0
    for root, _, files in os.walk(package):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.endswith(".bin"))
    return total


fp16 = weight_file(os.path.join(folder, "fp16.mlpackage"))
bad = 0
for mode, bound in (("int8", 0.56), ("int8-per-channel", 0.56), ("lut4", 0.31)):
    size = weight_file(os.path.join(folder, mode + ".mlpackage"))
    report = json.load(open(os.path.join(folder, mode + ".json")))
    written = report["written"]["weight_file_bytes"]
    ratio = size / fp16
    ok = ratio <= bound and written == size
    bad += not ok
    print(f"{mode}: {size} bytes, {ratio:.3f} of fp16 (bound {bound}), report says {written}: "
          f"{'ok' if ok else 'FAIL'}")
sys.exit(1 if bad else 0)
