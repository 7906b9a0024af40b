"""The training loop as its user sees it: the printed lines, the progress bar, early stopping,
Ctrl-C, divergence, and networks and optimizers written without nnnumpy's extras."""

import math
import os
import re
import signal
import time

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.trainer import Trainer, TrainingDiverged


def blobs(n, seed=0, dims=4, classes=3):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes, dims)) * 3
    t = rng.integers(0, classes, n)
    return centers[t] + rng.standard_normal((n, dims)), t


class PlainSoftmax:
    """Softmax regression written the textbook's way: params, predict, loss, gradient; no
    buffers, no loss_and_gradient, no output_size."""

    def __init__(self, dims=4, classes=3, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.1 * rng.standard_normal((dims, classes)),
                       "b1": np.zeros(classes)}

    def scores(self, x):
        return x @ self.params["W1"] + self.params["b1"]

    def predict(self, x):
        return self.scores(x)

    def probabilities(self, x):
        s = self.scores(x)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        p = self.probabilities(x)
        return float(-np.mean(np.log(p[np.arange(t.size), t])))

    def gradient(self, x, t):
        d = self.probabilities(x)
        d[np.arange(t.size), t] -= 1
        d /= t.size
        return {"W1": x.T @ d, "b1": d.sum(axis=0)}


class NanPredictions(PlainSoftmax):
    """Trains normally, but its test-mode scores are NaN: no validation loss is better."""

    def predict(self, x):
        return np.full((x.shape[0], 3), np.nan)


class StandStill:
    """An optimizer (with a learning rate) that leaves the parameters as they are."""

    lr = 0.1

    def update(self, params, grads):
        pass


class NoRateSGD:
    """Plain gradient descent with a fixed step, and no ``lr`` attribute."""

    def update(self, params, grads):
        for key in params:
            params[key] -= 0.1 * grads[key]


class PoisonAfter:
    """Plain gradient descent that fills the parameters with NaN at its ``n``-th update."""

    def __init__(self, n):
        self.n, self.updates = n, 0

    def update(self, params, grads):
        self.updates += 1
        for key in params:
            params[key] -= 0.1 * grads[key]
            if self.updates == self.n:
                params[key][...] = np.nan


class PoisonAfterWithRate(PoisonAfter):
    lr = 0.1


def slow(batch):
    """An augmentation that takes longer than the bar's refresh interval (0.1 s)."""
    time.sleep(0.15)
    return batch


BAR_FRAME = re.compile(r"epoch (\d+)/(\d+): +(\d+)%\|.{10}\| (\d+)/(\d+) "
                       r"\[[0-9:]+<[0-9:?]+, +[0-9.?]+batch/s(?:, loss=(\d+\.\d{4}))?\]")


def test_a_verbose_run_prints_one_line_per_epoch_and_a_bar_that_counts_batches(capsys):
    """Two epochs of 2 batches (24 training samples in batches of 12, 6 for validation):
    stdout holds exactly one line per epoch, its numbers those of the history; stderr
    holds the bar, which counts batches of its epoch, shows the last synchronised loss and
    disappears when its epoch ends (nothing left on a line of its own)."""
    x, t = blobs(30, seed=1)
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=0)
    trainer = Trainer(net, x, t, x[:9], t[:9], optimizer_params={"lr": 0.1}, epochs=2,
                      batch_size=12, seed=0, validation_split=0.2, sync_every=1,
                      augment=slow, verbose=True)
    start = time.perf_counter()
    history = trainer.fit()
    wall = time.perf_counter() - start
    out, err = capsys.readouterr()

    for seconds in history["epoch_time"]:
        assert type(seconds) is float and 2 * 0.15 <= seconds <= wall
    assert sum(history["epoch_time"]) <= wall
    assert all(f"{loss:.4f}" != f"{acc:.4f}"
               for loss, acc in zip(history["train_loss"], history["train_acc"]))
    expected = [f"epoch {e + 1:>3}/2  train loss {history['train_loss'][e]:.4f}  "
                f"train acc {history['train_acc'][e]:.4f}  "
                f"test acc {history['test_acc'][e]:.4f}  "
                f"val acc {history['val_acc'][e]:.4f}  {history['epoch_time'][e]:.1f} s"
                for e in range(2)]
    assert out.splitlines() == expected
    assert out.startswith("epoch   1/2  train loss ")

    assert "\n" not in err, "a finished epoch's bar must not stay on the screen"
    chunks = err.split("\r")
    assert chunks[0] == "" and chunks[-1] == ""
    frames = [chunk for chunk in chunks[1:-1] if chunk.strip()]
    cleared = [chunk for chunk in chunks[1:-1] if chunk and not chunk.strip()]
    assert len(cleared) == 2, "each epoch's bar is wiped when the epoch ends"
    seen = []
    for frame in frames:
        match = BAR_FRAME.fullmatch(frame.rstrip())
        assert match, frame
        epoch, epochs, percent, done, total, loss = match.groups()
        assert int(percent) == 100 * int(done) // int(total)
        seen.append((int(epoch), int(epochs), int(done), int(total), loss))
    shown = [f"{value:.4f}" for value in history["loss"]]
    # Drawn when the bar starts and after every batch; the loss of a batch is shown from
    # the next drawing on (the bar is not redrawn just for it).
    assert seen == [(1, 2, 0, 2, None), (1, 2, 1, 2, None), (1, 2, 2, 2, shown[0]),
                    (2, 2, 0, 2, None), (2, 2, 1, 2, None), (2, 2, 2, 2, shown[2])]


