#!/usr/bin/env python3
"""anec-run --prompt against the checkpoint: the greedy tokens anec-run
prints for a random prompt must be the numpy reference's greedy tokens
(test/import/reference_llama.py, float64).

Usage: check_generate.py ANEC_RUN CHECKPOINT_DIR PROGRAM PROMPT_LEN NEW [ANEC_RUN_ARGS...]
PROGRAM is what anec-run takes (.mlir, .mlpackage, a chunk or interface
manifest). One reference forward over prompt + the tokens anec-run chose
(teacher forcing) gives the reference's choice at every step: equal at
every step is equal greedy decoding.
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "import"))
import reference_llama  # noqa: E402

anec_run, ckpt, program = sys.argv[1:4]
n, new = int(sys.argv[4]), int(sys.argv[5])
extra = sys.argv[6:]
V = json.load(open(os.path.join(ckpt, "config.json")))["vocab_size"]
prompt = np.random.default_rng(5).integers(0, V, n)
p = subprocess.run([anec_run, program, "--prompt=" + ",".join(map(str, prompt)),
                    f"--max-new-tokens={new}", "--ignore-eos"] + extra,
                   capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"anec-run failed: {p.stderr}")
print(p.stdout, end="")
line = [l for l in p.stdout.splitlines() if l.startswith("tokens:")]
got = [int(t) for t in line[0].split()[1:]]
logits = reference_llama.load(ckpt)(np.concatenate([prompt, got[:-1]]).astype(np.int64))
rows = logits[n - 1:]
want = rows.argmax(-1)
top2 = np.sort(rows, -1)[:, -2:]
margin = ((top2[:, 1] - top2[:, 0]) / np.abs(rows).max(-1)).min()
same = int((want == np.array(got)).sum())
print(f"greedy tokens equal the checkpoint's: {same} of {len(got)} "
      f"(smallest top-2 gap {margin:.2g} of the largest logit)")
if same != len(got):
    print("reference:", " ".join(map(str, want)))
    sys.exit(1)
