#!/usr/bin/env python3
"""A conv 1x1 + activation block of a checkpoint, as a mil .mlir for
anec compile --format=hwx: make_block.py CHECKPOINT TENSOR OUT.mlir OUT.npy
The block is the checkpoint's TENSOR (a linear layer's [out, in] weight,
e.g. the built-in model's model.layers.0.mlp.gate_proj.weight) as a 1x1
conv over one token ([1, in, 1, 1] fp16), followed by a ReLU: the
activation the H13 lowering matches (the model's own SiLU is not). The
weight also goes to OUT.npy for check_kernel.py."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "utils"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from safetensors_np import read_safetensors  # noqa: E402

ckpt, tensor, out, npy = sys.argv[1:5]
w = None
for f in sorted(os.listdir(ckpt)):
    if f.endswith(".safetensors"):
        t = read_safetensors(os.path.join(ckpt, f))
        if tensor in t:
            w = np.asarray(t[tensor], np.float16)
if w is None:
    sys.exit(f"{tensor} is not in {ckpt}")
cout, cin = w.shape
np.save(npy, w)
hexdata = "0x02000000" + w.tobytes().hex().upper()
open(out, "w").write(f"""module {{
  func.func @main(%x: tensor<1x{cin}x1x1xf16> {{mil.name = "hidden"}}) -> (tensor<1x{cout}x1x1xf16> {{mil.name = "gate"}}) {{
    %w = mil.const dense_resource<gate_proj> : tensor<{cout}x{cin}x1x1xf16> loc("{tensor}")
    %c = mil.conv(x = %x, weight = %w) : (tensor<1x{cin}x1x1xf16>, tensor<{cout}x{cin}x1x1xf16>) -> tensor<1x{cout}x1x1xf16> loc("gate_proj")
    %r = mil.relu(x = %c) : tensor<1x{cout}x1x1xf16> loc("act")
    return %r : tensor<1x{cout}x1x1xf16>
  }}
}}
{{-#
  dialect_resources: {{
    builtin: {{
      gate_proj: "{hexdata}"
    }}
  }}
#-}}
""")
