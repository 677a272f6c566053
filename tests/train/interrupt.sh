#!/bin/sh
# interrupt.sh DLC DATA WORK: Ctrl-C stops `dlc train` cleanly.  SIGINT is sent once the first
# epoch line is out (of --epochs 1000000); dlc must finish the step it is in, save
# interrupted.safetensors in its working directory (no --save given), say so, and exit 130.
# The checkpoint must hold the model's tensors and its metadata, and load back (--load, 1 more
# epoch).  DLC_CACHE_DIR comes from the caller.
set -u
DLC=$1 DATA=$2 WORK=$3
MODEL=$(dirname "$0")/bands.lua
mkdir -p "$WORK" && cd "$WORK" || exit 2
rm -f interrupted.safetensors out.txt err.txt
"$DLC" train "$MODEL" --idx "$DATA/bands-train-images-idx3-ubyte.gz" "$DATA/bands-train-labels-idx1-ubyte.gz" \
  --epochs 1000000 >out.txt 2>err.txt &
pid=$!
i=0
until grep -q '^epoch  *1/1000000 ' out.txt 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
    echo "FAIL: no first epoch line after $((i / 10)) s"; cat out.txt err.txt; kill -KILL $pid 2>/dev/null; exit 1
  fi
  sleep 0.1
done
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null; do # a stopped training exits promptly; give up after 30 s
  i=$((i + 1))
  if [ $i -gt 300 ]; then echo "FAIL: still running 30 s after SIGINT"; kill -KILL $pid; exit 1; fi
  sleep 0.1
done
wait $pid
rc=$?
tail -n 3 out.txt; tail -n 2 err.txt
fail=0
[ $rc -eq 130 ] || { echo "FAIL: exit status $rc, expected 130"; fail=1; }
grep -q 'interrupted; saving interrupted.safetensors' err.txt || { echo "FAIL: no 'interrupted; saving' message"; fail=1; }
[ -s interrupted.safetensors ] || { echo "FAIL: no interrupted.safetensors"; exit 1; }
for s in '"dlc.model":"bands"' '"dlc.epoch":"' '"net.1.weight"' '"net.3.bias"'; do
  head -c 4096 interrupted.safetensors | grep -q "$s" || { echo "FAIL: $s not in the checkpoint's header"; fail=1; }
done
"$DLC" train "$MODEL" --idx "$DATA/bands-train-images-idx3-ubyte.gz" "$DATA/bands-train-labels-idx1-ubyte.gz" \
  --epochs 1 --load interrupted.safetensors >out2.txt 2>err2.txt || { echo "FAIL: resuming failed"; cat err2.txt; fail=1; }
grep -q '^resumed interrupted.safetensors: ' out2.txt || { echo "FAIL: did not resume"; cat out2.txt; fail=1; }
[ $fail -eq 0 ] && echo "interrupted with exit 130 and a checkpoint that resumes"
exit $fail
