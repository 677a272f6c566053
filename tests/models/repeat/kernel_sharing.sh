#!/bin/sh
# kernel_sharing.sh DLC CC MODEL OUTDIR - repeated structure is compiled once: the 28 steps of
# lstm_by_hand.lua share their kernels, so the generated C stays under 300 KB with at most 120
# kernels (684 kernels and 614 KB when each block had its own), and it compiles.  Sizes, not
# times: deterministic.
set -e
dlc=$1 cc=$2 model=$3 out=$4
mkdir -p "$out"
out=$(cd "$out" && pwd)
runtime=$(cd "$(dirname "$0")/../../../runtime" && pwd)
cd "$(dirname "$model")" # the model named as a user names it: comments carry its path
"$dlc" "$(basename "$model")" -o "$out/lstm.c"
size=$(wc -c < "$out/lstm.c")
kernels=$(grep -c '^\(DLC_SHARED_KERNEL \)\?static void' "$out/lstm.c")
shared=$(grep -c 'the same kernel, on other buffers' "$out/lstm.c")
echo "lstm_by_hand: $size bytes of C, $kernels kernels, $shared of them shared"
[ "$size" -lt 300000 ] || { echo "FAIL: $size bytes >= 300000"; exit 1; }
[ "$kernels" -le 120 ] || { echo "FAIL: $kernels kernels > 120"; exit 1; }
[ "$shared" -ge 10 ] || { echo "FAIL: only $shared shared kernels"; exit 1; }
"$cc" -O0 -c -Wall -Wextra -Werror -I"$runtime" "$out/lstm.c" -o "$out/lstm.o"
echo "ok: compiles"
