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
import time

import numpy as np
from bench_train import interleaved_medians  # benchmarks/ is this script's folder

from nnnumpy import backend, load_mnist
from nnnumpy.networks import TwoLayerNet
from nnnumpy.optimizers import SGD
from nnnumpy.trainer import Trainer

LEARNING_RATE = 0.1
SEED = 0
CASES = [((784, 100, 10), 100), ((784, 1000, 10), 1000)]


def nnnumpy_epochs(sizes, batch_size, data, backend_name):
    """A function that trains one more epoch on ``backend_name``; returns its seconds."""
    (x, t), (x_test, t_test) = data
    backend.set_backend(backend_name)
    network = TwoLayerNet(*sizes, weight_init_std="he", seed=SEED)
    trainer = Trainer(network, x, t, x_test[:1000], t_test[:1000], optimizer=SGD(LEARNING_RATE),
                      epochs=1, batch_size=batch_size, seed=SEED, verbose=False,
                      train_eval_size=1000)
    backend.set_backend("numpy")

    def one_epoch():
        return trainer.fit()["epoch_time"][-1]

    return one_epoch


def torch_epochs(sizes, batch_size, data):
    import torch

    torch.manual_seed(SEED)
    (x, t), _ = data
    device = torch.device("cuda")
    x, t = torch.from_numpy(x).to(device), torch.from_numpy(t).to(device)
    model = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                                torch.nn.Linear(sizes[1], sizes[2])).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator(device=device).manual_seed(SEED)

    def one_epoch():
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=generator, device=device)
        for begin in range(0, x.shape[0], batch_size):
            batch = order[begin:begin + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[batch]), t[batch])
            loss.backward()
            optimizer.step()
        torch.cuda.synchronize()
        return time.perf_counter() - start

    return one_epoch


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
        contenders = {"cupy": nnnumpy_epochs(sizes, batch_size, data, "cupy"),
                      "numpy": nnnumpy_epochs(sizes, batch_size, data, "numpy")}
        if has_torch:
            contenders["torch"] = torch_epochs(sizes, batch_size, data)
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
