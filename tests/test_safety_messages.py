"""A run that fails says its real cause: the initial weights, the weight decay, a rate too small."""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet
from nnnumpy.cli import run
from nnnumpy.trainer import Trainer, TrainingDiverged

from .conftest import load_script, mnist_dir, requires_mnist

train_mnist = load_script("train_mnist")


@pytest.fixture
def blobs():
    """Ten well separated classes in 8 dimensions: 400 training and 100 test samples."""
    rng = np.random.default_rng(0)
    centers = 3 * rng.standard_normal((10, 8))
    t = rng.integers(0, 10, 500)
    x = centers[t] + 0.3 * rng.standard_normal((500, 8))
    return x[:400], t[:400], x[400:], t[400:]


def fit(network, data, lr, epochs=2, batch_size=20):
    trainer = Trainer(network, *data, optimizer="sgd", optimizer_params={"lr": lr},
                      epochs=epochs, batch_size=batch_size, seed=0, verbose=False)
    with np.errstate(all="ignore"):
        trainer.fit()
    return trainer


def test_a_loss_already_infinite_at_the_start_does_not_blame_the_learning_rate(blobs):
    network = TwoLayerNet(8, 16, 10, weight_init_std=1e200, dtype=np.float64, seed=0)
    with pytest.raises(TrainingDiverged) as info:
        fit(network, blobs, lr=0.1)
    message = str(info.value)
    assert "at iteration 1 (epoch 1), on the first batch, before any update: the learning " \
           "rate is not the cause" in message
    assert "initial weights" in message and "probably too large" not in message


def test_an_enormous_weight_decay_names_the_weight_decay(blobs):
    network = MultiLayerNet(8, [16], 10, weight_decay_lambda=1e6, dtype=np.float64, seed=0)
    with pytest.raises(TrainingDiverged) as info:
        fit(network, blobs, lr=0.1)
    message = str(info.value)
    assert "the learning rate 0.1 times the weight decay 1e+06 is 100000" in message
    assert "make the weight decay or the learning rate smaller" in message


def test_a_learning_rate_too_large_is_still_named(blobs):
    network = TwoLayerNet(8, 16, 10, weight_init_std="he", dtype=np.float64, seed=0)
    with pytest.raises(TrainingDiverged, match=r"the learning rate 1e\+30 is probably too large"):
        fit(network, blobs, lr=1e30)


def test_a_tiny_learning_rate_at_chance_is_called_too_small(blobs):
    trainer = fit(TwoLayerNet(8, 16, 10, seed=0), blobs, lr=1e-320)
    assert trainer.not_learning is not None
    assert "learning rate (1e-320 at the start) is probably far too small" in \
        trainer.not_learning
    assert "too large" not in trainer.not_learning


def test_a_run_too_short_to_learn_says_so(blobs):
    trainer = fit(TwoLayerNet(8, 16, 10, seed=0), blobs, lr=1e-320, epochs=1, batch_size=400)
    assert "after only 1 iteration(s): too few steps to learn" in trainer.not_learning
    assert "learning rate" not in trainer.not_learning


@pytest.mark.mnist
@requires_mnist
@pytest.mark.parametrize("flags, cause", [
    (["--init", "1e30"], "before any update: the learning rate is not the cause"),
    (["--init", "1e308"], "--init 1e+308: the initial weights overflow float32"),
    (["--lr", "1e-320"], "learning rate (1e-320 at the start) is probably far too small"),
])
def test_the_script_names_the_real_cause(flags, cause, capsys):
    code = run(train_mnist.main, ["--data-dir", str(mnist_dir()), "--train-size", "2000",
                                  "--hidden-size", "20", "--epochs", "2", "--quiet", *flags])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert cause in err and "too large" not in err.replace("are too large", "")
