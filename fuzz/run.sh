#!/bin/sh
# run.sh BUILD SECONDS [TARGET...] - runs the libFuzzer targets built in BUILD (make fuzz),
# one after the other (each may use a core; they are not run in parallel), SECONDS each.
# Targets: those named, else every line of BUILD/fuzz/targets.txt ("NAME MAX_LEN [SEED_DIR...]",
# written by fuzz/CMakeLists.txt; the *.lua files of each SEED_DIR of the tree join the corpus).  Each works on BUILD/fuzz-work/NAME/corpus, seeded with a copy of
# fuzz/corpus/NAME, and also reads fuzz/regress/NAME; new inputs and crash artifacts
# (BUILD/fuzz-work/NAME/crash-*) stay in BUILD, never in the source tree.  Prints, per target,
# executions, coverage (cov: edges, ft: features), corpus size and crashes; exits 1 when a
# target crashed.  Extra libFuzzer flags: FUZZ_FLAGS="-runs=1000000 ...".
set -u
build=$1 secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
list="$build/fuzz/targets.txt"
[ -f "$list" ] || { echo "fuzz: $list is missing: build with -DDLC_FUZZ=ON first" >&2; exit 2; }
[ $# -gt 0 ] || set -- $(cut -d' ' -f1 "$list")
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0 summary=""
for t in "$@"; do
  maxlen=$(awk -v t="$t" '$1 == t { print $2 }' "$list")
  bin="$build/fuzz/fuzz_$t"
  [ -n "$maxlen" ] && [ -x "$bin" ] || { echo "fuzz: no target $t in $build" >&2; exit 2; }
  work="$build/fuzz-work/$t"
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* # this run's findings only
  cp -R "$src/corpus/$t/." "$work/corpus/"
  for d in $(awk -v t="$t" '$1 == t { for (i = 3; i <= NF; i++) print $i }' "$list"); do
    cp "$src/../$d"/*.lua "$work/corpus/" 2>/dev/null || true # SEEDS: the tree's model files
  done
  echo "== fuzz_$t: ${secs}s, -max_len=$maxlen, corpus $work/corpus =="
  "$bin" -max_total_time="$secs" -max_len="$maxlen" -print_final_stats=1 -print_pcs=0 -close_fd_mask=2 \
    -artifact_prefix="$work/" ${FUZZ_FLAGS:-} "$work/corpus" "$src/regress/$t" 2>"$work/log"
  rc=$?
  grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|SUMMARY|invariant failed|Test unit written" "$work/log"
  last=$(grep -E "^#[0-9]+[[:space:]]" "$work/log" | tail -1)
  execs=$(grep "stat::number_of_executed_units" "$work/log" | awk '{print $2}')
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  crashes=$(ls "$work" | grep -c -E '^(crash|leak|timeout|oom)-')
  [ $rc -eq 0 ] || status=1
  summary="$summary$(printf '%-12s execs %-10s cov %-6s ft %-7s corpus %-6s crashes %s (exit %d)' \
    "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" $rc)
"
done
echo "== summary =="
printf '%s' "$summary"
exit $status
