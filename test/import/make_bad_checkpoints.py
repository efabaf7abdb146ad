#!/usr/bin/env python3
"""Writes one broken checkpoint folder per way a download can be hostile,
each a copy of GOOD with one defect: make_bad_checkpoints.py GOOD OUTDIR"""
import json
import os
import shutil
import struct
import sys

good, out = sys.argv[1:3]
raw = open(os.path.join(good, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
config = open(os.path.join(good, "config.json")).read()


def folder(name, st=None, cfg=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "config.json"), "w").write(config if cfg is None else cfg)
    if st is not None:
        open(os.path.join(d, "model.safetensors"), "wb").write(st)
    return d


def pack(h, body=data, pad=True):
    t = json.dumps(h).encode() if isinstance(h, dict) else h
    if pad:
        t += b" " * ((8 - len(t) % 8) % 8)
    return struct.pack("<Q", len(t)) + t + body


def edit(fn):
    h = json.loads(json.dumps(header))
    fn(h)
    return pack(h)


first = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
a, b = first[0], first[1]
folder("truncated-length", raw[:5])
folder("header-past-end", struct.pack("<Q", 1 << 40) + raw[8:100])
folder("truncated-data", raw[:len(raw) - 1000])
folder("not-json", pack(b"{not json at all"))
folder("deep-json", pack(b"[" * 100000 + b"]" * 100000))
folder("bad-utf8", pack(b'{"\xff\xfe": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}'))
folder("offset-out-of-range", edit(lambda h: h[a].update(data_offsets=[0, len(data) + 2])))
folder("overlap", edit(lambda h: h[b].update(
    data_offsets=[h[a]["data_offsets"][0] + 2, h[a]["data_offsets"][0] + 2 +
                  (h[b]["data_offsets"][1] - h[b]["data_offsets"][0])])))
folder("size-mismatch", edit(lambda h: h[a].update(shape=[h[a]["shape"][0] + 1] + h[a]["shape"][1:])))
folder("unknown-dtype", edit(lambda h: h[a].update(dtype="Q7")))
folder("negative-shape", edit(lambda h: h[a].update(shape=[-1, 64])))
folder("huge-shape", edit(lambda h: h[a].update(shape=[1 << 40, 1 << 40])))
folder("missing-tensor", edit(lambda h: h.pop("model.norm.weight")))
folder("wrong-shape", edit(lambda h: h["model.norm.weight"].update(shape=[32], data_offsets=[
    h["model.norm.weight"]["data_offsets"][0], h["model.norm.weight"]["data_offsets"][0] + 64])))
# Duplicate names: the same key twice in the JSON object.
dup = json.dumps(header)[:-1] + ', "' + a + '": ' + json.dumps(header[a]) + "}"
folder("duplicate-name", pack(dup.encode()))
folder("no-weights")
# A NaN in the final norm's weight (BF16 0x7FC0).
nan = bytearray(data)
off = header["model.norm.weight"]["data_offsets"][0]
nan[off:off + 2] = b"\xc0\x7f"
folder("nan-weight", pack(header, bytes(nan)))
# A zero-size tensor where the config implies a vector.
folder("zero-size", edit(lambda h: h["model.norm.weight"].update(
    shape=[0], data_offsets=[h["model.norm.weight"]["data_offsets"][0]] * 2)))
folder("unknown-arch", raw, config.replace("LlamaForCausalLM", "MambaForCausalLM"))
folder("unknown-key", raw, config.replace('"model_type"', '"attn_temperature": 2.0, "model_type"'))
folder("bad-rope", raw, config.replace('"rope_type": "llama3"', '"rope_type": "yarn"'))
folder("bad-heads", raw, config.replace('"num_key_value_heads": 2', '"num_key_value_heads": 3'))
folder("config-not-json", raw, "{\"hidden_size\": ")
