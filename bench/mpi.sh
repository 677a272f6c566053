#!/usr/bin/env bash
# bench/mpi.sh - data-parallel `dlc train --mpi` on this machine, by hand (CTest never runs it):
# for examples/fashion_mlp.lua (global batch 64, 5 epochs) and examples/fashion_cnn.lua (32, 1
# epoch) on Fashion-MNIST, seed 1, each way:
#   1 process     plain dlc train --batch G (the fused training step)
#   1 rank        mpirun -np 1 ... --mpi --batch G (the MPI path: grad, sum, update)
#   2 ranks       mpirun -np 2 ... --mpi --batch G/2 (the same global batch: strong scaling)
#   2 ranks x G   mpirun -np 2 ... --mpi --batch G (twice the global batch: weak scaling)
# Reported (means over the epochs): the epoch's wall time (training, then evaluation of the 54000 training and 6000
# validation rows, which the ranks share), the training throughput, and the time the sum of the
# gradients took per step (from dlc train's "mpi:" line).  Then a model of N machines: ring
# allreduce of the step's bytes, 2 (N-1)/N x bytes / bandwidth + 2 (N-1) x latency, next to the
# measured one-process step time, at 10, 25 and 100 Gbit/s.
#
#   bench/mpi.sh [MODEL...]     MODEL: fashion_mlp fashion_cnn (default both)
# Environment: DLC (default build/compiler/dlc), LATENCY_US (per message, default 20: TCP).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DLC=${DLC:-$ROOT/build/compiler/dlc}
LAT=${LATENCY_US:-20}
OUT=$ROOT/build-bench/mpi
mkdir -p "$OUT"
[ -x "$DLC" ] || { echo "bench/mpi.sh: no $DLC: make build first" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "bench/mpi.sh: no mpirun: sh tools/deps.sh" >&2; exit 1; }
MPIRUN="mpirun --oversubscribe"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
export DLC_CACHE_DIR=$OUT/cache
MODELS=${*:-fashion_mlp fashion_cnn}
batch() { case $1 in fashion_mlp) echo 64 ;; fashion_cnn) echo 32 ;; esac; }
epochs() { case $1 in fashion_mlp) echo 5 ;; fashion_cnn) echo 1 ;; esac; }

# run NAME CMD...: its stdout in $OUT/NAME.txt; prints the mean over its epochs of "epoch_s
# samples_per_s sum_ms share" (the last three from the "mpi:" lines, "-" without)
run() {
  local name=$1; shift
  "$@" >"$OUT/$name.txt" 2>"$OUT/$name.err" || { echo "bench/mpi.sh: $name failed:" >&2; cat "$OUT/$name.err" >&2; exit 1; }
  awk '/^epoch +[0-9]+\/[0-9]+ / { e += $NF == "s" ? $(NF - 1) : 0; ne++ }
       /^  mpi: / { for (i = 1; i <= NF; i++) { if ($i == "samples/s;") s += $(i - 1); if ($i == "ms") t += $(i - 1); if ($i == "%") p += $(i - 1) }; nm++ }
       END { if (nm) printf "%.2f %.0f %.3f %.1f\n", e / ne, s / nm, t / nm, p / nm; else printf "%.2f - - -\n", e / ne }' "$OUT/$name.txt"
}

printf '%s\n' "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(mpirun --version | head -1)"
printf '\n| model | run | global batch | epoch (s) | vs 1 process | training samples/s | sum ms/step | of training |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
declare -A STEP BYTES
for m in $MODELS; do
  G=$(batch "$m"); H=$((G / 2)); E=$(epochs "$m"); lua=$ROOT/examples/$m.lua
  read -r e1 _ <<<"$(run "$m-1proc" "$DLC" train "$lua" --epochs "$E" --batch "$G")"
  read -r er sr tr pr <<<"$(run "$m-1rank" $MPIRUN -np 1 "$DLC" train "$lua" --epochs "$E" --batch "$G" --mpi)"
  read -r e2 s2 t2 p2 <<<"$(run "$m-2ranks" $MPIRUN -np 2 "$DLC" train "$lua" --epochs "$E" --batch "$H" --mpi)"
  read -r ew sw tw pw <<<"$(run "$m-2ranksG" $MPIRUN -np 2 "$DLC" train "$lua" --epochs "$E" --batch "$G" --mpi)"
  ratio() { awk -v a="$e1" -v b="$1" 'BEGIN { printf "%.2fx", a / b }'; }
  printf '| %s | 1 process | %d | %s | 1x | | | |\n' "$m" "$G" "$e1"
  printf '| %s | 1 rank (--mpi) | %d | %s | %s | %s | %s | %s %% |\n' "$m" "$G" "$er" "$(ratio "$er")" "$sr" "$tr" "$pr"
  printf '| %s | 2 ranks x %d | %d | %s | %s | %s | %s | %s %% |\n' "$m" "$H" "$G" "$e2" "$(ratio "$e2")" "$s2" "$t2" "$p2"
  printf '| %s | 2 ranks x %d | %d | %s | | %s | %s | %s %% |\n' "$m" "$G" "$((2 * G))" "$ew" "$sw" "$tw" "$pw"
  STEP[$m]=$(awk -v s="$sr" -v g="$G" 'BEGIN { printf "%.3f", 1000 * g / s }') # ms per step, one rank
  BYTES[$m]=$(grep -m1 '^mpi: ' "$OUT/$m-1rank.txt" | sed 's/.*(\([0-9.e+-]*\) MB).*/\1/')
done

printf '\nA model of N machines, one rank each, every step: the ring allreduce of the bytes below\n'
printf '(2 (N-1)/N x bytes / bandwidth + 2 (N-1) x %s us), without overlap, next to the one-rank step\n' "$LAT"
printf 'measured above; efficiency = step / (step + allreduce).\n\n'
printf '| model | MB a step | step (ms) | N | 10 Gbit/s | 25 Gbit/s | 100 Gbit/s |\n|---|---:|---:|---:|---:|---:|---:|\n'
for m in $MODELS; do
  for n in 2 8 64; do
    awk -v m="$m" -v mb="${BYTES[$m]}" -v st="${STEP[$m]}" -v n="$n" -v lat="$LAT" 'BEGIN {
      printf "| %s | %.2f | %.2f | %d |", m, mb, st, n
      split("10 25 100", bw, " ")
      for (i = 1; i <= 3; i++) {
        t = 2 * (n - 1) / n * mb * 8 / (bw[i] * 1000) * 1000 + 2 * (n - 1) * lat / 1000 # ms
        printf " %.2f ms (%.0f %%) |", t, 100 * st / (st + t)
      }
      printf "\n" }'
  done
done
