"""Seconds per training epoch: nnnumpy's Trainer, the textbook loop, PyTorch, and the roofline.

    python benchmarks/bench_train.py [--epochs 3] [--sizes 784-100-10 ...]

All contenders train the same network on the same MNIST data with the same batch
size (100), learning rate, SGD and seed, one after the other in this one process:

- nnnumpy: the package's real path, TwoLayerNet/MultiLayerNet + Trainer + SGD
  (float32, integer labels), timed by the trainer's own per-epoch clock.
- textbook: the loop as the textbook writes it, kept here as the baseline: float64,
  one-hot labels, softmax then log(y + 1e-7), dx computed for every layer.
- PyTorch CPU eager (if torch is installed; never a dependency of nnnumpy):
  nn.Linear + ReLU + cross_entropy + torch.optim.SGD, float32, with
  torch.set_num_threads equal to NumPy's BLAS threads.
- fused: the fastest plain NumPy loop we could write (everything inlined, buffers
  reused), the floor for NumPy itself, to show what the package's structure costs.
- roofline: the matrix products one step needs, timed one by one on these exact
  shapes with this machine's BLAS; their sum times the steps per epoch is the lowest
  epoch time any NumPy implementation could reach.

Each figure is the median of ``--epochs`` epochs after one warm-up epoch; the
contenders take turns epoch by epoch, so that the noise of a shared machine falls
on all of them alike.
"""

import argparse
import os
import statistics
import time

import numpy as np

from nnnumpy import load_mnist
from nnnumpy.networks import MultiLayerNet, TwoLayerNet
from nnnumpy.optimizers import SGD
from nnnumpy.trainer import Trainer

BATCH_SIZE = 100
LEARNING_RATE = 0.1
SEED = 0
PAUSE_S = 0.5


def blas_threads():
    """How many threads NumPy's BLAS uses (threadpoolctl if present, else the usual hints)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        if counts:
            return counts[0]
    except ImportError:
        pass
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(variable, "").isdigit():
            return int(os.environ[variable])
    return os.cpu_count()


def make_network(sizes, dtype):
    if len(sizes) == 3:
        return TwoLayerNet(*sizes, weight_init_std="he", dtype=dtype, seed=SEED)
    return MultiLayerNet(sizes[0], list(sizes[1:-1]), sizes[-1], weight_init_std="he",
                         dtype=dtype, seed=SEED)


def nnnumpy_epochs(sizes, data, batch_size=BATCH_SIZE):
    """A function that trains one more epoch with the package's real path; returns seconds.

    The network is built on the current backend (NumPy, or CuPy for bench_gpu.py).
    """
    (x, t), (x_test, t_test) = data
    network = make_network(sizes, np.float32)
    trainer = Trainer(network, x, t, x_test[:1000], t_test[:1000], optimizer=SGD(LEARNING_RATE),
                      epochs=1, batch_size=batch_size, seed=SEED, verbose=False,
                      train_eval_size=1000)

    def one_epoch():
        return trainer.fit()["epoch_time"][-1]  # the trainer's clock: training only

    return one_epoch


class TextbookAffine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class TextbookRelu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


def textbook_softmax_loss_backward(scores, t_one_hot):
    """Softmax, cross-entropy with log(y + 1e-7), and (y - t) / N, as the textbook does."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    y = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(t_one_hot * np.log(y + 1e-7)) / scores.shape[0]
    return loss, (y - t_one_hot) / scores.shape[0]


