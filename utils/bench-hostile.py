#!/usr/bin/env python3
"""Time and peak memory of anec on every hostile-input class of
docs/RELIABILITY.md, against the issue's bound (5 s, 500 MB) for each run.

Each case builds its input in a scratch folder, runs one anec tool on it, and
records the wall time and the peak resident set of that process (os.wait4).
A case passes when the process ends with the expected outcome (a clean error
naming the file or flag, or a correct result; never a signal) within the
bounds. Exit status 1 if any case does not.

Usage: /usr/bin/python3 utils/bench-hostile.py [BUILD_DIR]
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build")
BIN = os.path.join(BUILD, "bin")
PY = "/usr/bin/python3"
LIMIT_S, LIMIT_MB = 5.0, 500.0


def run(argv, stdin=None, timeout=60):
    """(exit code or -signal, seconds, peak MiB, stderr) of one process."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.monotonic() - start
        err.seek(0)
        text = err.read().decode(errors="replace")
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, seconds, usage.ru_maxrss / 1024.0, text


def tool(name, *args):
    return [os.path.join(BIN, name), *map(str, args)]


def main():
    work = tempfile.mkdtemp(prefix="anec-hostile-")
    w = lambda *p: os.path.join(work, *p)
    sh = lambda cmd: subprocess.run(cmd, shell=True, check=True, cwd=work,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # Inputs.
    sh(f"{tool('anec-translate')[0]} --quiet --make-tiny-model {w('tiny')}")
    os.makedirs(w("zc"))
    sh(f"cp {w('tiny', 'model.safetensors')} {w('zc')}/ && ln -s /dev/zero {w('zc', 'config.json')}")
    open(w("deep.json"), "w").write("[" * 50000 + "]" * 50000)
    open(w("deep.mlir"), "w").write("module {" * 20000 + "}" * 20000)
    sh(f"cp -r {w('tiny')} {w('many')}")
    sh(PY + " -c \"import json,sys; p=sys.argv[1]; c=json.load(open(p)); "
       "c['num_hidden_layers']=1000000; json.dump(c, open(p, 'w'))\" " + w("many", "config.json"))
    sh(f"{PY} {ROOT}/test/import/make_checkpoint.py llama F32 {w('hf')} --dims=64,128,2,4,2,16,300")
    for kind in ("nan-scale", "nan-eps", "huge-dims", "string-length"):
        sh(f"{PY} {ROOT}/test/import/make_gguf.py {w('hf')} {w(kind + '.gguf')} {w('deq-' + kind)} "
           f"--corrupt={kind}")
    sh(f"{PY} {ROOT}/test/tools/make_chain.py 200000 > {w('chain.mlir')}")
    # Native M1 programs and Espresso networks: anec's own .hwx and broken
    # copies of it; a plist that never ends and one nested 100,000 deep.
    sh(f"{PY} {ROOT}/test/hwx/make_block.py {w('tiny')} model.layers.0.mlp.gate_proj.weight "
       f"{w('block.mlir')} {w('block.npy')}")
    sh(f"{tool('anec')[0]} compile {w('block.mlir')} --format=hwx --target=m1 -o {w('block.hwx')} --quiet")
    sh(f"{PY} {ROOT}/test/hwx/make_bad_hwx.py {w('block.hwx')} {w('badhwx')}")
    os.symlink("/dev/zero", w("zero.plist"))
    open(w("deep.plist"), "w").write("<plist>" + "<array>" * 100000 + "</array>" * 100000 + "</plist>")
    # Bytecode nested past the limit, made by MLIR's own writer (which needs
    # a big stack to parse the text form).
    have_mlir_opt = subprocess.run("command -v mlir-opt-19", shell=True,
                                   stdout=subprocess.DEVNULL).returncode == 0
    if have_mlir_opt:
        open(w("regions.mlir"), "w").write("builtin.module {" * 20000 + "}" * 20000)
        open(w("attrs.mlir"), "w").write(
            "module attributes {a.x = " + "[" * 190000 + "]" * 190000 + "} {}")
        sh("ulimit -s unlimited; mlir-opt-19 --emit-bytecode regions.mlir -o regions.mlirbc && "
           "mlir-opt-19 --allow-unregistered-dialect --emit-bytecode attrs.mlir -o attrs.mlirbc")

    compile_ = lambda *a: tool("anec", "compile", *a, "--quiet")
    cases = [
        # (class, what, argv, expected: "error" or "ok", text the error must hold)
        ("endless input", "config.json -> /dev/zero", compile_(w("zc"), "-o", w("o.mlpackage")),
         "error", "config.json"),
        ("endless input", "--target=/dev/zero", compile_(w("tiny"), "-o", w("o.mlpackage"),
                                                        "--target=/dev/zero"), "error", "/dev/zero"),
        ("endless input", "GGUF /dev/zero", tool("anec-translate", "--import-gguf", "/dev/zero",
                                                 "-o", w("o.mlir")), "error", "/dev/zero"),
        ("endless input", "anec-opt /dev/zero", tool("anec-opt", "/dev/zero"), "error", "/dev/zero"),
        ("endless input", "anec-run /dev/zero", tool("anec-run", "/dev/zero"), "error", "/dev/zero"),
        ("deep JSON", "target nested 50,000 deep", compile_(w("tiny"), "-o", w("o.mlpackage"),
                                                           "--target=" + w("deep.json")),
         "error", "nested deeper"),
        ("deep MLIR", "text, 20,000 modules", tool("anec-opt", w("deep.mlir")), "error", "nested deeper"),
        ("deep MLIR", "text, anec compile", compile_(w("deep.mlir"), "-o", w("o.mlpackage")),
         "error", "nested deeper"),
        ("layers claimed", "config: 1,000,000 layers", tool("anec-translate", "--import-hf",
                                                           w("many"), "-o", w("o.mlir")),
         "error", "1000000 layers"),
        ("sizes", "--context=2^31", compile_(w("tiny"), "-o", w("o.mlpackage"), "--context=2147483648"),
         "error", "--context"),
        ("sizes", "--full-sequence=100000", tool("anec-translate", "--import-hf", w("tiny"),
                                                 "--full-sequence=100000", "-o", w("o.mlir")),
         "error", "full-sequence"),
        ("sizes", "tensor<99999999999x64xf16> in anec-run",
         tool("anec-run", ROOT + "/test/tools/inputs/huge-tensor.mlir"), "error", "elements"),
        ("GGUF", "NaN Q8_0 block scale", tool("anec-translate", "--import-gguf", w("nan-scale.gguf"),
                                              "-o", w("o.mlir")), "error", "nan-scale.gguf"),
        ("GGUF", "NaN rms epsilon", tool("anec-translate", "--import-gguf", w("nan-eps.gguf"),
                                         "-o", w("o.mlir")), "error", "nan-eps.gguf"),
        ("GGUF", "dims past 2^40", tool("anec-translate", "--import-gguf", w("huge-dims.gguf"),
                                        "-o", w("o.mlir")), "error", "huge-dims.gguf"),
        ("GGUF", "string longer than the file", tool("anec-translate", "--import-gguf",
                                                     w("string-length.gguf"), "-o", w("o.mlir")),
         "error", "string-length.gguf"),
        ("transpose", "perm [-1, 0]", tool("anec-run", ROOT + "/test/tools/inputs/negative-perm.mlir",
                                           "--compare-pipeline=canonicalize", "--max-rel=0"), "ok", ""),
        ("flags", "--layers -1", tool("anec-translate", "--make-synthetic-model", w("syn"),
                                      "--from-config", w("tiny", "config.json"), "--layers=-1"),
         "error", "--layers"),
        ("flags", "--weights=mixed:nan", compile_(w("tiny"), "-o", w("o.mlpackage"),
                                                  "--weights=mixed:nan"), "error", "nan"),
        ("flags", "max-dim=0", tool("anec-opt", ROOT + "/test/passes/palettize-weights.mlir",
                                    "--anec-limit-dimensions=max-dim=0"), "error", "max-dim"),
        ("output", "-o the input checkpoint", compile_(w("tiny"), "-o", w("tiny")), "error", "input"),
        ("output", "-o a missing folder", compile_(w("tiny"), "-o", w("nope", "x.mlpackage")),
         "error", "does not exist"),
        ("endless input", "anec inspect --registers /dev/zero",
         tool("anec", "inspect", "--registers", "/dev/zero"), "error", "/dev/zero"),
        ("endless input", "Espresso net.plist -> /dev/zero",
         tool("anec-translate", "--import-espresso-net", w("zero.plist"), "-o", w("o.mlir")),
         "error", "zero.plist"),
        ("deep plist", "arrays nested 100,000 deep",
         tool("anec-translate", "--import-espresso-net", w("deep.plist"), "-o", w("o.mlir")),
         "error", "nested deeper"),
        ("hwx", "load commands past the file", tool("anec", "inspect", "--registers",
                                                     w("badhwx", "sizeofcmds.hwx")),
         "error", "sizeofcmds.hwx"),
        ("hwx", "a register stream past its task", tool("anec", "inspect", "--registers",
                                                         w("badhwx", "stream.hwx")),
         "error", "stream.hwx"),
        ("hwx", "a next task inside its own", tool("anec", "inspect", "--registers",
                                                   w("badhwx", "next-inside.hwx")),
         "error", "next-inside.hwx"),
        ("long chain", "200,000 ops through anec-ane-pipeline",
         tool("anec-opt", w("chain.mlir"), "--anec-ane-pipeline", "-o", "/dev/null"), "ok", ""),
    ]
    if have_mlir_opt:
        cases += [
            ("deep MLIR", "bytecode, 20,000 modules", tool("anec-opt", w("regions.mlirbc")),
             "error", "nested deeper"),
            ("deep MLIR", "bytecode, attribute 190,000 deep", tool("anec-opt", w("attrs.mlirbc")),
             "error", "nested deeper"),
        ]

    print(f"{'class':<15} {'case':<40} {'outcome':<8} {'s':>6} {'MiB':>7}  bound")
    bad = 0
    for cls, what, argv, expected, needle in cases:
        code, seconds, mib, err = run(argv)
        if code < 0:
            outcome = f"signal {-code}"
        elif expected == "ok":
            outcome = "ok" if code == 0 else f"exit {code}"
        else:
            outcome = "error" if code != 0 and needle in err else f"exit {code}"
        within = seconds <= LIMIT_S and mib <= LIMIT_MB
        good = outcome == expected and within
        bad += not good
        print(f"{cls:<15} {what:<40} {outcome:<8} {seconds:6.2f} {mib:7.0f}  "
              f"{'within' if within else 'OVER'}{'' if good else '  <-- FAIL'}")
    subprocess.run(["rm", "-rf", work])
    print(f"{len(cases) - bad} of {len(cases)} cases end as expected within {LIMIT_S:.0f} s and "
          f"{LIMIT_MB:.0f} MB")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
