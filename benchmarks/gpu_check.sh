#!/usr/bin/env bash
# The GPU check: everything the CuPy backend promises, on a real GPU, in under 8 minutes.
#
#   bash benchmarks/gpu_check.sh [RESULTS_FILE]            on a machine with CuPy and a GPU
#   bash benchmarks/gpu_check.sh --dry-run [RESULTS_FILE]  the same steps here, on the stand-in
#
# Run it from a checkout with the package importable (pip install -e ., or nothing to
# install where NumPy, SciPy, matplotlib, tqdm and CuPy are there already) and MNIST's four
# .gz files in data/mnist/ or in $NNNUMPY_DATA (nothing is downloaded: the GPU machine may
# have no network). It assumes CuPy (cupy-cuda13x, 12x or 11x) and, for the comparison,
# PyTorch with CUDA; a missing PyTorch only empties its column.
#
# Steps, each with its own time limit; a failing step is recorded and the next one runs:
#   1. the machine: GPU, versions, where MNIST is read from
#   2. the CuPy test cases (tests/test_backends.py, tests/test_fake_cupy.py, tests/test_backend.py)
#   3. train_mnist.py's default run on NumPy and on CuPy: test accuracy within 0.3 points
#   4. the deep recipe of README (784-200-200-10, Adam, batch norm, dropout, shifts) on CuPy
#   5. SimpleConvNet for one epoch on CuPy
#   6. benchmarks/bench_gpu.py: nnnumpy + CuPy against PyTorch CUDA eager
# Everything goes to RESULTS_FILE (default gpu_check_results.txt), a line "PASS"/"FAIL"
# per step with its seconds, then a summary line; exit status 1 when any step failed.
#
# --dry-run runs the same steps with tests/fake_cupy.py, the strict NumPy-backed stand-in
# for CuPy, imported as `cupy` through a folder put first on PYTHONPATH: it proves the
# script and the device code path, not CUDA (the figures are CPU figures).
set -uo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
LIMIT_SCALE=1
if [ "${1:-}" = "--dry-run" ]; then
    DRY_RUN=1
    LIMIT_SCALE=6  # the stand-in computes on this machine's CPU, several times slower
    shift
fi
RESULTS="$(realpath -m "${1:-gpu_check_results.txt}")"
: > "$RESULTS"
FAILED=0
ACCURACY_POINTS=0.3

if [ -z "${NNNUMPY_DATA:-}" ] && [ -d data/mnist ]; then
    export NNNUMPY_DATA="$PWD/data"
fi
export MPLBACKEND=Agg PYTHONUNBUFFERED=1

if [ "$DRY_RUN" = 1 ]; then
    SHIM="$(mktemp -d)"
    trap 'rm -rf "$SHIM"' EXIT
    mkdir "$SHIM/cupy"
    # `import cupy` finds this package first; it hands over the stand-in, which then is cupy.
    printf 'import sys\nfrom tests import fake_cupy\nsys.modules["cupy"] = fake_cupy\n' \
        > "$SHIM/cupy/__init__.py"
    export PYTHONPATH="$SHIM:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

log() { echo "$*" | tee -a "$RESULTS"; }

# step NAME LIMIT_SECONDS COMMAND...: run it with a time limit, keep its output, say PASS/FAIL.
step() {
    local name="$1" limit=$(($2 * LIMIT_SCALE))
    shift 2
    log ""
    log "== $name (limit ${limit} s): $*"
    local start end status
    start=$(date +%s.%N)
    timeout --signal=INT --kill-after=10 "$limit" "$@" > "$STEP_OUTPUT" 2>&1
    status=$?
    end=$(date +%s.%N)
    tail -n 25 "$STEP_OUTPUT" | tee -a "$RESULTS"
    STEP_SECONDS=$(python3 -c "print(f'{$end - $start:.1f}')")
    if [ "$status" = 0 ]; then
        log "PASS $name in ${STEP_SECONDS} s"
    else
        log "FAIL $name in ${STEP_SECONDS} s (exit $status$([ "$status" = 124 ] && echo ', time limit'))"
        FAILED=$((FAILED + 1))
    fi
    return "$status"
}

STEP_OUTPUT="$(mktemp)"
accuracy() { sed -n 's/^done: test accuracy \([0-9.]*\).*/\1/p' "$STEP_OUTPUT" | tail -n 1; }

log "nnnumpy GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$([ "$DRY_RUN" = 1 ] && echo ', DRY RUN on tests/fake_cupy.py')"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version \
    --format=csv,noheader | tee -a "$RESULTS"

step "machine" 60 python3 -c '
import os, sys, numpy, scipy, matplotlib, nnnumpy
print("python", sys.version.split()[0], "numpy", numpy.__version__, "scipy", scipy.__version__,
      "matplotlib", matplotlib.__version__, "nnnumpy", nnnumpy.__version__)
import cupy
name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
print("cupy", cupy.__version__, "GPU:", name.decode() if isinstance(name, bytes) else name)
try:
    import torch
    print("torch", torch.__version__, "cuda available:", torch.cuda.is_available())
except ImportError:
    print("torch: not installed")
print("NNNUMPY_DATA:", os.environ.get("NNNUMPY_DATA", "<unset>"))
(x, t), _ = nnnumpy.load_mnist()
print("MNIST:", x.shape, "training images")
'

step "CuPy test cases" 180 python3 -m pytest -q -p no:cacheprovider \
    tests/test_backends.py tests/test_fake_cupy.py tests/test_backend.py

step "train_mnist on NumPy" 120 python3 scripts/train_mnist.py --quiet
NUMPY_ACCURACY=$(accuracy); NUMPY_SECONDS=$STEP_SECONDS
step "train_mnist on CuPy" 120 python3 scripts/train_mnist.py --quiet --backend cupy
CUPY_ACCURACY=$(accuracy); CUPY_SECONDS=$STEP_SECONDS
if python3 -c "import sys; a, b = float('${NUMPY_ACCURACY:-nan}'), float('${CUPY_ACCURACY:-nan}'); sys.exit(not abs(a - b) * 100 <= $ACCURACY_POINTS)"; then
    log "PASS accuracy: NumPy ${NUMPY_ACCURACY} (${NUMPY_SECONDS} s), CuPy ${CUPY_ACCURACY} (${CUPY_SECONDS} s): within ${ACCURACY_POINTS} points"
else
    log "FAIL accuracy: NumPy ${NUMPY_ACCURACY:-none} (${NUMPY_SECONDS} s), CuPy ${CUPY_ACCURACY:-none} (${CUPY_SECONDS} s): not within ${ACCURACY_POINTS} points"
    FAILED=$((FAILED + 1))
fi

step "deep recipe on CuPy" 150 python3 scripts/train_mnist.py --quiet --backend cupy \
    --hidden-sizes 200 200 --optimizer adam --lr 0.002 --lr-decay 0.8 --epochs 20 \
    --batchnorm --dropout 0.2 --shift 1

step "SimpleConvNet, one epoch on CuPy" 90 python3 scripts/train_mnist.py --quiet \
    --backend cupy --model convnet --optimizer adam --lr 0.002 --epochs 1

step "bench_gpu" 180 python3 benchmarks/bench_gpu.py --epochs 3

rm -f "$STEP_OUTPUT"
log ""
log "summary: $FAILED step(s) failed; results in $RESULTS"
[ "$FAILED" = 0 ]
