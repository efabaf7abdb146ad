#!/usr/bin/env bash
# A chain of N element-wise ops through anec-ane-pipeline (docs/RELIABILITY:
# a 200,000-op chain once hung the pipeline), against the floor of parsing
# and printing the same program with no pass, in the same run.
# Usage: utils/bench-long-chain.sh [N...]   (default 20000 200000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sizes=("$@")
((${#sizes[@]})) || sizes=(20000 200000)
printf '%-8s %12s %12s %8s %12s\n' ops "pipeline s" "floor s" ratio "peak MiB"
for n in "${sizes[@]}"; do
  /usr/bin/python3 "$root/test/tools/make_chain.py" "$n" > "$work/chain.mlir"
  /usr/bin/time -f '%e %M' -o "$work/floor" "$bin/anec-opt" "$work/chain.mlir" -o /dev/null
  /usr/bin/time -f '%e %M' -o "$work/pipe" "$bin/anec-opt" "$work/chain.mlir" \
    --anec-ane-pipeline -o /dev/null
  read -r fs _ < "$work/floor"
  read -r ps pk < "$work/pipe"
  awk -v n="$n" -v p="$ps" -v f="$fs" -v k="$pk" \
    'BEGIN { printf "%-8d %12.2f %12.2f %7.1fx %12.0f\n", n, p, f, p / f, k / 1024 }'
done
