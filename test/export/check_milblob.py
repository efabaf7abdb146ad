#!/usr/bin/env python3
"""Checks a written MIL text + weight blob byte by byte against the format
(coreml-format.md §3) and the checkpoint it came from.
Usage: check_milblob.py PACKAGE_DIR CHECKPOINT_DIR"""
import json
import os
import re
import struct
import sys

import numpy as np

pkg, ckpt = sys.argv[1:3]
mil = open(os.path.join(pkg, "model.mil")).read()
blob = open(os.path.join(pkg, "weights", "weight.bin"), "rb").read()
errors = []

count, version = struct.unpack_from("<II", blob, 0)
if version != 2:
    errors.append(f"version {version} != 2")
if any(blob[8:64]):
    errors.append("reserved header bytes are not zero")
DTYPES = {"fp16": (1, 2), "fp32": (2, 4), "uint8": (3, 1), "int8": (4, 1)}
refs = {}
for m in re.finditer(r"tensor<(\w+), \[([0-9, ]*)\]>\(BLOBFILE\(path = string\(\"@model_path/weights/weight.bin\"\), offset = uint64\((\d+)\)\)\)", mil):
    dtype, dims, off = m.group(1), [int(d) for d in m.group(2).split(",") if d.strip()], int(m.group(3))
    refs[off] = (dtype, dims)
if len(refs) != count:
    errors.append(f"header counts {count} blobs, model.mil references {len(refs)} distinct ones")
pos = 64
for off in sorted(refs):
    dtype, dims = refs[off]
    if off % 64:
        errors.append(f"metadata at {off} is not 64-byte aligned")
    sentinel, code, size, data, pad = struct.unpack_from("<IIQQQ", blob, off)
    n = int(np.prod(dims))
    if sentinel != 0xDEADBEEF:
        errors.append(f"blob at {off}: sentinel {sentinel:#x}")
    if (code, size) != (DTYPES[dtype][0], n * DTYPES[dtype][1]):
        errors.append(f"blob at {off}: dtype {code} size {size}, model.mil says {dtype} x {n}")
    if data != off + 64 or pad != 0 or any(blob[off + 32:off + 64]):
        errors.append(f"blob at {off}: data offset {data}, padding {pad}")
    if data + size > len(blob):
        errors.append(f"blob at {off} runs past the end")
    if off < pos:
        errors.append(f"blob at {off} overlaps the previous one")
    pos = data + size

# The embedding table is the checkpoint's BF16 tensor, rounded to fp16. Above
# the dimension limit it is stored as vocabulary slices of whole 64-byte rows
# (the first function's 2-D model_embed_tokens_weight* constants, in order),
# the last one padded with zero rows.
raw = open(os.path.join(ckpt, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
e = json.loads(raw[8:8 + n])["model.embed_tokens.weight"]
b0, b1 = e["data_offsets"]
bf16 = np.frombuffer(raw[8 + n + b0:8 + n + b1], np.uint16).astype(np.uint32) << 16
want = bf16.view(np.float32).astype(np.float16).reshape(e["shape"])
first = mil[:mil.index("} -> (")]
slices = re.findall(r"tensor<fp16, \[(\d+), (\d+)\]> model_embed_tokens_weight(?:_\d+)? = const\(\)\[.*?offset = uint64\((\d+)\)", first)
parts = [np.frombuffer(blob, np.float16, count=int(r) * int(c), offset=int(off) + 64).reshape(int(r), int(c))
         for r, c, off in slices]
got = np.concatenate(parts) if parts else np.zeros((0, want.shape[1]), np.float16)
if got.shape[0] < want.shape[0] or not np.array_equal(got[:want.shape[0]].view(np.uint16), want.view(np.uint16)):
    errors.append("the embedding's fp16 bytes differ from the checkpoint's BF16 values")
elif np.any(got[want.shape[0]:].view(np.uint16)):
    errors.append("the embedding's padding rows are not zero")
print(f"embedding: {len(parts)} slices, {want.shape[0]} rows checked")
for err in errors:
    print("error:", err)
print(f"{count} blobs, {len(blob)} bytes checked")
print("1 passed, 0 failed" if not errors else "0 passed, 1 failed")
sys.exit(1 if errors else 0)
