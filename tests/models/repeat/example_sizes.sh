#!/bin/sh
# example_sizes.sh DLC OUTDIR - the examples with repeated structure stay small: examples/lstm.lua
# (an nn.LSTM unrolled over 28 steps) and examples/transformer.lua (two encoder blocks) each
# generate under 350 KB of C with at most 160 kernels, the LSTM's steps sharing theirs.  (The
# transformer was 287 KB before the training step fused Adam into its 8 weight-gradient
# products: their tile kernels with the update and the step's branches add ~40 KB.)  Sizes,
# not times: deterministic.  Generated as a user does, from the repository's root.
set -e
dlc=$1 out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../../.."
for m in lstm transformer; do
  "$dlc" "examples/$m.lua" -o "$out/$m.c"
  size=$(wc -c < "$out/$m.c")
  kernels=$(grep -c '^\(DLC_SHARED_KERNEL \)\?static void' "$out/$m.c")
  shared=$(grep -c '^DLC_SHARED_KERNEL static void' "$out/$m.c" || true)
  echo "$m: $size bytes of C, $kernels kernels, $shared of them shared"
  [ "$size" -lt 350000 ] || { echo "FAIL: $m: $size bytes >= 350000"; exit 1; }
  [ "$kernels" -le 160 ] || { echo "FAIL: $m: $kernels kernels > 160"; exit 1; }
done
[ "$(grep -c '^DLC_SHARED_KERNEL static void' "$out/lstm.c")" -ge 10 ] || { echo "FAIL: the LSTM's steps share too few kernels"; exit 1; }
echo ok