def test_a_quiet_run_prints_nothing_and_draws_no_bar(capsys):
    x, t = blobs(30, seed=1)
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=0)
    Trainer(net, x, t, x[:9], t[:9], epochs=1, batch_size=12, seed=0,
            validation_split=0.2, verbose=False).fit()
    assert capsys.readouterr() == ("", "")


def test_ctrl_c_says_how_many_iterations_were_kept(capsys):
    x, t = blobs(40, seed=2)
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=0)
    trainer = Trainer(net, x, t, x[:9], t[:9], epochs=5, batch_size=10, seed=0, verbose=True)
    original_step, calls = trainer.step, []

    def step(x_batch, t_batch):
        calls.append(1)
        if len(calls) == 6:   # the second batch of the second epoch
            os.kill(os.getpid(), signal.SIGINT)
        return original_step(x_batch, t_batch)

    trainer.step = step
    history = trainer.fit()
    assert trainer.interrupted and len(history["loss"]) == 6
    lines = capsys.readouterr().out.splitlines()
    assert [line[:11] for line in lines[:2]] == ["epoch   1/5", "epoch   2/5"]
    assert lines[2:] == ["interrupted: stopped after 6 iterations; returning the history so far"]


def test_early_stopping_keeps_the_first_of_equal_validation_losses_and_says_so(capsys):
    """The parameters never move, so every validation loss equals the first: an equal loss
    is not better, and after ``patience`` such epochs training stops at the first one. The
    network is a textbook-style one, without ``buffers``."""
    x, t = blobs(40, seed=3)
    net = PlainSoftmax()
    before = {key: value.copy() for key, value in net.params.items()}
    trainer = Trainer(net, x, t, x[:9], t[:9], optimizer=StandStill(), epochs=6,
                      batch_size=10, seed=0, validation_split=0.25, patience=2, verbose=True)
    history = trainer.fit()
    assert len(history["val_loss"]) == 3 and len(set(history["val_loss"])) == 1
    assert trainer.best_epoch == 1
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
    lines = [line for line in capsys.readouterr().out.splitlines()
             if not line.startswith("warning: ")]   # it does not learn: at chance level
    assert len(lines) == 4 and all(line.startswith("epoch ") for line in lines[:3])
    assert lines[3] == "early stopping: no better validation loss for 2 epochs; keeping epoch 1"


def test_early_stopping_of_a_textbook_network_restores_its_best_parameters():
    x, t = blobs(60, seed=4)
    net = PlainSoftmax()
    trainer = Trainer(net, x, t, x[:9], t[:9], optimizer=NoRateSGD(), epochs=3,
                      batch_size=10, seed=0, validation_split=0.25, patience=1,
                      verbose=False)
    history = trainer.fit()
    best = trainer.best_epoch
    assert best is not None
    restored = trainer.evaluate(trainer.x_train, trainer.t_train, trainer.val_indices)[0]
    assert restored == pytest.approx(history["val_loss"][best - 1], rel=1e-12)


