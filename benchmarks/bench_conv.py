"""Seconds per training step of SimpleConvNet: nnnumpy, the textbook's way, PyTorch, the bound.

    python benchmarks/bench_conv.py [--steps 30] [--rounds 3]

The same network (conv 30 filters 5x5 -> ReLU -> max pool 2x2 -> Affine 100 -> ReLU ->
Affine 10, softmax cross-entropy, SGD) on the same batches of 100 MNIST images:

- nnnumpy: SimpleConvNet.loss_and_gradient + SGD, float32.
- textbook: the algorithm as the textbook writes it, written here afresh: float64
  (its im2col allocates float64 whatever the input), windows as rows, max pooling through
  im2col and argmax, one-hot labels, softmax then log(y + 1e-7), dx of every layer.
- torch: PyTorch CPU eager (if installed; never a dependency of nnnumpy), float32,
  torch.set_num_threads equal to NumPy's BLAS threads.
- bound: the matrix products of one nnnumpy step alone, timed on these shapes: no
  NumPy implementation of this step can be faster than their sum.

Each figure is the median over ``--steps`` steps, the contenders taking turns round by
round so that the noise of a shared machine falls on all alike. An epoch is 600 steps.
"""

import argparse
import os
import statistics
import time

import numpy as np

from nnnumpy import SimpleConvNet, load_mnist
from nnnumpy.optimizers import SGD

BATCH = 100
LEARNING_RATE = 0.01
STEPS_PER_EPOCH = 60000 // BATCH


def blas_threads():
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return os.cpu_count()


def nnnumpy_step(x, t):
    net = SimpleConvNet(weight_init_std="he", seed=0)
    optimizer = SGD(LEARNING_RATE)

    def step(i):
        _, grads = net.loss_and_gradient(x[i], t[i])
        optimizer.update(net.params, grads)
    return step


# ----------------------------------------------------------- the textbook's way, afresh
def textbook_im2col(x, fh, fw, stride=1):
    n, c, h, w = x.shape
    oh, ow = (h - fh) // stride + 1, (w - fw) // stride + 1
    col = np.zeros((n, c, fh, fw, oh, ow))                      # float64, whatever x is
    for i in range(fh):
        for j in range(fw):
            col[:, :, i, j] = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def textbook_col2im(col, shape, fh, fw, stride=1):
    n, c, h, w = shape
    oh, ow = (h - fh) // stride + 1, (w - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    image = np.zeros((n, c, h + stride - 1, w + stride - 1))
    for i in range(fh):
        for j in range(fw):
            image[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += col[:, :, i, j]
    return image[:, :, :h, :w]


def textbook_step(x, t):
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((30, 1, 5, 5)) * np.sqrt(2 / 25)
    W2 = rng.standard_normal((4320, 100)) * np.sqrt(2 / 4320)
    W3 = rng.standard_normal((100, 10)) * np.sqrt(2 / 100)
    b1, b2, b3 = np.zeros(30), np.zeros(100), np.zeros(10)
    params = [W1, b1, W2, b2, W3, b3]
    one_hot = [np.eye(10)[labels] for labels in t]

    def step(i):
        xb, tb = x[i], one_hot[i]
        n = xb.shape[0]
        col = textbook_im2col(xb, 5, 5)                                  # conv forward
        conv = (col @ W1.reshape(30, -1).T + b1).reshape(n, 24, 24, 30).transpose(0, 3, 1, 2)
        mask1 = conv <= 0                                                # ReLU
        a1 = conv.copy()
        a1[mask1] = 0
        pcol = textbook_im2col(a1, 2, 2, stride=2).reshape(-1, 4)        # pooling
        arg = np.argmax(pcol, axis=1)
        pooled = np.max(pcol, axis=1).reshape(n, 12, 12, 30).transpose(0, 3, 1, 2)
        flat = pooled.reshape(n, -1)
        h = flat @ W2 + b2
        mask2 = h <= 0
        z = h.copy()
        z[mask2] = 0
        scores = z @ W3 + b3
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        -np.sum(np.log(y + 1e-7) * tb) / n                               # the loss
        dscores = (y - tb) / n                                           # backward
        dW3, db3 = z.T @ dscores, dscores.sum(axis=0)
        dz = dscores @ W3.T
        dz[mask2] = 0
        dW2, db2 = flat.T @ dz, dz.sum(axis=0)
        dpooled = (dz @ W2.T).reshape(pooled.shape).transpose(0, 2, 3, 1)
        dmax = np.zeros((dpooled.size, 4))
        dmax[np.arange(arg.size), arg.flatten()] = dpooled.flatten()
        da1 = textbook_col2im(dmax.reshape(n * 12 * 12, -1), a1.shape, 2, 2, stride=2)
        da1[mask1] = 0
        dconv = da1.transpose(0, 2, 3, 1).reshape(-1, 30)
        dW1 = (col.T @ dconv).T.reshape(W1.shape)
        db1 = dconv.sum(axis=0)
        textbook_col2im(dconv @ W1.reshape(30, -1), xb.shape, 5, 5)     # dx, as the book does
        for param, grad in zip(params, [dW1, db1, dW2, db2, dW3, db3]):
            param -= LEARNING_RATE * grad
    return step


def torch_step(x, t):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(blas_threads())
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(4320, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    xs = [torch.from_numpy(batch) for batch in x]
    ts = [torch.from_numpy(labels) for labels in t]

    def step(i):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xs[i]), ts[i])
        loss.backward()
        optimizer.step()
    return step


