#!/bin/sh
# torch_or_skip.sh PYTHON COMMAND... - runs COMMAND when PYTHON imports torch; otherwise says
# that the check is skipped and why, and exits 77, which CTest reports as skipped (the tests
# that need PyTorch are always registered: without it they show up as skipped, never vanish).
# The committed fixtures these checks regenerate are compared by other tests in any case.
py=$1
shift
if ! "$py" -c "import torch" >/dev/null 2>&1; then
  echo "skipped: $py cannot import torch (Debian: apt-get install python3-torch)"
  exit 77
fi
exec "$@"