def textbook_epochs(sizes, data):
    """One more epoch of the textbook loop (float64, one-hot, dx everywhere) per call."""
    (x, t), _ = data
    x = x.astype(np.float64)
    t_one_hot = np.eye(10)[t]
    network = make_network(sizes, np.float64)
    layers = []
    for index in range(1, len(sizes)):
        layers.append(TextbookAffine(network.params[f"W{index}"], network.params[f"b{index}"]))
        if index < len(sizes) - 1:
            layers.append(TextbookRelu())
    rng = np.random.default_rng(SEED)

    def one_epoch():
        start = time.perf_counter()
        order = rng.permutation(x.shape[0])
        for begin in range(0, x.shape[0], BATCH_SIZE):
            batch = order[begin:begin + BATCH_SIZE]
            out = x[batch]
            for layer in layers:
                out = layer.forward(out)
            _, dout = textbook_softmax_loss_backward(out, t_one_hot[batch])
            for layer in reversed(layers):
                dout = layer.backward(dout)
            for layer in layers:
                if isinstance(layer, TextbookAffine):
                    layer.W -= LEARNING_RATE * layer.dW
                    layer.b -= LEARNING_RATE * layer.db
        return time.perf_counter() - start

    return one_epoch


def fused_epochs(sizes, data):
    """One more epoch of the fastest plain NumPy loop we could write, per call.

    Not the package: everything inlined, buffers reused, ReLU applied in place; the
    floor for NumPy on this machine, against which the package's overhead is judged.
    """
    (x, t), _ = data
    network = make_network(sizes, np.float32)
    Ws = [network.params[f"W{i}"] for i in range(1, len(sizes))]
    bs = [network.params[f"b{i}"] for i in range(1, len(sizes))]
    dWs = [np.empty_like(W) for W in Ws]
    steps = [np.empty_like(W) for W in Ws]
    rows = np.arange(BATCH_SIZE)
    rng = np.random.default_rng(SEED)

    def one_epoch():
        start = time.perf_counter()
        order = rng.permutation(x.shape[0])
        for begin in range(0, x.shape[0], BATCH_SIZE):
            batch = order[begin:begin + BATCH_SIZE]
            inputs = [x[batch]]
            for W, b in zip(Ws[:-1], bs[:-1]):
                hidden = inputs[-1] @ W
                hidden += b
                np.maximum(hidden, 0, out=hidden)
                inputs.append(hidden)
            scores = inputs[-1] @ Ws[-1]
            scores += bs[-1]
            scores -= scores.max(axis=1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=1, keepdims=True)
            scores[rows[:len(batch)], t[batch]] -= 1
            dout = scores
            dout *= 1 / len(batch)
            for layer in reversed(range(len(Ws))):
                np.matmul(inputs[layer].T, dout, out=dWs[layer])
                db = dout.sum(axis=0)
                if layer:
                    dout = dout @ Ws[layer].T
                    dout *= inputs[layer] > 0
                Ws[layer] -= np.multiply(dWs[layer], LEARNING_RATE, out=steps[layer])
                bs[layer] -= LEARNING_RATE * db
        return time.perf_counter() - start

    return one_epoch


def torch_epochs(sizes, data, threads=None, batch_size=BATCH_SIZE, device="cpu"):
    """One more epoch of PyTorch eager per call, on the CPU with ``threads`` threads or,
    with ``device="cuda"``, on the GPU (data moved there first, the clock stopped only
    after torch.cuda.synchronize())."""
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    (x, t), _ = data
    x, t = torch.from_numpy(x).to(device), torch.from_numpy(t).to(device)
    modules = []
    for index in range(1, len(sizes)):
        modules.append(torch.nn.Linear(sizes[index - 1], sizes[index]))
        if index < len(sizes) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator(device=device).manual_seed(SEED)

    def synchronize():
        if device == "cuda":
            torch.cuda.synchronize()

    def one_epoch():
        synchronize()
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=generator, device=device)
        for begin in range(0, x.shape[0], batch_size):
            batch = order[begin:begin + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[batch]), t[batch])
            loss.backward()
            optimizer.step()
        synchronize()
        return time.perf_counter() - start

    return one_epoch


