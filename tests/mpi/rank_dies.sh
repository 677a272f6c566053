#!/bin/sh
# rank_dies.sh MPIEXEC DLC ST_DIFF DATA WORK: a rank that dies ends the job.  Two ranks train
# bands.lua for --epochs 1000000 with --save after every epoch; once the first epoch line is
# out, rank 1 gets SIGKILL.  mpirun must end rank 0 too and exit non-zero within 60 s (no
# hang), saying which rank died; the checkpoint rank 0 last wrote must still be whole (it
# opens, every check of rt_st_open) and resume.  DLC_CACHE_DIR comes from the caller.
set -u
MPIEXEC=$1 DLC=$2 ST_DIFF=$3 DATA=$4 WORK=$5
MODEL=$(dirname "$0")/../train/bands.lua
mkdir -p "$WORK" && cd "$WORK" || exit 2
rm -f ck.safetensors out.txt err.txt
IDX="$DATA/bands-train-images-idx3-ubyte $DATA/bands-train-labels-idx1-ubyte"
"$MPIEXEC" -np 2 --allow-run-as-root --oversubscribe "$DLC" train "$MODEL" --idx $IDX --batch 8 \
  --epochs 1000000 --mpi --save ck.safetensors >out.txt 2>err.txt &
pid=$!
i=0
until grep -q '^epoch  *1/1000000 ' out.txt 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then
    echo "FAIL: no first epoch line after $((i / 10)) s"; cat out.txt err.txt; kill -KILL $pid 2>/dev/null; exit 1
  fi
  sleep 0.1
done
# rank 1: the process whose environment says OMPI_COMM_WORLD_RANK=1
victim=
for p in /proc/[0-9]*; do
  if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=${p#/proc/}; fi
done
[ -n "$victim" ] || { echo "FAIL: no process of rank 1"; kill -KILL $pid; exit 1; }
kill -KILL "$victim"
i=0
while kill -0 $pid 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 600 ]; then echo "FAIL: mpirun still running 60 s after rank 1 died (a hang)"; kill -KILL $pid; exit 1; fi
  sleep 0.1
done
wait $pid
rc=$?
fail=0
echo "mpirun exited $rc after $((i / 10)).$((i % 10)) s"
tail -n 12 err.txt
[ $rc -ne 0 ] || { echo "FAIL: exit status 0 after a rank died"; fail=1; }
grep -q 'signal 9' err.txt || { echo "FAIL: mpirun did not say that a rank was killed"; fail=1; }
for p in /proc/[0-9]*; do # no rank left behind
  if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=0' &&
     tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -q "^PWD=$WORK\$"; then
    echo "FAIL: rank 0 (pid ${p#/proc/}) still running"; fail=1
  fi
done
"$ST_DIFF" ck.safetensors ck.safetensors 0 >/dev/null || { echo "FAIL: the last checkpoint is not whole"; fail=1; }
"$DLC" train "$MODEL" --idx $IDX --epochs 1 --load ck.safetensors >out2.txt 2>err2.txt ||
  { echo "FAIL: resuming from it failed"; cat err2.txt; fail=1; }
[ $fail -eq 0 ] && echo "a killed rank ended the job (exit $rc), the checkpoint resumes"
exit $fail
