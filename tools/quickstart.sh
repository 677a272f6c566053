#!/bin/sh
# quickstart.sh BUILD - what `make quickstart` does after building: train the Fashion-MNIST
# MLP (examples/fashion_mlp.lua) for 2 epochs with dlc train and print its test accuracy.
set -e
build=${1:-build}
echo "== dlc train examples/fashion_mlp.lua --epochs 2"
"$build/compiler/dlc" train examples/fashion_mlp.lua --epochs 2
