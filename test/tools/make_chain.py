#!/usr/bin/env python3
"""Prints a mil function that is one chain of N relu ops: make_chain.py N"""
import sys

n = int(sys.argv[1])
print("func.func @main(%x: tensor<1x64xf16>) -> tensor<1x64xf16> {")
prev = "%x"
for i in range(n):
    print(f"  %v{i} = mil.relu(x = {prev}) : tensor<1x64xf16>")
    prev = f"%v{i}"
print(f"  return {prev} : tensor<1x64xf16>")
print("}")
