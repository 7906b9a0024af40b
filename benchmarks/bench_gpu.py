"""Seconds per MNIST epoch on the GPU: nnnumpy on CuPy against PyTorch CUDA eager.

    python benchmarks/bench_gpu.py [--epochs 3] [--data-dir DIR] [--output FILE]

Cases: 784-100-10 with batch 100, 784-1000-1000-10 with batch 1000, and SimpleConvNet
(conv 30 5x5, ReLU, max pool 2x2, Affine 100, ReLU, Affine 10) with batch 100; float32,
SGD, the same seed. nnnumpy runs its real path (the network + Trainer), whose epoch clock
stops only after the epoch's last loss has come back to the host, so every kernel has
finished. PyTorch eager runs the same network, batch and dtype on data already on the
device, with torch.cuda.synchronize() before its clock stops. The two fully connected
cases also time nnnumpy on NumPy (this machine's CPU), for the speed-up a GPU brings.
Each figure is the median of ``--epochs`` epochs after a warm-up epoch, the contenders
taking turns epoch by epoch. Without CuPy and a GPU it says so and exits 0.
"""

import argparse
import time

import numpy as np

# benchmarks/ is this script's folder: the contenders are bench_train's, on the GPU.
from bench_train import SEED, interleaved_medians, nnnumpy_epochs, torch_epochs

from nnnumpy import SimpleConvNet, backend, load_mnist
from nnnumpy.optimizers import SGD
from nnnumpy.trainer import Trainer

CONV_LEARNING_RATE = 0.01
CASES = [("784-100-10", 100), ("784-1000-1000-10", 1000), ("SimpleConvNet", 100)]


def on_backend(backend_name, make_contender):
    """A contender whose network and data live on ``backend_name``."""
    backend.set_backend(backend_name)
    try:
        return make_contender()
    finally:
        backend.set_backend("numpy")


def nnnumpy_conv_epochs(images, batch_size):
    """One more epoch of SimpleConvNet + Trainer per call, on the current backend."""
    (x, t), (x_test, t_test) = images
    network = SimpleConvNet(weight_init_std="he", seed=SEED)
    trainer = Trainer(network, x, t, x_test[:1000], t_test[:1000],
                      optimizer=SGD(CONV_LEARNING_RATE), epochs=1, batch_size=batch_size,
                      seed=SEED, verbose=False, train_eval_size=1000)

    def one_epoch():
        return trainer.fit()["epoch_time"][-1]

    return one_epoch


def torch_conv_epochs(images, batch_size):
    """One more epoch of the same convnet in PyTorch eager on the GPU per call."""
    import torch

    torch.manual_seed(SEED)
    (x, t), _ = images
    x, t = torch.from_numpy(x).to("cuda"), torch.from_numpy(t).to("cuda")
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(4320, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)).to("cuda")
    optimizer = torch.optim.SGD(model.parameters(), lr=CONV_LEARNING_RATE)
    generator = torch.Generator(device="cuda").manual_seed(SEED)

    def one_epoch():
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=generator, device="cuda")
        for begin in range(0, x.shape[0], batch_size):
            batch = order[begin:begin + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[batch]), t[batch])
            loss.backward()
            optimizer.step()
        torch.cuda.synchronize()
        return time.perf_counter() - start

    return one_epoch


def contenders_for(case, batch_size, flat, images, has_torch):
    if case == "SimpleConvNet":
        contenders = {"cupy": on_backend("cupy", lambda: nnnumpy_conv_epochs(images, batch_size))}
        if has_torch:
            contenders["torch"] = torch_conv_epochs(images, batch_size)
        return contenders
    sizes = [int(size) for size in case.split("-")]
    contenders = {
        "cupy": on_backend("cupy", lambda: nnnumpy_epochs(sizes, flat, batch_size=batch_size)),
        "numpy": on_backend("numpy", lambda: nnnumpy_epochs(sizes, flat, batch_size=batch_size)),
    }
    if has_torch:
        contenders["torch"] = torch_epochs(sizes, flat, batch_size=batch_size, device="cuda")
    return contenders


def main(argv=None):
    parser = argparse.ArgumentParser(description="Seconds per epoch on the GPU.")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after a warm-up")
    parser.add_argument("--data-dir", default=None, help="folder with MNIST")
    parser.add_argument("--output", default=None, help="also append the table to this file")
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

    import cupy

    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    lines = [f"GPU: {name}; CuPy {cupy.__version__}; NumPy {np.__version__}; PyTorch "
             + (torch.__version__ if has_torch else "with CUDA not available: column skipped"),
             f"seconds per epoch, median of {args.epochs} after a warm-up; float32, SGD",
             f"{'network':<18} {'batch':>6} {'cupy':>8} {'torch':>8} {'numpy':>8} "
             f"{'cupy/torch':>11} {'numpy/cupy':>11}"]
    print("\n".join(lines), flush=True)
    flat = load_mnist(data_dir=args.data_dir)
    images = load_mnist(data_dir=args.data_dir, flatten=False)
    for case, batch_size in CASES:
        medians = interleaved_medians(contenders_for(case, batch_size, flat, images, has_torch),
                                      args.epochs)
        cupy_time, torch_time, numpy_time = (medians.get(key) for key in ("cupy", "torch",
                                                                           "numpy"))

        def cell(value, width=8):
            return f"{value:>{width}.3f}" if value else f"{'-':>{width}}"

        line = (f"{case:<18} {batch_size:>6} {cell(cupy_time)} {cell(torch_time)} "
                f"{cell(numpy_time)} {cell(torch_time and cupy_time / torch_time, 11)} "
                f"{cell(numpy_time and numpy_time / cupy_time, 11)}")
        print(line, flush=True)
        lines.append(line)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
