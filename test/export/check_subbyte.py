#!/usr/bin/env python3
"""Reads the two sub-byte blobs of subbyte.mlir's export straight from the
bytes (LSB-first packing, done here independently) and checks the LUT
lookups anec-run computed. Usage: check_subbyte.py WEIGHT_BIN OUTPUT_DIR"""
import os
import struct
import sys

import numpy as np

blob = open(sys.argv[1], "rb").read()
out = sys.argv[2]
ok = True


def read(offset, bits, count):
    sentinel, dtype, size, data, pad = struct.unpack_from("<IIQQQ", blob, offset)
    assert sentinel == 0xDEADBEEF
    raw = blob[data:data + size]
    values = []
    for i in range(count):
        v = 0
        for b in range(bits):
            bit = i * bits + b
            v |= ((raw[bit // 8] >> (bit % 8)) & 1) << b
        values.append(v)
    return dtype, size, pad, np.array(values)


dt4, n4, p4, i4 = read(64, 4, 20)
lut4 = np.arange(-8, 8, dtype=np.float32)
w4 = np.load(os.path.join(out, "0-main-0.npy"))
good4 = np.array_equal(w4.ravel(), lut4[i4]) and list(i4[:5]) == [0, 1, 2, 3, 4]
print(f"uint4 blob: dtype {dt4}, {n4} bytes, {p4} padding bits, lookups {'match' if good4 else 'DIFFER'}")
dt3, n3, p3, i3 = read(320, 3, 14)
lut3 = np.array([[0.5 + k for k in range(8)], [-0.5 - k for k in range(8)]], np.float32)
w3 = np.load(os.path.join(out, "0-main-1.npy"))
exp3 = np.stack([lut3[r][i3.reshape(2, 7)[r]] for r in range(2)])
good3 = np.array_equal(w3, exp3) and list(i3) == [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
print(f"uint3 blob: dtype {dt3}, {n3} bytes, {p3} padding bits, lookups {'match' if good3 else 'DIFFER'}")
sys.exit(0 if good4 and good3 else 1)
