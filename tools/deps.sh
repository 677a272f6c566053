#!/bin/sh
# deps.sh - installs the Debian packages dlc needs, when missing.  As root it runs apt-get;
# otherwise it prints the exact command to run.  Idempotent: does nothing when all are there.
set -e
PACKAGES="cmake make clang libclang-rt-dev liblua5.4-dev pkg-config zlib1g-dev dataset-fashion-mnist libomp-dev protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata openmpi-bin libopenmpi-dev"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q $missing >/dev/null
else
  echo "deps: missing Debian packages:$missing"
  echo "run:  sudo apt-get install -y$missing"
  exit 1
fi
