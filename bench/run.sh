#!/usr/bin/env bash
# bench/run.sh - dlc against PyTorch on the CPU, side by side in one run, reported as ratios.
# Run by hand (CTest never runs it). See bench/README.md.
#
#   bench/run.sh [--quick] [--no-openblas] [--callgrind] [--target T] [MODEL...]
#
#   MODEL          any of: mlp mlp_b1 mlp_small xor lenet fashion_cnn lstm transformer resnet (default: all)
#   --quick        0.5 s x 3 repeats per measurement instead of 2.5 s x 5 (a smoke test)
#   --no-openblas  skip the PyTorch-with-OpenBLAS rows (they need `apt-get download`, no root)
#   --callgrind    also count instructions per step under valgrind (slow: a few minutes)
#   --target T     dlc --target (default: this machine's, as dlc train picks it)
#
# Environment: BENCH_SECONDS (default 2.5), BENCH_REPEATS (default 5), CC (default clang),
# BENCH_PYTHON (default /usr/bin/python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=$ROOT/build-bench
OUT=$BUILD/bench          # generated C, drivers, logs
PY=${BENCH_PYTHON:-/usr/bin/python3}  # Debian's python3-torch lives here, not in the python3 on PATH
CC=${CC:-clang}
SECS=${BENCH_SECONDS:-2.5}
REPEATS=${BENCH_REPEATS:-5}
OPENBLAS=1
CALLGRIND=0

# name:model file, in table order
ALL_MODELS="mlp:examples/mlp.lua mlp_b1:bench/models/mlp_b1.lua mlp_small:bench/models/mlp_small.lua xor:examples/xor.lua lenet:examples/lenet.lua fashion_cnn:examples/fashion_cnn.lua lstm:examples/lstm.lua transformer:examples/transformer.lua resnet:examples/resnet.lua"
# steps per instruction count under valgrind (it is ~50x slower)
cg_iters() { case $1 in mlp|lenet) echo 10 ;; fashion_cnn|lstm|transformer|resnet) echo 2 ;; *) echo 200 ;; esac; }
# models also timed on all CPUs (--openmp): those with enough work per step to split
threaded() { case $1 in mlp|lenet|fashion_cnn|resnet) return 0 ;; *) return 1 ;; esac; }

die() { echo "bench/run.sh: $*" >&2; exit 1; }

# the target dlc train would pick on this machine
host_target() {
  case $(uname -m) in aarch64|arm64) echo neon; return ;; esac
  if grep -qw avx512f /proc/cpuinfo; then echo avx512
  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then echo avx2
  else echo generic; fi
}
TARGET=$(host_target)

MODELS=()
want_target=0
for arg in "$@"; do
  if [ $want_target = 1 ]; then TARGET=$arg want_target=0; continue; fi
  case $arg in
    --target) want_target=1 ;;
    --target=*) TARGET=${arg#--target=} ;;
    --quick) SECS=0.5 REPEATS=3 ;;
    --no-openblas) OPENBLAS=0 ;;
    --callgrind) CALLGRIND=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $arg (try --help)" ;;
    *) found=0
       for m in $ALL_MODELS; do [ "${m%%:*}" = "$arg" ] && MODELS+=("$m") && found=1; done
       [ $found = 1 ] || die "unknown model '$arg' (mlp, mlp_b1, mlp_small, xor, lenet or fashion_cnn)" ;;
  esac
