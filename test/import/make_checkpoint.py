#!/usr/bin/env python3
"""Writes a small random checkpoint of a given architecture in Hugging Face
format, for import tests: make_checkpoint.py ARCH DTYPE OUTDIR [--sharded]
[--dims=H,F,L,NH,KV,D,V] [--tied] [--untied] [--window=W]
ARCH: llama | qwen2 | qwen3 | gemma3; DTYPE: F32 | F16 | BF16."""
import json
import os
import struct
import sys

import numpy as np

arch, dtype, out = sys.argv[1:4]
sharded = "--sharded" in sys.argv
tied = "--tied" in sys.argv  # a Llama whose LM head is the embedding
# Any architecture with its own LM head: greedy decoding of a random tied
# model mostly repeats its last token, which tests little.
untied = "--untied" in sys.argv
window = [int(a.split("=")[1]) for a in sys.argv if a.startswith("--window=")]
dims = [a for a in sys.argv if a.startswith("--dims=")]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng({"llama": 1, "qwen2": 2, "qwen3": 3, "gemma3": 4}[arch])
H, F, L, NH, KV, D, V = 48, 96, 2, 6, 2, 16, 300
if dims:  # --dims=H,F,L,NH,KV,D,V
    H, F, L, NH, KV, D, V = (int(x) for x in dims[0].split("=")[1].split(","))
cfg = {
    "architectures": [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
                       "qwen3": "Qwen3ForCausalLM", "gemma3": "Gemma3ForCausalLM"}[arch]],
    "model_type": arch, "hidden_size": H, "intermediate_size": F, "num_hidden_layers": L,
    "num_attention_heads": NH, "num_key_value_heads": KV, "head_dim": D,
    "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "max_position_embeddings": 512, "vocab_size": V, "tie_word_embeddings": (arch != "llama" or tied) and not untied,
    "torch_dtype": "float32",
}
if arch == "qwen2":
    cfg["use_sliding_window"] = False
if arch == "gemma3":
    cfg.update({"hidden_activation": "gelu_pytorch_tanh", "query_pre_attn_scalar": 24,
                "rope_local_base_freq": 10000.0, "rope_theta": 1000000.0,
                "sliding_window": window[0] if window else 512, "sliding_window_pattern": 2})
    del cfg["hidden_act"]
json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)

tensors = {}


def t(name, shape, scale=None, offset=0.0):
    scale = scale if scale is not None else 1 / np.sqrt(shape[-1])
    tensors[name] = (offset + scale * rng.standard_normal(shape)).astype(np.float32)


t("model.embed_tokens.weight", (V, H), 0.5)
for l in range(L):
    p = f"model.layers.{l}."
    norm0 = 0.0 if arch == "gemma3" else 1.0  # Gemma scales by (1 + weight)
    t(p + "input_layernorm.weight", (H,), 0.1, norm0)
    t(p + "post_attention_layernorm.weight", (H,), 0.1, norm0)
    if arch == "gemma3":
        t(p + "pre_feedforward_layernorm.weight", (H,), 0.1, norm0)
        t(p + "post_feedforward_layernorm.weight", (H,), 0.1, norm0)
    for name, rows in (("q_proj", NH * D), ("k_proj", KV * D), ("v_proj", KV * D)):
        t(p + f"self_attn.{name}.weight", (rows, H))
        if arch == "qwen2":
            t(p + f"self_attn.{name}.bias", (rows,), 0.1)
    t(p + "self_attn.o_proj.weight", (H, NH * D))
    if arch in ("qwen3", "gemma3"):
        t(p + "self_attn.q_norm.weight", (D,), 0.1, norm0)
        t(p + "self_attn.k_norm.weight", (D,), 0.1, norm0)
    t(p + "mlp.gate_proj.weight", (F, H))
    t(p + "mlp.up_proj.weight", (F, H))
    t(p + "mlp.down_proj.weight", (H, F))
t("model.norm.weight", (H,), 0.1, 0.0 if arch == "gemma3" else 1.0)
if (arch == "llama" and not tied) or untied:
    t("lm_head.weight", (V, H), 0.5)


def encode(a):
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    bits = a.astype("<f4").view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()


def write(path, names):
    header, blobs, off = {}, [], 0
    for n in names:
        b = encode(tensors[n])
        header[n] = {"dtype": dtype, "shape": list(tensors[n].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


names = list(tensors)
if sharded:
    half = len(names) // 2
    shards = {"model-00001-of-00002.safetensors": names[:half],
              "model-00002-of-00002.safetensors": names[half:]}
    for fname, ns in shards.items():
        write(os.path.join(out, fname), ns)
    json.dump({"metadata": {}, "weight_map": {n: f for f, ns in shards.items() for n in ns}},
              open(os.path.join(out, "model.safetensors.index.json"), "w"))
else:
    write(os.path.join(out, "model.safetensors"), names)
