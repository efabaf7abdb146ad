"""Reads and writes safetensors files with numpy, for the benchmarks and the
model generators under utils/ (Debian's /usr/bin/python3 has numpy; no
safetensors package is needed)."""
import json
import struct

import numpy as np


def read_safetensors(path, dtype=np.float16):
    """name -> array (cast to `dtype`), for F32/F16/BF16 tensors."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        base = 8 + size
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            raw = f.read(end - begin)
            kind = info["dtype"]
            if kind == "F32":
                a = np.frombuffer(raw, "<f4")
            elif kind == "F16":
                a = np.frombuffer(raw, "<f2")
            elif kind == "BF16":
                a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                continue
            out[name] = a.astype(dtype).reshape(info["shape"])
    return out


def write_safetensors(path, tensors):
    """Writes name -> array as F16 tensors."""
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        data = np.ascontiguousarray(a, dtype="<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
