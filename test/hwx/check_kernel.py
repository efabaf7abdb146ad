#!/usr/bin/env python3
"""The kernel packing of an .hwx anec wrote, read back with anec's decoder:
check_kernel.py ANEC PROGRAM.hwx WEIGHTS.npy
WEIGHTS is [cout, cin] fp16. Output channel o must sit in kernel group
o // P (P the power of two of ceil(cout / 16)) at byte (o % P) * cin * 2 of
the group, groups at CoeffBaseAddr[k] * 64 in __TEXT,__const, each group
CoeffBfrSize * 64 bytes, its padding zero; and the decode's fields must
say so (Cin, Cout, OCGSize, the enabled kernel DMA channels)."""
import struct
import subprocess
import sys

import numpy as np

anec, program, weights = sys.argv[1:4]
w = np.load(weights).astype(np.float16)
cout, cin = w.shape
lines = subprocess.run([anec, "inspect", "--registers", program], check=True,
                       capture_output=True, text=True).stdout.splitlines()
fields = {}
for l in lines:
    p = l.split()
    if len(p) == 5 and p[0] == "task" and p[2] == "field":
        fields[p[3]] = int(p[4], 16)
    if l.startswith("section __TEXT,__const"):
        offset, size = int(p[p.index("offset") + 1], 16), int(p[p.index("size") + 1], 16)
data = open(program, "rb").read()[offset:offset + size]
per = 1
while per < -(-cout // 16):
    per *= 2
groups = -(-cout // per)
units = -(-(per * cin * 2) // 64)
errors = []
want = {"aneRegs.Common.Cin.Cin": cin, "aneRegs.Common.Cout.Cout": cout,
        "aneRegs.Common.ConvCfg.OCGSize": per.bit_length() - 1}
for k in range(16):
    want[f"aneRegs.KernelDMASrc.CoeffDMAConfig[{k}].En"] = int(k < groups)
    want[f"aneRegs.KernelDMASrc.CoeffBfrSize[{k}].MemBfrSize"] = units
for name, v in want.items():
    if fields.get(name) != v:
        errors.append(f"{name} = {fields.get(name)}, want {v}")
packed = np.zeros(groups * units * 32, np.uint16)
for o in range(cout):
    base = fields[f"aneRegs.KernelDMASrc.CoeffBaseAddr[{o // per}].Addr"] * 32 + (o % per) * cin
    packed[base:base + cin] = w[o].view(np.uint16)
got = np.frombuffer(data[:packed.size * 2], np.uint16)
if size != packed.size * 2:
    errors.append(f"__TEXT,__const holds {size} bytes, want {packed.size * 2}")
elif not np.array_equal(got, packed):
    errors.append(f"{int((got != packed).sum())} kernel values out of place")
print(f"kernel of {cout} x {cin}: {groups} groups of {per} output channels, "
      f"{units * 64} bytes a group")
print("\n".join(errors) if errors else "packing ok")
sys.exit(1 if errors else 0)
