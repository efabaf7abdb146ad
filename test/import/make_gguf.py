#!/usr/bin/env python3
"""Converts a Llama checkpoint (Hugging Face format, F32) to GGUF v3 the way
llama.cpp's converter does: q/k rows permuted to RoPE pair order, dims
innermost first, a mix of F32/F16/BF16/Q8_0/Q4_0 tensors. Also writes the
dequantized, unpermuted weights as a Hugging Face checkpoint: the function
the GGUF file describes, for the numpy reference.
A checkpoint without lm_head gives a tied GGUF (no output.weight).
Usage: make_gguf.py HF_DIR OUT.gguf DEQUANT_DIR [--corrupt=KIND] [--embed=TYPE]
TYPE: the token embedding's tensor type (F16 by default, or Q8_0, Q4_0, ...)."""
import json
import os
import struct
import sys

import numpy as np

hf, out, deq = sys.argv[1:4]
corrupt = next((a.split("=")[1] for a in sys.argv if a.startswith("--corrupt=")), None)
embed_kind = next((a.split("=")[1] for a in sys.argv if a.startswith("--embed=")), "F16")
cfg = json.load(open(os.path.join(hf, "config.json")))
raw = open(os.path.join(hf, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
W = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], np.float32).reshape(v["shape"])
     for k, v in header.items() if k != "__metadata__"}
H, NH = cfg["hidden_size"], cfg["num_attention_heads"]
KV, D = cfg["num_key_value_heads"], H // cfg["num_attention_heads"]


def permute(w, heads):  # HF rows -> llama.cpp RoPE pair order
    rows = []
    for h in range(heads):
        for j in range(D):
            c = j // 2 if j % 2 == 0 else j // 2 + D // 2
            rows.append(w[h * D + c])
    return np.stack(rows)


def unpermute(w, heads):
    out = np.empty_like(w)
    for h in range(heads):
        for j in range(D):
            c = j // 2 if j % 2 == 0 else j // 2 + D // 2
            out[h * D + c] = w[h * D + j]
    return out


def q8_0(w):
    blocks = w.reshape(-1, 32)
    d = (np.abs(blocks).max(1) / 127).astype(np.float16)
    dd = d.astype(np.float32)
    q = np.round(blocks / np.where(dd == 0, 1, dd)[:, None]).clip(-127, 127).astype(np.int8)
    data = b"".join(d[i].tobytes() + q[i].tobytes() for i in range(len(blocks)))
    return data, (dd[:, None] * q).reshape(w.shape)


