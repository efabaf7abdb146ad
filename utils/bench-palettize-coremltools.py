#!/usr/bin/python3
"""anec's palettizer against Apple's own compressor, on the same tensors, in
one run.

The peer is coremltools' `coremltools.optimize.coreml.palettize_weights`
(from ../shared/validators/coremltools/site, which carries its native
kmeans1d module: the exact 1-D k-means on the unique fp16 values, as
coremltools runs it) on a one-op ML program holding the tensor as a linear
weight; its time is the palettize_weights call alone (conversion excluded),
its error read from the palettized weight coremltools materializes. anec is
`anec-palettize-bench` on the same fp16 tensor (written to a safetensors
file), on --workers threads; its time is the whole process (reading the file
included). SNR counts the LUT as stored (fp16) for both.

  /usr/bin/python3 utils/bench-palettize-coremltools.py [--build build]
      [--workers 2] [--quick]

--quick: small tensors only, for the test suite: exits 1 when anec's SNR is
below coremltools' by more than 0.05 dB on any of them (never judged on
time; the ratios of small tensors mean little).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, os.path.join(ROOT, "utils"))
from safetensors_np import read_safetensors, write_safetensors  # noqa: E402


def coremltools_palettize(weight, nbits, granularity, group_size):
    """(seconds, dense fp16 result) of coremltools' palettize_weights."""
    import coremltools as ct
    import coremltools.optimize.coreml as cto
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import types

    rows, cols = weight.shape

    @mb.program(input_specs=[mb.TensorSpec(shape=(1, cols), dtype=types.fp16)],
                opset_version=ct.target.iOS18)
    def prog(x):
        return mb.linear(x=x, weight=weight)

    model = ct.convert(prog, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS18,
                       skip_model_load=True, compute_precision=ct.precision.FLOAT16)
    config = cto.OptimizationConfig(global_config=cto.OpPalettizerConfig(
        nbits=nbits, mode="kmeans", granularity=granularity,
        group_size=group_size, weight_threshold=1))
    start = time.perf_counter()
    palettized = cto.palettize_weights(model, config)
    seconds = time.perf_counter() - start
    for op in palettized._mil_program.functions["main"].operations:
        if op.op_type == "constexpr_lut_to_dense":
            return seconds, op.materialized_val_inference().astype(np.float64)
    raise RuntimeError("coremltools left no constexpr_lut_to_dense")


def anec_palettize(build, workers, weight, nbits, group_size, folder):
    path = os.path.join(folder, "w.safetensors")
    write_safetensors(path, {"w": weight})
    argv = [os.path.join(build, "bin", "anec-palettize-bench"), path, f"--bits={nbits}",
            f"--group-size={group_size}", f"--workers={workers}", "--min-elements=0", "--json",
            "--objective=false"]
    start = time.perf_counter()
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    row = json.loads([line for line in out.splitlines() if line.startswith("{")][0])
    return seconds, row["mse"]


def snr_db(reference, squared_error_mean):
    energy = float((reference.astype(np.float64) ** 2).mean())
    return 10 * np.log10(energy / squared_error_mean)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    site = os.path.join(SHARED, "validators", "coremltools", "site")
    if not os.path.isdir(site):
        print("coremltools is not beside the project (../shared/validators): nothing to compare")
        return 2
    sys.path.insert(0, site)
    import logging
    logging.disable(logging.WARNING)
    os.environ.setdefault("TQDM_DISABLE", "1")

    rng = np.random.default_rng(0)
    normal = lambda r, c: (rng.standard_normal((r, c)) / np.sqrt(c)).astype(np.float16)
    real = {}
    use_lite = os.path.join(SHARED, "data", "use-lite", "weights.safetensors")
    if os.path.exists(use_lite):
        for name, a in read_safetensors(use_lite).items():
            if name.endswith("TransformerStack/Layer_1/TransformerLayer/FFN/conv1/Tensordot/"
                             "Reshape_1"):
                real["use-lite FFN 1536x512 (real)"] = np.ascontiguousarray(a.T)
            if name == "module/Embeddings_en":
                # 8000 rows: coremltools skips a grouped weight whose rows
                # the group size does not divide.
                real["use-lite embeddings 8000x256 (real)"] = np.ascontiguousarray(a[:8000])
    if args.quick:
        cases = [("LUT4 g8", "normal 256x512", normal(256, 512), 4, "per_grouped_channel", 8),
                 ("LUT8 per tensor", "normal 256x512", normal(256, 512), 8, "per_tensor", 0)]
    else:
        cases = [("LUT4 g8", "normal 8192x2048 (seeded)", normal(8192, 2048), 4,
                  "per_grouped_channel", 8)]
        for name, a in real.items():
            cases.append(("LUT4 g8", name, a, 4, "per_grouped_channel", 8))
        cases.append(("LUT8 per tensor", "normal 2048x2048 (seeded)", normal(2048, 2048), 8,
                      "per_tensor", 0))
        for name, a in real.items():
            cases.append(("LUT8 per tensor", name, a, 8, "per_tensor", 0))
        cases.append(("LUT4 per tensor", "normal 8192x2048 (seeded)", normal(8192, 2048), 4,
                      "per_tensor", 0))

    print(f"{'mode':<16} {'tensor':<36} {'values':>9} {'coremltools s':>13} {'anec s':>8} "
          f"{'speed-up':>9} {'SNR ct dB':>10} {'SNR anec dB':>11} {'anec - ct':>9}")
    worse = 0
    with tempfile.TemporaryDirectory() as folder:
        for mode, name, weight, nbits, granularity, group in cases:
            ct_s, dense = coremltools_palettize(weight, nbits, granularity, group)
            ref = weight.astype(np.float64)
            ct_snr = snr_db(ref, float(((dense.reshape(ref.shape) - ref) ** 2).mean()))
            anec_s, mse = anec_palettize(args.build, args.workers, weight, nbits, group, folder)
            anec_snr = snr_db(ref, mse)
            print(f"{mode:<16} {name:<36} {weight.size:>9} {ct_s:>13.2f} {anec_s:>8.3f} "
                  f"{ct_s / anec_s:>8.1f}x {ct_snr:>10.3f} {anec_snr:>11.3f} "
                  f"{anec_snr - ct_snr:>+9.3f}", flush=True)
            worse += anec_snr < ct_snr - 0.05
    if args.quick:
        print("SNR within 0.05 dB of coremltools or better on every tensor" if not worse else
              f"SNR more than 0.05 dB below coremltools' on {worse} tensors")
        return 1 if worse else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
