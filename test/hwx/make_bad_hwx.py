#!/usr/bin/env python3
"""Writes broken copies of a golden .hwx for the reader's hostile-input test:
make_bad_hwx.py GOLDEN OUTDIR"""
import os
import struct
import sys

golden, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
d = bytearray(open(golden, "rb").read())
text = 0x4000  # __TEXT,__text in the goldens


def write(name, data):
    open(os.path.join(out, name), "wb").write(bytes(data))


write("truncated.hwx", d[:20])
write("magic.hwx", b"\xcf\xfa\xed\xfe" + d[4:])
bad = bytearray(d)
struct.pack_into("<I", bad, 20, 0x7fffffff)  # sizeofcmds past the file
write("sizeofcmds.hwx", bad)
bad = bytearray(d)
struct.pack_into("<I", bad, text + 28, 0)  # (a one-task file: NextPointer 0 is fine)
struct.pack_into("<I", bad, text + 28, 0x10)  # next pointer inside its own task
write("next-inside.hwx", bad)
bad = bytearray(d)
struct.pack_into("<I", bad, text + 0x254, (63 << 26) | 0x17800)  # 64 words past the task
write("stream.hwx", bad)
bad = bytearray(d)
struct.pack_into("<I", bad, text + 0x270, 0)  # the last stream cut, then data after zero
struct.pack_into("<I", bad, text + 0x254, 0)
write("layout.hwx", bad)
write("short-text.hwx", d[:text + 0x100])
