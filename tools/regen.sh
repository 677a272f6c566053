#!/bin/sh
# regen.sh [BUILD] - regenerates generated/ from examples/*.lua with the built dlc.  The
# generated C is committed so readers can see what dlc emits; the suite fails when stale.
set -e
build=${1:-build}
cd "$(dirname "$0")/.."
for m in examples/*.lua; do
  stem=$(basename "$m" .lua)
  "$build/compiler/dlc" "$m" -o "generated/$stem.c"
  echo "generated/$stem.c generated/$stem.h"
done
