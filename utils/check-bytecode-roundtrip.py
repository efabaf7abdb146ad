#!/usr/bin/env python3
"""Checks that every valid lit input round-trips through MLIR bytecode.

For each .mlir file under the given folders (split at `// -----` when its RUN
lines use -split-input-file), the text anec-opt prints must be identical
whether the input was read as text or written to bytecode and read back.
Inputs that exist to be rejected (expected-error) are skipped.
Usage: check-bytecode-roundtrip.py ANEC_OPT DIR...
"""
import pathlib
import subprocess
import sys


def run(cmd, data):
    p = subprocess.run(cmd, input=data, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors="replace"))
    return p.stdout


def main():
    anec_opt, dirs = sys.argv[1], sys.argv[2:]
    checked = failed = 0
    for d in dirs:
        for path in sorted(pathlib.Path(d).rglob("*.mlir")):
            text = path.read_text()
            chunks = text.split("// -----") if "-split-input-file" in text else [text]
            for i, chunk in enumerate(chunks):
                if "expected-error" in chunk or "func.func" not in chunk:
                    continue
                where = f"{path}:{i}"
                try:
                    printed = run([anec_opt], chunk.encode())
                    bytecode = run([anec_opt, "--emit-bytecode"], chunk.encode())
                    reread = run([anec_opt], bytecode)
                except RuntimeError as e:
                    print(f"FAIL {where}: anec-opt failed:\n{e}")
                    failed += 1
                    continue
                checked += 1
                if printed != reread:
                    print(f"FAIL {where}: text differs after the bytecode round trip")
                    failed += 1
    print(f"bytecode round trip: {checked} inputs checked, {failed} failed")
    if checked == 0:
        print("FAIL: no inputs found")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
