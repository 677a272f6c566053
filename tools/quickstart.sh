#!/bin/sh
# quickstart.sh BUILD - what `make quickstart` does after building: compile examples/xor.lua
# with dlc, build the generated C with clang into examples/xor_main.c, train it and print the
# learned truth table.
set -e
build=${1:-build}
out=$build/quickstart
mkdir -p "$out"
echo "== dlc examples/xor.lua -o $out/xor.c"
"$build/compiler/dlc" examples/xor.lua -o "$out/xor.c"
echo "== clang -O2 $out/xor.c examples/xor_main.c + the dlc runtime"
clang -O2 -march=native -I"$out" -Iruntime "$out/xor.c" examples/xor_main.c \
  "$build/runtime/libdlc_rt.a" -lm -o "$out/xor"
echo "== training"
"$out/xor" 1000