done
[ ${#MODELS[@]} -gt 0 ] || read -r -a MODELS <<< "$ALL_MODELS"

# ---- prerequisites -------------------------------------------------------------------------
command -v cmake >/dev/null || die "cmake not found (apt-get install cmake)"
command -v "$CC" >/dev/null || die "$CC not found (apt-get install clang)"
[ -x $PY ] || die "$PY not found (apt-get install python3 python3-torch)"
$PY -c 'import torch' 2>/dev/null ||
  die "PyTorch is missing: '$PY -c \"import torch\"' fails. Install Debian's: apt-get install python3-torch"
if [ $CALLGRIND = 1 ]; then
  command -v valgrind >/dev/null || die "--callgrind needs valgrind (apt-get install valgrind)"
  [ -f /usr/include/valgrind/callgrind.h ] || die "--callgrind needs valgrind's headers (apt-get install valgrind)"
fi

# ---- dlc: build if needed (incremental: only the dlc target, in its own build tree) ---------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "== configuring $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
echo "== building dlc"
cmake --build "$BUILD" --target dlc -j "$(nproc)" >"$BUILD/bench-build.log" 2>&1 ||
  { tail -20 "$BUILD/bench-build.log" >&2; die "building dlc failed (log: $BUILD/bench-build.log)"; }
DLC=$BUILD/compiler/dlc
mkdir -p "$OUT"

# ---- PyTorch with OpenBLAS: Debian's torch links libblas.so.3, which is the reference BLAS
# unless an optimized one is installed. We fetch OpenBLAS's .deb (no root, nothing installed)
# and point LD_LIBRARY_PATH at it for the extra rows.
OPENBLAS_DIR=$BUILD/openblas/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ $OPENBLAS = 1 ] && [ ! -f "$OPENBLAS_DIR/libblas.so.3" ]; then
  echo "== fetching OpenBLAS (apt-get download libopenblas0-openmp)"
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download libopenblas0-openmp >/dev/null 2>&1) &&
     dpkg-deb -x "$tmp"/libopenblas0-openmp_*.deb "$BUILD/openblas"; then :; else
    echo "   (could not fetch it: skipping the OpenBLAS rows)"; OPENBLAS=0
  fi
  rm -rf "$tmp"
fi
[ $OPENBLAS = 1 ] && [ -f "$OPENBLAS_DIR/libblas.so.3" ] || OPENBLAS=0

# What libblas.so.3 Debian's torch gets by default (reference BLAS or an optimized one).
sys_blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo "?")
case $sys_blas in
  */blas/libblas.so*) SYS_BLAS="ref BLAS" ;;
  *openblas*) SYS_BLAS="OpenBLAS" ;;
  *blis*) SYS_BLAS="BLIS" ;;
  *atlas*) SYS_BLAS="ATLAS" ;;
  *mkl*) SYS_BLAS="MKL" ;;
  *) SYS_BLAS="$(basename "$sys_blas")" ;;
esac

# ---- the machine ---------------------------------------------------------------------------
NPROC=$(nproc)
TORCH_DEFAULT=$($PY -c 'import torch; print(torch.get_num_threads())')
TORCH_VERSION=$($PY -c 'import torch; print(torch.__version__)')
echo "== machine"
echo "   CPU:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $NPROC CPUs," \
     "$(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || echo no AVX-512)"
echo "   clang:   $($CC --version | head -1)"
echo "   torch:   $TORCH_VERSION ($PY), default threads $TORCH_DEFAULT, libblas.so.3 -> $sys_blas"
echo "   load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other work on the machine skews results)"
awk '$1 > 0.5 { print "   WARNING: the machine is busy (load " $1 "); timings, above all multi-threaded ones, will be noisy" }' /proc/loadavg
echo "   timing:  median of $REPEATS repeats of ~${SECS} s each, after ~0.5 s of warm-up"

# PyTorch configurations: BLAS x threads (1, the default, all CPUs; duplicates dropped).
THREADS=$(printf '%s\n' 1 "$TORCH_DEFAULT" "$NPROC" | awk '!seen[$0]++' | tr '\n' ' ')
CONFIGS=()   # "label|LD_LIBRARY_PATH|threads"
for t in $THREADS; do
  note=""; [ "$t" = "$TORCH_DEFAULT" ] && note=" (default)"
  CONFIGS+=("$SYS_BLAS, $t thr$note||$t")
done
if [ $OPENBLAS = 1 ]; then
  for t in $THREADS; do
    note=""; [ "$t" = "$TORCH_DEFAULT" ] && note=" (default)"
    CONFIGS+=("OpenBLAS, $t thr$note|$OPENBLAS_DIR|$t")
  done
fi