def interleaved_medians(contenders, epochs):
    """Run the contenders' epochs in turn (a warm-up round, then ``epochs`` rounds), so that
    a slow spell of this shared machine hits all of them alike; median seconds of each."""
    times = {name: [] for name in contenders}
    for round_index in range(epochs + 1):
        for name, one_epoch in contenders.items():
            time.sleep(PAUSE_S)  # let the last contender's worker threads stop spinning
            seconds = one_epoch()
            if round_index > 0:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def step_products(sizes):
    """The (m, k, n) shape of every matrix product in one training step.

    Forward x W per layer; backward x^T dout (dW) per layer and dout W^T (dx) for every
    layer but the first (nobody needs the gradient of the images).
    """
    products = []
    for index in range(1, len(sizes)):
        fan_in, fan_out = sizes[index - 1], sizes[index]
        products.append((BATCH_SIZE, fan_in, fan_out))          # forward: x W
        products.append((fan_in, BATCH_SIZE, fan_out))          # dW = x^T dout
        if index > 1:
            products.append((BATCH_SIZE, fan_out, fan_in))      # dx = dout W^T
    return products


def roofline(sizes, steps_per_epoch, repeats=300):
    """(FLOPs per step, GFLOP/s reached on these shapes, lowest possible epoch seconds)."""
    rng = np.random.default_rng(SEED)
    flops, seconds = 0, 0.0
    for m, k, n in step_products(sizes):
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        out = np.empty((m, n), np.float32)
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(repeats):
                np.matmul(a, b, out=out)
            samples.append((time.perf_counter() - start) / repeats)
        flops += 2 * m * k * n
        seconds += statistics.median(samples)
    return flops, flops / seconds / 1e9, seconds * steps_per_epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description="Seconds per MNIST training epoch.")
    parser.add_argument("--sizes", nargs="+", default=["784-50-10", "784-100-10",
                                                       "784-200-200-10"],
                        help="networks as layer sizes joined by '-'")
    parser.add_argument("--epochs", type=int, default=3,
                        help="timed epochs per contender, after one warm-up epoch")
    parser.add_argument("--data-dir", default=None, help="folder with MNIST")
    args = parser.parse_args(argv)

    data = load_mnist(data_dir=args.data_dir)
    threads = blas_threads()
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        print("PyTorch is not installed: its column is skipped "
              "(pip install torch==2.13.0 for the CPU build).")
    steps = -(-data[0][0].shape[0] // BATCH_SIZE)
    print(f"MNIST {data[0][0].shape[0]} images, batch {BATCH_SIZE}, SGD lr {LEARNING_RATE}, "
          f"{steps} steps per epoch; BLAS threads {threads}; NumPy {np.__version__}; "
          f"PyTorch {torch_version or '-'}")
    print(f"seconds per epoch, median of {args.epochs} after a warm-up\n")
    header = (f"{'network':<16} {'nnnumpy':>8} {'fused':>7} {'textbook':>9} {'torch':>8} "
              f"{'nnnumpy/torch':>14} {'textbook/nnnumpy':>17} {'GFLOP/s':>8} {'bound':>7} "
              f"{'nnnumpy/bound':>14}")
    print(header)
    for text in args.sizes:
        sizes = [int(part) for part in text.split("-")]
        contenders = {"nnnumpy": nnnumpy_epochs(sizes, data),
                      "fused": fused_epochs(sizes, data),
                      "textbook": textbook_epochs(sizes, data)}
        if torch_version:
            contenders["torch"] = torch_epochs(sizes, data, threads)
        medians = interleaved_medians(contenders, args.epochs)
        _, gflops, bound = roofline(sizes, steps)
        nnnumpy_time, textbook_time = medians["nnnumpy"], medians["textbook"]
        torch_time = medians.get("torch")
        torch_cells = (f"{torch_time:>8.3f} {nnnumpy_time / torch_time:>14.2f}" if torch_time
                       else f"{'-':>8} {'-':>14}")
        print(f"{text:<16} {nnnumpy_time:>8.3f} {medians['fused']:>7.3f} "
              f"{textbook_time:>9.3f} {torch_cells} "
              f"{textbook_time / nnnumpy_time:>17.2f} {gflops:>8.1f} {bound:>7.3f} "
              f"{nnnumpy_time / bound:>14.2f}")

if __name__ == "__main__":
    main()
