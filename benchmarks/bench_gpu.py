"""Seconds per MNIST epoch on the GPU: nnnumpy on CuPy, nnnumpy on NumPy, PyTorch CUDA.

    python benchmarks/bench_gpu.py [--epochs 3]

Networks: 784-100-10 with batch 100, and the wider 784-1000-10 with batch 1000;
SGD, the same seed. nnnumpy runs its real path (TwoLayerNet + Trainer), whose epoch
clock stops only after the epoch's last loss has come back to the host, so every
kernel has finished. PyTorch eager runs the same net on data already on the device,
with torch.cuda.synchronize() before the clock stops. Each figure is the median of
``--epochs`` epochs after a warm-up epoch, the contenders taking turns.
Without CuPy and a GPU it says so and exits.
"""

import argparse

import numpy as np

# benchmarks/ is this script's folder: the contenders are bench_train's, on the GPU.
from bench_train import interleaved_medians, nnnumpy_epochs, torch_epochs

from nnnumpy import backend, load_mnist

CASES = [((784, 100, 10), 100), ((784, 1000, 10), 1000)]


def nnnumpy_epochs_on(backend_name, sizes, batch_size, data):
    """bench_train's nnnumpy contender, with its network and data on ``backend_name``."""
    backend.set_backend(backend_name)
    try:
        return nnnumpy_epochs(sizes, data, batch_size=batch_size)
    finally:
        backend.set_backend("numpy")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Seconds per epoch on the GPU.")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after a warm-up")
    parser.add_argument("--data-dir", default=None, help="folder with MNIST")
    args = parser.parse_args(argv)
    try:
        backend.set_backend("cupy")
    except (ImportError, RuntimeError) as error:
        print(f"no GPU benchmark here: {error}")
        return 0
    backend.set_backend("numpy")
    try:
        import torch

        has_torch = torch.cuda.is_available()
    except ImportError:
        has_torch = False
    if not has_torch:
        print("PyTorch with CUDA is not available: its column is skipped.")

    import cupy

    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    print(f"GPU: {name}; CuPy {cupy.__version__}; NumPy {np.__version__}"
          + (f"; PyTorch {torch.__version__}" if has_torch else ""))
    data = load_mnist(data_dir=args.data_dir)
    print(f"{'network':<14} {'batch':>6} {'cupy':>8} {'numpy':>8} {'torch':>8} "
          f"{'numpy/cupy':>11} {'cupy/torch':>11}")
    for sizes, batch_size in CASES:
        contenders = {"cupy": nnnumpy_epochs_on("cupy", sizes, batch_size, data),
                      "numpy": nnnumpy_epochs_on("numpy", sizes, batch_size, data)}
        if has_torch:
            contenders["torch"] = torch_epochs(sizes, data, batch_size=batch_size,
                                               device="cuda")
        medians = interleaved_medians(contenders, args.epochs)
        torch_time = medians.get("torch")
        label = "-".join(str(s) for s in sizes)
        print(f"{label:<14} {batch_size:>6} {medians['cupy']:>8.3f} {medians['numpy']:>8.3f} "
              + (f"{torch_time:>8.3f}" if torch_time else f"{'-':>8}")
              + f" {medians['numpy'] / medians['cupy']:>11.2f} "
              + (f"{medians['cupy'] / torch_time:>11.2f}" if torch_time else f"{'-':>11}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
