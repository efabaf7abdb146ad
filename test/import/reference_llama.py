#!/usr/bin/env python3
"""An independent forward pass of a Llama/Qwen/Gemma 3 checkpoint in numpy
(float64), written from transformers' semantics without any of anec's code,
and the check that anec's imported program computes the same logits.

Usage: reference_llama.py ANEC_RUN CHECKPOINT_DIR MODULE.mlir WORKDIR PREFILL CONTEXT
Runs prefill on PREFILL tokens, then two decode steps, through anec-run in
fp32 mode, and compares every position's logits with the numpy forward of
the whole sequence: relative error max|Δ| / max|ref| must be ≤ 1e-4.

As a module: load(CHECKPOINT_DIR) returns forward(ids) -> logits [T, V].
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np


def load(ckpt):
    """The checkpoint's forward function over a whole sequence of ids."""
    cfg = json.load(open(os.path.join(ckpt, "config.json")))


    def load_safetensors(path):
        raw = open(path, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        out = {}
        for name, e in header.items():
            if name == "__metadata__":
                continue
            b, end = e["data_offsets"]
            buf = raw[8 + n + b:8 + n + end]
            if e["dtype"] == "BF16":
                a = (np.frombuffer(buf, np.uint16).astype(np.uint32) << 16).view(np.float32)
            elif e["dtype"] == "F16":
                a = np.frombuffer(buf, np.float16)
            else:
                a = np.frombuffer(buf, np.float32)
            out[name] = a.astype(np.float64).reshape(e["shape"])
        return out


    W = {}
    for fname in sorted(os.listdir(ckpt)):
        if fname.endswith(".safetensors"):
            W.update(load_safetensors(os.path.join(ckpt, fname)))
    H, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    NH = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", NH)
    D = cfg.get("head_dim", H // NH)
    V, eps = cfg["vocab_size"], cfg["rms_norm_eps"]
    inv = cfg.get("rope_theta", 10000.0) ** (-np.arange(0, D, 2) / D)
    rs = cfg.get("rope_scaling")
    if rs:
        f, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        wave = 2 * np.pi / inv
        smooth = (old / wave - lo) / (hi - lo)
        inv = np.where(wave > old / lo, inv / f,
                       np.where(wave < old / hi, inv, (1 - smooth) * inv / f + smooth * inv))
    qwen2 = cfg["architectures"][0] == "Qwen2ForCausalLM"
    qwen3 = cfg["architectures"][0] == "Qwen3ForCausalLM"
    gemma = cfg["architectures"][0] == "Gemma3ForCausalLM"
    if gemma:
        # Gemma 3: local layers rotate with rope_local_base_freq; every
        # sliding_window_pattern-th layer is global (rope_theta).
        inv_local = cfg["rope_local_base_freq"] ** (-np.arange(0, D, 2) / D)
        pattern = cfg.get("sliding_window_pattern", 6)


    def rms(x, w):
        # Gemma's norms scale by (1 + weight).
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * ((1 + w) if gemma else w)


    def rope(x, pos, freqs=None):  # x [T, heads, D]
        ang = pos[:, None] * (inv if freqs is None else freqs)[None, :]
        cos = np.concatenate([np.cos(ang)] * 2, -1)[:, None, :]
        sin = np.concatenate([np.sin(ang)] * 2, -1)[:, None, :]
        rot = np.concatenate([-x[..., D // 2:], x[..., :D // 2]], -1)
        return x * cos + rot * sin


    def visible(layer, T):
        """Causal; Gemma 3's local layers also see only the last
        sliding_window positions (kv > q - window, as transformers)."""
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        seen = j <= i
        if gemma and (layer + 1) % pattern != 0 and cfg.get("sliding_window"):
            seen &= i - j < cfg["sliding_window"]
        return seen

    def forward(ids):
        T = len(ids)
        pos = np.arange(T, dtype=np.float64)
        h = W["model.embed_tokens.weight"][ids]
        if gemma:
            h = h * np.sqrt(H)
        for l in range(L):
            p = f"model.layers.{l}."
            n = rms(h, W[p + "input_layernorm.weight"])
            proj = lambda name: n @ W[p + f"self_attn.{name}.weight"].T + (
                W[p + f"self_attn.{name}.bias"] if qwen2 else 0)
            q = proj("q_proj").reshape(T, NH, D)
            k = proj("k_proj").reshape(T, KV, D)
            v = proj("v_proj").reshape(T, KV, D)
            if qwen3 or gemma:
                q = rms(q, W[p + "self_attn.q_norm.weight"])
                k = rms(k, W[p + "self_attn.k_norm.weight"])
            freqs = inv_local if gemma and (l + 1) % pattern != 0 else None
            q, k = rope(q, pos, freqs), rope(k, pos, freqs)
            scale = 1 / np.sqrt(cfg["query_pre_attn_scalar"]) if gemma else 1 / np.sqrt(D)
            out = np.zeros((T, NH, D))
            for hd in range(NH):
                kv = hd // (NH // KV)
                s = q[:, hd] @ k[:, kv].T * scale
                s = np.where(visible(l, T), s, -np.inf)
                e = np.exp(s - s.max(-1, keepdims=True))
                out[:, hd] = (e / e.sum(-1, keepdims=True)) @ v[:, kv]
            o = out.reshape(T, NH * D) @ W[p + "self_attn.o_proj.weight"].T
            if gemma:  # sandwich norms
                o = rms(o, W[p + "post_attention_layernorm.weight"])
            h = h + o
            n2 = rms(h, W[p + ("pre_feedforward_layernorm.weight" if gemma else "post_attention_layernorm.weight")])
            g = n2 @ W[p + "mlp.gate_proj.weight"].T
            u = n2 @ W[p + "mlp.up_proj.weight"].T
            if gemma:
                act = 0.5 * g * (1 + np.tanh(np.sqrt(2 / np.pi) * (g + 0.044715 * g ** 3)))
            else:
                act = g / (1 + np.exp(-g))
            m = (act * u) @ W[p + "mlp.down_proj.weight"].T
            if gemma:
                m = rms(m, W[p + "post_feedforward_layernorm.weight"])
            h = h + m
        h = rms(h, W["model.norm.weight"])
        head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
        return h @ head.T

    return forward


def main():
    anec_run, ckpt, module, work = sys.argv[1:5]
    P, C = int(sys.argv[5]), int(sys.argv[6])
    os.makedirs(work, exist_ok=True)
    forward = load(ckpt)
    V = json.load(open(os.path.join(ckpt, "config.json")))["vocab_size"]
    rng = np.random.default_rng(11)
    steps = 2
    ids = rng.integers(0, V, P + steps).astype(np.int32)
    ref = forward(ids)


    def save(name, a):
        path = os.path.join(work, name + ".npy")
        np.save(path, a)
        return path


    def mask(rows, start):
        m = np.where(np.arange(C)[None, :] <= start + np.arange(rows)[:, None], 0.0, -1e4)
        return m.astype(np.float32)[None, None]


    calls = ["--call=prefill:" + ",".join([
        save("ids_p", ids[None, :P]), save("pos_p", np.arange(P, dtype=np.int32)),
        save("mask_p", mask(P, 0)), save("cur_p", np.array([0], np.int32))])]
    for t in range(P, P + steps):
        calls.append("--call=decode:" + ",".join([
            save(f"ids_{t}", ids[None, t:t + 1]), save(f"pos_{t}", np.array([t], np.int32)),
            save(f"mask_{t}", mask(1, t)), save(f"cur_{t}", np.array([t], np.int32))]))
    p = subprocess.run([anec_run, module, f"--output-dir={work}"] + calls,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"anec-run failed: {p.stderr}")
    got = np.concatenate([np.load(os.path.join(work, "0-prefill-0.npy"))[0]] +
                         [np.load(os.path.join(work, f"{i}-decode-0.npy"))[0]
                          for i in range(1, steps + 1)], 0).astype(np.float64)
    scale = np.abs(ref).max()
    rel_prefill = np.abs(got[:P] - ref[:P]).max() / scale
    rel_decode = np.abs(got[P:] - ref[P:]).max() / scale
    top1 = (got.argmax(-1) == ref.argmax(-1)).mean()
    print(f"prefill ({P} tokens) max rel error {rel_prefill:.3g}; "
          f"decode ({steps} steps) max rel error {rel_decode:.3g}; top-1 agreement {top1:.0%}")
    ok = rel_prefill <= 1e-4 and rel_decode <= 1e-4
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