def q4_0(w):
    blocks = w.reshape(-1, 32)
    idx = np.abs(blocks).argmax(1)
    mx = blocks[np.arange(len(blocks)), idx]
    d = (mx / -8).astype(np.float16)
    dd = d.astype(np.float32)
    inv = np.where(dd == 0, 0, 1 / np.where(dd == 0, 1, dd))
    q = np.clip(np.floor(blocks * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    data = b"".join(d[i].tobytes() + (q[i][:16] | (q[i][16:] << 4)).astype(np.uint8).tobytes()
                    for i in range(len(blocks)))
    return data, (dd[:, None] * (q.astype(np.float32) - 8)).reshape(w.shape)


def bf16(w):
    bits = w.astype(np.float32).view(np.uint32)
    r = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return r.tobytes(), (r.astype(np.uint32) << 16).view(np.float32).reshape(w.shape)


TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8, "BF16": 30}


def encode(w, kind):
    if kind == "F32":
        return w.astype("<f4").tobytes(), w
    if kind == "F16":
        h = w.astype(np.float16)
        return h.tobytes(), h.astype(np.float32)
    return {"Q8_0": q8_0, "Q4_0": q4_0, "BF16": bf16}[kind](w)


def name_and_kind(hfname):
    if hfname == "model.embed_tokens.weight":
        return "token_embd.weight", embed_kind
    if hfname == "model.norm.weight":
        return "output_norm.weight", "F32"
    if hfname == "lm_head.weight":
        return "output.weight", "Q8_0"
    l, rest = hfname[len("model.layers."):].split(".", 1)
    table = {"self_attn.q_proj.weight": ("attn_q.weight", "Q8_0"),
             "self_attn.k_proj.weight": ("attn_k.weight", "Q4_0"),
             "self_attn.v_proj.weight": ("attn_v.weight", "Q4_0"),
             "self_attn.o_proj.weight": ("attn_output.weight", "BF16"),
             "input_layernorm.weight": ("attn_norm.weight", "F32"),
             "post_attention_layernorm.weight": ("ffn_norm.weight", "F32"),
             "mlp.gate_proj.weight": ("ffn_gate.weight", "Q8_0"),
             "mlp.up_proj.weight": ("ffn_up.weight", "F16"),
             "mlp.down_proj.weight": ("ffn_down.weight", "Q4_0")}
    g, kind = table[rest]
    return f"blk.{l}.{g}", kind


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return gstr(key) + struct.pack("<I", vtype) + payload


meta = [
    kv("general.architecture", 8, gstr("qwen2" if corrupt == "arch" else "llama")),
    kv("general.alignment", 4, struct.pack("<I", 32)),
    kv("llama.embedding_length", 4, struct.pack("<I", H)),
    kv("llama.block_count", 4, struct.pack("<I", cfg["num_hidden_layers"])),
    kv("llama.feed_forward_length", 4, struct.pack("<I", cfg["intermediate_size"])),
    kv("llama.attention.head_count", 4, struct.pack("<I", NH)),
    kv("llama.attention.head_count_kv", 4, struct.pack("<I", KV)),
    kv("llama.attention.layer_norm_rms_epsilon", 6,
       struct.pack("<f", float("nan") if corrupt == "nan-eps" else cfg["rms_norm_eps"])),
    kv("llama.rope.freq_base", 6, struct.pack("<f", cfg["rope_theta"])),
    kv("llama.rope.dimension_count", 4, struct.pack("<I", D)),
    kv("llama.context_length", 4, struct.pack("<I", 512)),
    kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, cfg["vocab_size"]) +
       b"".join(gstr(f"t{i}") for i in range(cfg["vocab_size"]))),
]
if corrupt == "string-length":
    meta[0] = gstr("general.architecture") + struct.pack("<I", 8) + struct.pack("<Q", 1 << 50)
infos, blobs, deq_w, offset = [], [], {}, 0
for hfname, w in W.items():
    name, kind = name_and_kind(hfname)
    if corrupt == "q8-rows" and name == "blk.0.attn_q.weight":
        w = w[:, :16]
    ww = w
    if hfname.endswith("q_proj.weight"):
        ww = permute(w, NH)
    elif hfname.endswith("k_proj.weight"):
        ww = permute(w, KV)
    if corrupt == "nan" and name == "output_norm.weight":
        ww = ww.copy()
        ww[3] = np.nan
    data, dq = encode(ww, kind)
    if corrupt == "nan-scale" and name == "blk.0.attn_q.weight":
        data = b"\x00\x7e" + data[2:]  # the first Q8_0 block's fp16 scale: NaN
    if hfname.endswith("q_proj.weight"):
        dq = unpermute(dq, NH)
    elif hfname.endswith("k_proj.weight"):
        dq = unpermute(dq, KV)
    deq_w[hfname] = dq.astype(np.float32)
    dims = list(reversed(w.shape))
    if corrupt == "huge-dims" and name == "token_embd.weight":
        dims = [1 << 40, 1 << 40]
    t = TYPES[kind] if not (corrupt == "type" and name == "output_norm.weight") else 99
    off = offset if not (corrupt == "offset" and name == "output_norm.weight") else offset + (1 << 30)
    infos.append(gstr(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims) +
                 struct.pack("<IQ", t, off))
    pad = (32 - len(data) % 32) % 32
    blobs.append(data + b"\0" * pad)
    offset += len(data) + pad
version = 1 if corrupt == "version" else 3
tensor_count = (1 << 60) if corrupt == "counts" else len(infos)
head = (b"GGUX" if corrupt == "magic" else b"GGUF") + struct.pack("<IQQ", version, tensor_count, len(meta))
body = head + b"".join(meta) + b"".join(infos)
body += b"\0" * ((32 - len(body) % 32) % 32)
data = body + b"".join(blobs)
if corrupt == "truncated":
    data = data[: len(data) - 100]
open(out, "wb").write(data)

os.makedirs(deq, exist_ok=True)
json.dump(cfg, open(os.path.join(deq, "config.json"), "w"))
hdr, chunks, off = {}, [], 0
for k, a in deq_w.items():
    b = a.astype("<f4").tobytes()
    hdr[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
    chunks.append(b)
    off += len(b)
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(os.path.join(deq, "model.safetensors"), "wb").write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
