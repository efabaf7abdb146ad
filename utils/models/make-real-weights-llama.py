#!/usr/bin/python3
"""Writes a tied Llama checkpoint whose every weight is a real trained tensor:
the Universal Sentence Encoder lite weights of ../shared/data/use-lite,
placed where their shapes fit (hidden 512, 8 heads of 64, FFN 1536, two
layers, vocabulary 8002). It is not a language model: its logits mean
nothing. It is a model whose weights have the statistics of trained ones
(heavy tails, outlier channels, uneven norms), so compression measured on
it (top-1 agreement and KL against fp16) is measured on realistic weights,
not on Gaussian noise.

Usage: make-real-weights-llama.py OUT_DIR
"""
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USE_LITE = os.path.join(os.path.dirname(ROOT), "shared", "data", "use-lite", "weights.safetensors")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from safetensors_np import read_safetensors, write_safetensors  # noqa: E402


def main():
    out = sys.argv[1]
    src = read_safetensors(USE_LITE, np.float32)

    def get(suffix):
        hits = [v for k, v in src.items() if k.endswith(suffix)]
        assert len(hits) == 1, suffix
        return hits[0].astype(np.float32)

    qkv = get("Layer_1/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0")
    qkv = qkv.reshape(512, 1536)
    o1 = get("Layer_1/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0")
    o1 = o1.reshape(512, 512)
    tanh = get("hidden_layers/tanh_layer_0/weights")
    up = {l: get(f"TransformerStack/Layer_{l}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1")
          for l in (0, 1)}  # [512, 1536]
    down = {l: get(f"TransformerStack/Layer_{l}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1")
            for l in (0, 1)}  # [1536, 512]
    scale = {l: get(f"Layer_{l}/TransformerLayer/FFN/layer_prepostprocess/layer_norm/"
                    "layer_norm_scale/ConcatPartitions/concat") for l in (0, 1)}
    scale2 = get("Layer_1/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_scale/"
                 "ConcatPartitions/concat")
    emb = get("module/Embeddings_en")  # [8002, 256]
    rng = np.random.default_rng(0)
    perm = rng.permutation(emb.shape[0])
    tensors = {"model.embed_tokens.weight": np.concatenate([emb, emb[perm]], axis=1)}
    q, k, v = qkv[:, :512].T, qkv[:, 512:1024].T, qkv[:, 1024:].T
    for l in (0, 1):
        p = f"model.layers.{l}."
        # Layer 1 takes the other tensors, or the same ones with their
        # channels permuted, so the two layers differ.
        pi = np.arange(512) if l == 0 else rng.permutation(512)
        tensors[p + "input_layernorm.weight"] = scale[l]
        tensors[p + "post_attention_layernorm.weight"] = scale2[pi] if l else scale2
        tensors[p + "self_attn.q_proj.weight"] = q[pi]
        tensors[p + "self_attn.k_proj.weight"] = k[pi]
        tensors[p + "self_attn.v_proj.weight"] = v[pi]
        tensors[p + "self_attn.o_proj.weight"] = (o1.T if l == 0 else tanh.T)
        tensors[p + "mlp.gate_proj.weight"] = up[1 - l].T
        tensors[p + "mlp.up_proj.weight"] = up[l].T
        tensors[p + "mlp.down_proj.weight"] = down[l].T
    tensors["model.norm.weight"] = scale[1]
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 512,
           "intermediate_size": 1536, "num_hidden_layers": 2, "num_attention_heads": 8,
           "num_key_value_heads": 8, "head_dim": 64, "hidden_act": "silu",
           "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 512,
           "vocab_size": int(emb.shape[0]), "tie_word_embeddings": True,
           "torch_dtype": "float16"}
    os.makedirs(out, exist_ok=True)
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    print(f"wrote {out}: {sum(a.size for a in tensors.values())} weights from use-lite")


if __name__ == "__main__":
    main()