def test_patience_counts_from_the_first_epoch_when_no_validation_loss_is_a_number():
    """NaN is never better than anything: with patience 2 the run stops after 2 epochs,
    with no best epoch and the parameters of the last one."""
    x, t = blobs(40, seed=5)
    net = NanPredictions()
    trainer = Trainer(net, x, t, x[:9], t[:9], optimizer=NoRateSGD(), epochs=5,
                      batch_size=10, seed=0, validation_split=0.25, patience=2,
                      verbose=False)
    with np.errstate(invalid="ignore"):
        history = trainer.fit()
    assert len(history["val_loss"]) == 2 and all(math.isnan(v) for v in history["val_loss"])
    assert trainer.best_epoch is None


def test_an_optimizer_without_a_learning_rate_trains_and_records_nan():
    x, t = blobs(30, seed=6)
    trainer = Trainer(PlainSoftmax(), x, t, x[:9], t[:9], optimizer=NoRateSGD(), epochs=2,
                      batch_size=10, seed=0, verbose=False)
    history = trainer.fit()
    assert len(history["lr"]) == 2 and all(math.isnan(lr) for lr in history["lr"])
    assert all(type(lr) is float for lr in history["lr"])
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_divergence_names_the_first_bad_iteration_without_a_learning_rate():
    """The losses are looked at every 20 batches: a NaN at the second of three batches is
    found at the end of the epoch and named by its own iteration number."""
    x, t = blobs(30, seed=7)
    trainer = Trainer(PlainSoftmax(), x, t, x[:9], t[:9], optimizer=PoisonAfter(1),
                      epochs=2, batch_size=10, seed=0, verbose=False)
    with np.errstate(invalid="ignore"), pytest.raises(TrainingDiverged) as info:
        trainer.fit()
    assert str(info.value) == ("the loss became nan at iteration 2 (epoch 1); the learning "
                               "rate None is probably too large: try a smaller one (for "
                               "example ten times smaller)")


class CountingNumericalNet(TwoLayerNet):
    def __init__(self):
        super().__init__(4, 3, 3, weight_init_std="he", dtype=np.float64, seed=0)
        self.numerical_gradients = 0

    def numerical_gradient(self, x, t):
        self.numerical_gradients += 1
        return super().numerical_gradient(x, t)


def test_numerical_training_looks_at_the_loss_after_every_batch():
    """A numerical gradient takes minutes on a real network: a NaN loss is reported after
    the batch that gave it, not after ``sync_every`` (20) more."""
    x, t = blobs(30, seed=8)
    net = CountingNumericalNet()
    trainer = Trainer(net, x, t, x[:9], t[:9], optimizer=PoisonAfterWithRate(2), epochs=1,
                      batch_size=5, seed=0, gradient="numerical", verbose=False)
    with np.errstate(invalid="ignore"), pytest.raises(TrainingDiverged,
                                                      match=r"nan at iteration 3 \(epoch 1\)"):
        trainer.fit()
    assert net.numerical_gradients == 3   # of 6 batches


def test_after_a_numerical_gradient_a_ctrl_c_stops_cleanly_again():
    """Ctrl-C cuts a numerical gradient short; once it is done, a first Ctrl-C (here during
    the epoch's callback) asks for a clean stop, as in backprop training."""
    x, t = blobs(20, seed=9)
    net = TwoLayerNet(4, 3, 3, weight_init_std="he", dtype=np.float64, seed=0)
    flags = []

    def on_epoch(history):
        flags.append(trainer.interrupt_at_once)
        os.kill(os.getpid(), signal.SIGINT)

    trainer = Trainer(net, x, t, x[:9], t[:9], epochs=3, batch_size=10, seed=0,
                      gradient="numerical", on_epoch=on_epoch, verbose=False)
    try:
        history = trainer.fit()
    except KeyboardInterrupt:
        pytest.fail("a first Ctrl-C after the numerical gradients stopped training at once")
    assert trainer.interrupted and len(history["loss"]) == 2 and len(history["test_acc"]) == 1
    assert flags == [False] and trainer.interrupt_at_once is False