# measure CMD... : run a timing command; RATE and LOSS from its RESULT line (median/s, last loss)
measure() {
  local line
  line=$("$@" | grep '^RESULT') || die "failed: $*"
  set -- $line
  RATE=$3 BEST=$5 LOSS=$7
}

# The training step's speed-up on NPROC threads measured in pairs: REPEATS rounds, each one repeat
# of the one-thread build then one of the --openmp build, back to back; PAIRED is the median of
# the rounds' ratios.  On a shared VM the machine changes between the rows' separate medians (a
# neighbour's load, the vCPUs' placement); a pair sees nearly the same machine.  Before each
# pair xcore's 8 MB pass tells where the vCPUs are: close (the other's data costs < 2x a local
# pass; 1.0-1.3x seen) or apart (4.6-12.7x seen), and the hypervisor moves them within minutes;
# PAIRED_BY says each kind's median and its rounds.
median() { # "<median>x" of the ratios given, or "n/a" for none
  [ $# -gt 0 ] || { printf 'n/a'; return; }
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2fx", v[int((NR + 1) / 2)] }'
}
paired() { # one-thread driver, --openmp driver
  local r a ratios=() close=() apart=() XC XCLONG XC8 # (xcore_now's, this pair's: the row keeps its own)
  for ((r = 0; r < REPEATS; r++)); do
    xcore_now
    measure "$1" train "$SECS" 1; a=$RATE
    measure env OMP_NUM_THREADS="$NPROC" "$2" train "$SECS" 1
    ratios+=("$(awk -v a="$a" -v b="$RATE" 'BEGIN { print b / a }')")
    if [ -n "$XCORE" ]; then
      if awk -v x="$XC8" 'BEGIN { exit !(x < 2) }'; then close+=("${ratios[-1]}"); else apart+=("${ratios[-1]}"); fi
    fi
  done
  PAIRED=$(median "${ratios[@]}")
  PAIRED_CLOSE=$(median "${close[@]}") PAIRED_APART=$(median "${apart[@]}")
  PAIRED_BY="vCPUs close $PAIRED_CLOSE (${#close[@]}), apart $PAIRED_APART (${#apart[@]})"
  [ -n "$XCORE" ] || PAIRED_BY="n/a"
}

# ---- the machine's FP32 peak: FMA throughput of one core, 512- and 256-bit vectors ----------
"$CC" -O2 -march=native "$BENCH/peak.c" -o "$OUT/peak" || die "building bench/peak.c failed"
PEAK512=$("$OUT/peak" 1 | awk '$2 == 512 { print $3 }')
PEAK256=$("$OUT/peak" 1 | awk '$2 == 256 { print $3 }')
echo "   peak:    one core, FP32 FMA loop: $PEAK512 GFLOP/s with 512-bit vectors, $PEAK256 with 256-bit" \
     "(bench/peak.c; % of peak below is of the 512-bit figure)"
echo "   dlc:     --target $TARGET (clang -O3 -march=native -fno-math-errno, as dlc train builds)"
# ---- what a core pays to read another core's fresh data (bench/xcore.c): on a VM it depends on
# where the hypervisor puts the vCPUs, and can change within a run: measured before each 2-thread row
XCORE=""
if [ "$NPROC" -gt 1 ] && "$CC" -O2 -march=native -fopenmp "$BENCH/xcore.c" -o "$OUT/xcore" 2>/dev/null; then
  XCORE=$OUT/xcore
fi
xcore_now() { # XC: "8 MB <ratio>x, 256 KB <ratio>x" (passes on the other's data / on its own), or "n/a"; XC8: the 8 MB ratio
  XC="n/a" XCLONG="n/a" XC8=""
  [ -n "$XCORE" ] || return 0
  local out
  out=$(OMP_NUM_THREADS="$NPROC" "$XCORE")
  XC8=$(echo "$out" | awk '$1 == "XCORE" { print $4 / $3 }')
  XC=$(echo "$out" | awk '$1 == "XCORE" { b = $4 / $3 } $1 == "XCORE_L2" { s = $4 / $3 } END { printf "8 MB %.1fx, 256 KB %.1fx", b, s }')
  XCLONG=$(echo "$out" | awk '$1 == "XCORE" { b = sprintf("%.0f/%.0f us (%.1fx)", $3, $4, $4 / $3) }
    $1 == "XCORE_L2" { s = sprintf("%.1f/%.1f us (%.1fx)", $3, $4, $4 / $3) } END { printf "8 MB %s; 256 KB, in L2, %s", b, s }')
}
xcore_now
echo "   xcore:   $NPROC threads, a pass on each thread's own data / on the other's: $XCLONG (bench/xcore.c)"

# ---- generate and build each model --------------------------------------------------------
BUILD_SECONDS=0
gen_and_build() { # name model.lua march out-binary [extra cflags]; BUILD_SECONDS: dlc + clang time
  local name=$1 lua=$2 march=$3 bin=$4 t0 t1; shift 4
  local upper cls="" dlcargs=(--target "$TARGET")
  for f in "$@"; do [ "$f" = -fopenmp ] && dlcargs+=(--openmp); done
  upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  t0=$(date +%s.%N)
  "$DLC" "$ROOT/$lua" "${dlcargs[@]}" -o "$OUT/$name.c" || die "dlc failed on $lua"
  grep -q 'int32 target' "$OUT/$name.h" && cls=-DCLASS_TARGET
  # a model whose class labels are the input y (examples/transformer.lua): the driver's target
  grep -q 'int32 y ' "$OUT/$name.h" && cls="-DCLASS_TARGET -D${upper}_TARGET_SIZE=${upper}_Y_SIZE"
  "$CC" -O3 -march="$march" -fno-math-errno -std=c11 -c "$OUT/$name.c" -I"$ROOT/runtime" -I"$OUT" "$@" -o "$OUT/$name.o" ||
    die "building $name.c failed"
  t1=$(date +%s.%N)
  BUILD_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  "$CC" -O3 -march="$march" -std=c11 -DNET="$name" -DNETU="$upper" "-DHEADER=\"$name.h\"" $cls "$@" \
    -I"$ROOT/runtime" -I"$OUT" "$BENCH/driver.c" "$OUT/$name.o" \
    "$ROOT/runtime/rng.c" "$ROOT/runtime/safetensors.c" "$ROOT/runtime/text.c" "$ROOT/runtime/fileio.c" -lm -o "$bin" ||
    die "building the $name driver failed"
}

fmt() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else printf "%.3g", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf (r >= 10 ? "%.0fx" : "%.2fx"), r }'; }
gflops() { awk -v r="$1" -v f="$2" 'BEGIN { printf "%.1f", r * f * 1e-9 }'; }      # steps/s, FLOPs/step
pct() { awk -v r="$1" -v f="$2" -v p="$PEAK512" 'BEGIN { printf "%.0f %%", 100 * r * f * 1e-9 / p }'; }
stat() { "$DLC" "$ROOT/$1" --stats | awk -v k="$2" '$0 ~ "^FLOPs " k { print $NF }'; }

RESULTS=$OUT/results.txt
: > "$RESULTS"
echo "peak512 $PEAK512 peak256 $PEAK256 target $TARGET" >> "$RESULTS"
TABLE=() DLCTABLE=() THRTABLE=() FLOORTABLE=()
for entry in "${MODELS[@]}"; do
  name=${entry%%:*} lua=${entry#*:}
  echo "== $name ($lua)"
  ftrain=$(stat "$lua" "train step") ffwd=$(stat "$lua" forward)
  gen_and_build "$name" "$lua" native "$OUT/drv_$name"; build_s=$BUILD_SECONDS
  batch=$(awk '/_BATCH / { print $3; exit }' "$OUT/$name.h")
  measure "$OUT/drv_$name" train "$SECS" "$REPEATS"; dlc_train=$RATE dlc_loss=$LOSS
  measure "$OUT/drv_$name" forward "$SECS" "$REPEATS"; dlc_fwd=$RATE
  echo "   dlc (1 thr): train $(fmt "$dlc_train")/s (loss $dlc_loss, $(gflops "$dlc_train" "$ftrain") GFLOP/s)," \
       "forward $(fmt "$dlc_fwd")/s ($(gflops "$dlc_fwd" "$ffwd") GFLOP/s); dlc + clang $build_s s"
  echo "$name dlc 1 train $dlc_train forward $dlc_fwd flops_train $ftrain flops_forward $ffwd build_s $build_s" >> "$RESULTS"
  floor_rate=""
  if [ "$batch" = 1 ]; then # the memory floors of a batch-1 step and forward (bench/peak.c FLOOR)
    params=$("$DLC" "$ROOT/$lua" --stats | awk '/^parameters/ { print $2 }')
    floor=$("$OUT/peak" 1 "$params" | awk '$1 == "FLOOR"') || die "bench/peak.c FLOOR failed"
    read -r _ _ floor_us floor_gbs ffloor_us ffloor_gbs <<< "$floor"
    floor_rate=$(awk -v u="$floor_us" 'BEGIN { printf "%.0f", 1e6 / u }')
    ffloor_rate=$(awk -v u="$ffloor_us" 'BEGIN { printf "%.0f", 1e6 / u }')
    echo "   memory floors ($params weights): a step $floor_us us (weights and momentum, 20 bytes each, at $floor_gbs GB/s)," \
         "$(fmt "$floor_rate")/s, dlc at $(awk -v a="$dlc_train" -v b="$floor_rate" 'BEGIN { printf "%.0f %%", 100 * a / b }') of it;" \
         "a forward $ffloor_us us (the weights read, $ffloor_gbs GB/s), $(fmt "$ffloor_rate")/s," \
         "dlc at $(awk -v a="$dlc_fwd" -v b="$ffloor_rate" 'BEGIN { printf "%.0f %%", 100 * a / b }')"
    echo "$name floor_us $floor_us floor_gbs $floor_gbs floor_rate $floor_rate ffloor_us $ffloor_us ffloor_rate $ffloor_rate" >> "$RESULTS"
  fi
  DLCTABLE+=("| $name | $batch | $(awk -v f="$ftrain" 'BEGIN { printf "%.3g", f / 1e6 }') | $(fmt "$dlc_train") | $(gflops "$dlc_train" "$ftrain") | $(pct "$dlc_train" "$ftrain") | $(fmt "$dlc_fwd") | $(gflops "$dlc_fwd" "$ffwd") | $(pct "$dlc_fwd" "$ffwd") | $build_s |")
  if [ "$NPROC" -gt 1 ] && threaded "$name"; then
    gen_and_build "${name}" "$lua" native "$OUT/drv_${name}_omp" -fopenmp
    xcore_now
    measure env OMP_NUM_THREADS="$NPROC" "$OUT/drv_${name}_omp" train "$SECS" "$REPEATS"; omp_train=$RATE omp_train_best=$BEST
    measure env OMP_NUM_THREADS="$NPROC" "$OUT/drv_${name}_omp" forward "$SECS" "$REPEATS"; omp_fwd=$RATE omp_fwd_best=$BEST
    paired "$OUT/drv_$name" "$OUT/drv_${name}_omp"
    echo "   dlc ($NPROC thr, --openmp): train $(fmt "$omp_train")/s (best repeat $(fmt "$omp_train_best")), forward $(fmt "$omp_fwd")/s (best $(fmt "$omp_fwd_best")); train speed-up in pairs $PAIRED ($PAIRED_BY); cross-core $XC"
    echo "$name dlc $NPROC train $omp_train forward $omp_fwd best_train $omp_train_best best_forward $omp_fwd_best paired_train ${PAIRED%x} paired_close ${PAIRED_CLOSE%x} paired_apart ${PAIRED_APART%x}" >> "$RESULTS"
    THRTABLE+=("| $name | $(fmt "$dlc_train") | $(fmt "$omp_train") ($(fmt "$omp_train_best")) | $(ratio "$omp_train" "$dlc_train") ($(ratio "$omp_train_best" "$dlc_train")) | $PAIRED | $PAIRED_BY | $(fmt "$dlc_fwd") | $(fmt "$omp_fwd") ($(fmt "$omp_fwd_best")) | $(ratio "$omp_fwd" "$dlc_fwd") ($(ratio "$omp_fwd_best" "$dlc_fwd")) | $XC |")
  fi
  for cfg in "${CONFIGS[@]}"; do
    IFS='|' read -r label libdir threads <<< "$cfg"
    envs=(env); [ -n "$libdir" ] && envs=(env "LD_LIBRARY_PATH=$libdir")
    pyargs=(--threads "$threads" --seconds "$SECS" --repeats "$REPEATS")
    measure "${envs[@]}" $PY "$BENCH/torch_bench.py" "$name" train "${pyargs[@]}"; pt_train=$RATE pt_loss=$LOSS
    measure "${envs[@]}" $PY "$BENCH/torch_bench.py" "$name" forward "${pyargs[@]}"; pt_fwd=$RATE
    echo "   PyTorch ($label): train $(fmt "$pt_train")/s (loss $pt_loss), forward $(fmt "$pt_fwd")/s"
    echo "$name torch($label) $threads train $pt_train forward $pt_fwd" >> "$RESULTS"
    TABLE+=("| $name | $label | $(fmt "$dlc_train") | $(fmt "$pt_train") | $(ratio "$dlc_train" "$pt_train") | $(fmt "$dlc_fwd") | $(fmt "$pt_fwd") | $(ratio "$dlc_fwd" "$pt_fwd") |")
    if [ -n "$floor_rate" ]; then
      FLOORTABLE+=("| $name | $label | $(fmt "$pt_train") | $(fmt "$dlc_train") | $(fmt "$floor_rate") | $(ratio "$dlc_train" "$pt_train") | $(ratio "$floor_rate" "$pt_train") | $(fmt "$pt_fwd") | $(fmt "$dlc_fwd") | $(fmt "$ffloor_rate") | $(ratio "$dlc_fwd" "$pt_fwd") | $(ratio "$ffloor_rate" "$pt_fwd") |")
    fi
  done
done

echo
echo "dlc, one thread, --target $TARGET: steps per second, GFLOP/s (FLOPs per step from dlc --stats)"
echo "and % of the one-core peak ($PEAK512 GFLOP/s); build = dlc + clang -O3 of net.c, seconds."
echo
echo "| model | batch | MFLOP/train step | train/s | GFLOP/s | % of peak | forward/s | GFLOP/s | % of peak | build s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${DLCTABLE[@]}"
if [ ${#THRTABLE[@]} -gt 0 ]; then
  echo
  echo "dlc on $NPROC threads (--openmp, OMP_NUM_THREADS=$NPROC) against one thread; steps per second,"
  echo "median of the repeats (best repeat in parentheses: on a shared VM the threaded runs vary most);"
  echo "in pairs: the training step's speed-up as the median of $REPEATS rounds, each a repeat on one thread then"
  echo "one on $NPROC, back to back (the two rows' medians were taken minutes apart, on a machine that changed);"
  echo "by placement: the rounds split by where the vCPUs were just before each (xcore's 8 MB pass on the"
  echo "other's data under 2x a local one: close; else apart), each kind's median and its rounds."
  echo "cross-core: a pass on the data the other thread wrote against one on the data each thread wrote,"
  echo "over 8 MB and over 256 KB (in each core's L2), just before the row (bench/xcore.c): where the ratio"
  echo "is large the vCPUs are far apart and every block whose split differs from its producer's pays it."
  echo
  echo "| model | train/s 1 thr | train/s $NPROC thr | speed-up | in pairs | by placement | forward/s 1 thr | forward/s $NPROC thr | speed-up | cross-core |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---|"
  printf '%s\n' "${THRTABLE[@]}"
fi
echo
echo "Against PyTorch: steps per second (higher is better); dlc on one thread; ratio = dlc / PyTorch."
echo
echo "| model | PyTorch config | dlc train/s (1 thr) | PyTorch train/s | ratio | dlc forward/s (1 thr) | PyTorch forward/s | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${TABLE[@]}"
if [ ${#FLOORTABLE[@]} -gt 0 ]; then
  echo
  echo "Batch 1: a training step moves every weight and its momentum (the forward reads the weights, the"
  echo "update reads and writes both; 1.9 MB for the MLP, more than a 1 MB L2) and a forward reads the"
  echo "weights, so neither can beat that traffic's time on this core (bench/peak.c FLOOR: those passes"
  echo "alone, without a FLOP of the products). \"floor / PyTorch\" is the most any code could gain."
  echo
  echo "| model | PyTorch config | PyTorch train/s | dlc train/s | floor train/s | dlc / PyTorch | floor / PyTorch | PyTorch forward/s | dlc forward/s | floor forward/s | dlc / PyTorch | floor / PyTorch |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${FLOORTABLE[@]}"
fi
echo
echo "(raw numbers: $RESULTS; load now $(cut -d' ' -f1-3 /proc/loadavg))"

# ---- optional: instructions per step under callgrind (noise-free, but not time) -------------
# Valgrind does not implement AVX-512, so the dlc driver is built for x86-64-v3 (AVX2 + FMA, --target avx2),
# and PyTorch, which picks its kernels from CPUID, sees no AVX-512 under valgrind either.
if [ $CALLGRIND = 1 ]; then
  echo
  echo "== instruction counts (valgrind --tool=callgrind, only the timed steps are instrumented)"
  "$CC" -O2 -shared -fPIC "$BENCH/callgrind_ctl.c" -o "$OUT/callgrind_ctl.so"
  cg() { # label iters libdir cmd... : print instructions per step (libdir: LD_LIBRARY_PATH or "")
    local label=$1 iters=$2 libdir=$3 log=$OUT/callgrind.log; shift 3
    env ${libdir:+LD_LIBRARY_PATH=$libdir} valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null \
      --log-file="$log" "$@" >/dev/null || die "valgrind failed on $label (log: $log)"
    awk -v n="$iters" '/Collected :/ { c = $NF } END { if (c == "") exit 1; printf "%.0f", c / n }' "$log" ||
      die "no instruction count in $log ($label)"
  }
  CGTABLE=()
  for entry in "${MODELS[@]}"; do
    name=${entry%%:*} lua=${entry#*:} n=$(cg_iters "${entry%%:*}")
    TARGET=avx2 gen_and_build "$name" "$lua" x86-64-v3 "$OUT/drv_cg_$name" -DCALLGRIND
    for mode in train forward; do
      d=$(cg "dlc $name $mode" "$n" "" "$OUT/drv_cg_$name" "$mode" --iters "$n")
      pyargs=("$BENCH/torch_bench.py" "$name" "$mode" --threads 1 --iters "$n" --callgrind "$OUT/callgrind_ctl.so")
      p=$(cg "torch $name $mode" "$n" "" $PY "${pyargs[@]}")
      row="| $name | $mode | $d | $p | $(ratio "$p" "$d")"
      if [ $OPENBLAS = 1 ]; then
        o=$(cg "torch+OpenBLAS $name $mode" "$n" "$OPENBLAS_DIR" $PY "${pyargs[@]}")
        row="$row | $o | $(ratio "$o" "$d")"
      fi
      echo "   $row |"
      CGTABLE+=("$row |")
    done
  done
  echo
  echo "Instructions per step (lower is better); ratio = PyTorch / dlc; PyTorch with 1 thread."
  echo
  if [ $OPENBLAS = 1 ]; then
    echo "| model | step | dlc (AVX2) | PyTorch ($SYS_BLAS) | ratio | PyTorch (OpenBLAS) | ratio |"
    echo "|---|---|---:|---:|---:|---:|---:|"
  else
    echo "| model | step | dlc (AVX2) | PyTorch ($SYS_BLAS) | ratio |"
    echo "|---|---|---:|---:|---:|"
  fi
  printf '%s\n' "${CGTABLE[@]}"
fi
