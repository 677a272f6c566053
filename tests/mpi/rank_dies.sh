#!/bin/sh
# rank_dies.sh MPIEXEC DLC ST_DIFF DATA WORK: one rank's fate is the job's.  Two ranks train
# bands.lua for --epochs 1000000 with --save after every epoch; once the first epoch line is out:
#  1. rank 1 gets SIGKILL: mpirun must end rank 0 too and exit non-zero within 60 s (no hang),
#     saying that a rank was killed; the checkpoint rank 0 last wrote is whole (rt_st_open's
#     checks) and resumes;
#  2. rank 1 alone gets SIGINT (Ctrl-C): every rank stops at the same step (the flag travels in
#     the step's sum), rank 0 saves, the job exits 130 within 60 s, and that checkpoint resumes.
# DLC_CACHE_DIR comes from the caller.
set -u
MPIEXEC=$1 DLC=$2 ST_DIFF=$3 DATA=$4 WORK=$5
MODEL=$(dirname "$0")/../train/bands.lua
mkdir -p "$WORK" && cd "$WORK" || exit 2
IDX="$DATA/bands-train-images-idx3-ubyte $DATA/bands-train-labels-idx1-ubyte"
fail=0

# start CKPT: the job in the background ($pid), once its first epoch line is out
start() {
  rm -f "$1" out.txt err.txt
  "$MPIEXEC" -np 2 --allow-run-as-root --oversubscribe "$DLC" train "$MODEL" --idx $IDX --batch 8 \
    --epochs 1000000 --mpi --save "$1" >out.txt 2>err.txt &
  pid=$!
  i=0
  until grep -q '^epoch  *1/1000000 ' out.txt 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then
      echo "FAIL: no first epoch line after $((i / 10)) s"; cat out.txt err.txt; kill -KILL $pid 2>/dev/null; exit 1
    fi
    sleep 0.1
  done
}

# rank K: the process of this job (working in WORK) whose environment says OMPI_COMM_WORLD_RANK=K
here=$(pwd -P)
rank() {
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/cwd" 2>/dev/null)" = "$here" ] &&
       tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then echo "${p#/proc/}"; fi
  done
}

# finish: wait for mpirun (60 s at most); $rc its status
finish() {
  i=0
  while kill -0 $pid 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then echo "FAIL: mpirun still running 60 s after the signal (a hang)"; kill -KILL $pid; exit 1; fi
    sleep 0.1
  done
  wait $pid
  rc=$?
  echo "mpirun exited $rc after $((i / 10)).$((i % 10)) s"
  tail -n 6 err.txt
  left=$(rank 0)$(rank 1)
  [ -z "$left" ] || { echo "FAIL: ranks still running: $left"; kill -KILL $left; fail=1; }
}

# resumes CKPT: whole, and one more epoch from it works
resumes() {
  "$ST_DIFF" "$1" "$1" 0 >/dev/null || { echo "FAIL: $1 is not whole"; fail=1; }
  "$DLC" train "$MODEL" --idx $IDX --epochs 1 --load "$1" >out2.txt 2>err2.txt ||
    { echo "FAIL: resuming from $1 failed"; cat err2.txt; fail=1; }
}

start ck.safetensors
victim=$(rank 1)
[ -n "$victim" ] || { echo "FAIL: no process of rank 1"; kill -KILL $pid; exit 1; }
kill -KILL $victim
finish
[ $rc -ne 0 ] || { echo "FAIL: exit status 0 after a rank died"; fail=1; }
grep -q 'signal 9' err.txt || { echo "FAIL: mpirun did not say that a rank was killed"; fail=1; }
resumes ck.safetensors
[ $fail -eq 0 ] && echo "a killed rank ended the job (exit $rc), the checkpoint resumes"

start int.safetensors
victim=$(rank 1)
[ -n "$victim" ] || { echo "FAIL: no process of rank 1"; kill -KILL $pid; exit 1; }
kill -INT $victim
finish
[ $rc -eq 130 ] || { echo "FAIL: exit status $rc after Ctrl-C on rank 1, expected 130"; fail=1; }
grep -q 'interrupted; saving int.safetensors' err.txt || { echo "FAIL: rank 0 did not save"; fail=1; }
resumes int.safetensors
[ $fail -eq 0 ] && echo "SIGINT to rank 1 stopped every rank at one step, rank 0 saved, exit 130"
exit $fail