def bound_step(x, t):
    """Only the matrix products of one nnnumpy step, on float32 arrays of its shapes."""
    rng = np.random.default_rng(0)

    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)
    W1, col, dconv = f32(30, 25), f32(BATCH, 25, 576), f32(BATCH, 30, 576)
    flat, W2, dh = f32(BATCH, 4320), f32(4320, 100), f32(BATCH, 100)
    W3, dscores = f32(100, 10), f32(BATCH, 10)

    def step(i):
        W1 @ col                 # conv forward, one product per image
        dconv @ col.transpose(0, 2, 1)   # conv dW, per image (before the sum over images)
        flat @ W2                # Affine1 forward
        flat.T @ dh              # Affine1 dW
        dh @ W2.T                # Affine1 dx
        dh @ W3                  # Affine2 forward
        dh.T @ dscores           # Affine2 dW
        dscores @ W3.T           # Affine2 dx
    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description="Seconds per SimpleConvNet training step.")
    parser.add_argument("--steps", type=int, default=30, help="steps per contender and round")
    parser.add_argument("--rounds", type=int, default=3, help="turns each contender takes")
    parser.add_argument("--data-dir", default=None, help="folder with MNIST")
    args = parser.parse_args(argv)

    (x_train, t_train), _ = load_mnist(data_dir=args.data_dir, flatten=False)
    x = [x_train[i * BATCH:(i + 1) * BATCH] for i in range(args.steps)]
    t = [t_train[i * BATCH:(i + 1) * BATCH] for i in range(args.steps)]
    x64 = [batch.astype(np.float64) for batch in x]
    contenders = {"nnnumpy": nnnumpy_step(x, t), "textbook": textbook_step(x64, t),
                  "torch": torch_step(x, t), "bound": bound_step(x, t)}
    contenders = {name: step for name, step in contenders.items() if step is not None}
    times = {name: [] for name in contenders}
    for step in contenders.values():   # warm-up
        step(0)
    for _ in range(args.rounds):
        for name, step in contenders.items():
            for i in range(args.steps):
                start = time.perf_counter()
                step(i)
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"SimpleConvNet, batch {BATCH}, SGD; BLAS threads {blas_threads()}; NumPy "
          f"{np.__version__}; median of {args.steps * args.rounds} steps each, taking turns")
    print(f"{'contender':<10} {'ms/step':>8} {'s/epoch':>8} {'/ nnnumpy':>10}")
    for name, seconds in medians.items():
        print(f"{name:<10} {seconds * 1e3:>8.2f} {seconds * STEPS_PER_EPOCH:>8.2f} "
              f"{seconds / medians['nnnumpy']:>10.2f}")
    if "torch" in medians:
        print(f"nnnumpy / torch = {medians['nnnumpy'] / medians['torch']:.2f}; "
              f"textbook / nnnumpy = {medians['textbook'] / medians['nnnumpy']:.2f}; "
              f"nnnumpy / bound = {medians['nnnumpy'] / medians['bound']:.2f}")


if __name__ == "__main__":
    main()
