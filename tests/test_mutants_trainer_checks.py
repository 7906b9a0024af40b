"""The trainer's checks of its data and settings, its state, and what it says when a run fails.

Every expected message below is written out in full for the situation the test builds: the
numbers in it are worked out by hand from the losses the test sets.
"""

import math

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.trainer import Trainer


def blobs(n, seed=0, dims=4, classes=3):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes, dims)) * 1.5
    t = rng.integers(0, classes, n)
    return centers[t] + rng.standard_normal((n, dims)), t


def make_trainer(x, t, x_test, t_test, classes=3, dtype=np.float64, **kwargs):
    net = TwoLayerNet(4, 6, classes, weight_init_std="he", dtype=dtype, seed=3)
    settings = {"optimizer": "sgd", "optimizer_params": {"lr": 0.05}, "epochs": 2,
                "batch_size": 16, "seed": 1, "verbose": False}
    settings.update(kwargs)
    return Trainer(net, x, t, x_test, t_test, **settings)


def direct_loss_and_accuracy(net, x, t):
    """Mean softmax cross-entropy and accuracy of net on (x, t), one sample at a time."""
    losses, correct = [], 0
    for n in range(x.shape[0]):
        scores = net.predict(x[n:n + 1])[0]
        shifted = scores - scores.max()
        losses.append(-(shifted[t[n]] - np.log(np.exp(shifted).sum())))
        correct += int(np.argmax(scores) == t[n])
    return sum(losses) / len(losses), correct / x.shape[0]


# ------------------------------------------------------------------ the data and its checks
def test_an_x_that_is_not_an_array_is_named_with_its_type():
    x, t = blobs(30, seed=3)
    with pytest.raises(ValueError, match=r"^x_train must be an array \(N, D\) with N > 0, "
                                         r"got list$"):
        make_trainer(x.tolist(), t, x, t)


def test_test_images_of_the_wrong_width_are_refused_by_name_before_training():
    x, t = blobs(30, seed=3)
    with pytest.raises(ValueError, match=r"^x_test/t_test: x must have shape \(N, 4\), "
                                         r"got \(30, 3\)$"):
        make_trainer(x, t, x[:, :3], t)


def test_a_float32_network_gets_its_data_in_float32():
    """Training data, test data and one-hot labels are given the network's dtype; class
    indices become int64; the data of a float64 caller is converted, not kept as it is."""
    x, t = blobs(30, seed=3)
    x_test, t_test = blobs(10, seed=4)
    for labels, test_labels, label_dtype in [(t.astype(np.int32), t_test, np.int64),
                                             (np.eye(3)[t], np.eye(3)[t_test], np.float32)]:
        trainer = make_trainer(x, labels, x_test, test_labels, dtype=np.float32)
        assert trainer.x_train.dtype == np.float32 and trainer.x_test.dtype == np.float32
        assert trainer.t_train.dtype == label_dtype and trainer.t_test.dtype == label_dtype
        np.testing.assert_array_equal(trainer.x_train, x.astype(np.float32))
        np.testing.assert_array_equal(trainer.t_test, test_labels)


def test_data_already_in_the_network_dtype_is_not_copied():
    """A large training set already in the network's dtype (MNIST in float32: 188 MB) is used
    as it is: the trainer keeps no second copy of it, nor of labels already in their form."""
    x, t = blobs(30, seed=3)
    x32, labels, one_hot = x.astype(np.float32), t.astype(np.int64), np.eye(3, dtype=np.float32)[t]
    trainer = make_trainer(x32, labels, x32, one_hot, dtype=np.float32)
    assert np.shares_memory(trainer.x_train, x32) and np.shares_memory(trainer.x_test, x32)
    assert np.shares_memory(trainer.t_train, labels)
    assert np.shares_memory(trainer.t_test, one_hot)


class TextbookNet:
    """A network written the textbook's way (no output_size) that records what it is given."""

    def __init__(self, dtype):
        rng = np.random.default_rng(0)
        self.params = {"W1": rng.standard_normal((4, 3)).astype(dtype),
                       "b1": np.zeros(3, dtype)}
        self.seen = []

    def predict(self, x):
        self.seen.append(x.dtype)
        return x @ self.params["W1"] + self.params["b1"]

    def loss(self, x, t):
        scores = self.predict(x)
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_y[np.arange(t.size), t].mean()

    def gradient(self, x, t):
        scores = self.predict(x)
        y = np.exp(scores - scores.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
        y[np.arange(t.size), t] -= 1
        return {"W1": x.T @ y / t.size, "b1": y.sum(axis=0) / t.size}


def test_a_textbook_network_is_only_ever_given_inputs_in_its_own_dtype():
    """The number of classes of a network without output_size comes from one prediction:
    that one too is made on data in the network's dtype, like everything after it."""
    x, t = blobs(30, seed=3)             # float64 data for a float32 network
    net = TextbookNet(np.float32)
    trainer = Trainer(net, x, t, x, t, epochs=1, batch_size=10, seed=0, verbose=False)
    assert trainer.num_classes == 3
    trainer.fit()
    assert len(net.seen) > 1 and set(net.seen) == {np.dtype(np.float32)}


# ------------------------------------------------------------------ validation and samples
def test_a_validation_split_of_one_sample_is_allowed():
    x, t = blobs(30, seed=3)
    trainer = make_trainer(x, t, x, t, validation_split=1 / 30)
    assert trainer.val_indices.size == 1 and trainer.train_indices.size == 29


def test_a_validation_split_that_leaves_nothing_to_train_on_is_refused():
    x, t = blobs(30, seed=3)   # round(0.99 * 30) = 30: every sample held out
    with pytest.raises(ValueError, match=r"^validation_split=0.99 leaves no samples to train "
                                         r"or to validate on out of 30$"):
        make_trainer(x, t, x, t, validation_split=0.99)


def test_the_default_training_sample_is_ten_thousand():
    """train_eval_size=10000 by default: a training set of 10001 is sampled, not taken whole."""
    x, t = blobs(10001, seed=3)
    net = TwoLayerNet(4, 6, 3, dtype=np.float64, seed=3)
    trainer = Trainer(net, x, t, x[:5], t[:5], seed=0, verbose=False)
    indices = np.asarray(trainer.train_eval_indices)
    assert indices.size == 10000 and np.unique(indices).size == 10000
    assert 0 <= indices.min() and indices.max() <= 10000


def test_a_training_sample_as_large_as_the_training_set_is_all_of_it():
    """train_eval_size equal to the number of training samples means all of them: the same
    run, batch for batch, as train_eval_size=None."""
    x, t = blobs(40, seed=6)
    runs = []
    for size in (None, 40):
        trainer = make_trainer(x, t, x[:10], t[:10], train_eval_size=size)
        assert trainer.train_eval_indices is None
        history = trainer.fit()
        runs.append({k: v for k, v in history.items() if k != "epoch_time"})
    assert runs[0] == runs[1]


def test_with_a_validation_split_the_training_loss_leaves_the_validation_samples_out():
    x, t = blobs(40, seed=4)
    trainer = make_trainer(x, t, x[:10], t[:10], epochs=1, validation_split=0.25,
                           train_eval_size=None)
    train = np.asarray(trainer.train_indices)
    assert train.size == 30
    np.testing.assert_array_equal(np.asarray(trainer.train_eval_indices), train)
    history = trainer.fit()
    expected = direct_loss_and_accuracy(trainer.network, x[train], t[train])
    assert (history["train_loss"][-1], history["train_acc"][-1]) == pytest.approx(
        expected, rel=1e-12)
    everything = direct_loss_and_accuracy(trainer.network, x, t)
    assert history["train_loss"][-1] != pytest.approx(everything[0], rel=1e-6)


def test_the_state_after_a_run_that_ends_normally():
    x, t = blobs(30, seed=3)
    trainer = make_trainer(x, t, x, t)
    assert trainer.best_epoch is None and trainer.not_learning is None
    assert trainer.interrupted is False and trainer.stop_requested is False
    assert trainer.interrupt_at_once is False
    trainer.fit()
    assert trainer.best_epoch is None          # no early stopping: no best epoch
    assert trainer.interrupted is False and trainer.stop_requested is False
    assert trainer.interrupt_at_once is False


# ------------------------------------------------------------------ a run at chance level
def trainer_with_history(losses, test_acc=0.3, classes=3, lr=0.1, verbose=False):
    """A trainer of a `classes`-class problem whose history is set by hand."""
    x, t = blobs(12, seed=9, classes=classes)
    trainer = make_trainer(x, t, x, t, classes=classes, epochs=3, verbose=verbose)
    trainer.history["loss"] = list(losses)
    trainer.history["test_acc"] = [test_acc]
    trainer.history["lr"] = [lr]
    return trainer


AT_CHANCE_3 = ("test accuracy 0.3000 after 2 epoch(s) is chance level (1/3): the network is "
               "not learning; ")
STUCK_3 = "the training loss is {}, no better than guessing (ln 3 = 1.1)"
HARDLY = ("and it hardly moved in {} iterations (from {} to {}): the steps are too small. The "
          "learning rate (0.1 at the start) is probably far too small (or the initial weights "
          "are so small that the gradients vanish); try one ten or a hundred times larger")
EITHER = (". The learning rate (0.1 at the start) may be far too large (the weights overshoot "
          "and the ReLU units die: try one ten times smaller) or, if the loss then falls too "
          "slowly, the learning rate or the initial weights are too small")
FELL = ("the training loss fell to {} but the test accuracy did not: check that the test labels "
        "belong to the test images")

# ln 3 = 1.0986: 0.8 ln 3 = 0.879 is the line between "fell" and "no better than guessing".
CASES = {
    # 0.85 is below 0.8 ln 3 = 0.879 (though above 0.8 / ln 3 = 0.728): the loss fell.
    "fell": ([1.2] * 30 + [0.85] * 10, FELL.format("0.85")),
    # The loss rose from 1 to 1.6, above 1.5 times where it started.
    "overshoot": ([1.0] * 20 + [1.6] + [1.1] * 19,
                  STUCK_3.format("1.1") + ", after rising from 1 to 1.6: the learning rate "
                  "(0.1 at the start) is far too large: the weights overshoot and the ReLU "
                  "units die. Try one ten times smaller"),
    # Exactly 1.5 times the first loss is not "well above" it; the loss stayed at 1.
    "rise of exactly 1.5": ([1.0] * 20 + [1.5] + [1.0] * 19,
                            STUCK_3.format("1") + ", " + HARDLY.format(40, "1", "1")),
    "too few": ([1.1] * 19, STUCK_3.format("1.1") + ", after only 19 iteration(s): too few "
                "steps to learn anything, or to tell why not; train on more samples or for "
                "more epochs"),
    # The start is the mean of the first ten losses: the eleventh (1.5) is not among them.
    "start of ten": ([1.1] * 10 + [1.5] + [1.1] * 19,
                     STUCK_3.format("1.1") + ", " + HARDLY.format(30, "1.1", "1.1")),
    # From 1.2 to 1.15: a change of 0.05, less than 5 % of 1.2 (0.06).
    "moved 4 %": ([1.2] * 30 + [1.15] * 10,
                  STUCK_3.format("1.15") + ", " + HARDLY.format(40, "1.2", "1.15")),
    # From 1.25 to 1.1875: a change of 0.0625, exactly 5 % of 1.25, is not "hardly".
    "moved exactly 5 %": ([1.25] * 30 + [1.1875] * 10, STUCK_3.format("1.19") + EITHER),
    "either": ([1.4] * 30 + [1.1] * 10, STUCK_3.format("1.1") + EITHER),
}


@pytest.mark.parametrize("case", CASES)
def test_a_run_at_chance_says_the_whole_cause_that_fits_its_losses(case):
    losses, cause = CASES[case]
    trainer = trainer_with_history(losses)
    trainer.check_learning(1)
    assert trainer.not_learning == AT_CHANCE_3 + cause


def test_a_loss_of_exactly_four_fifths_of_guessing_has_fallen():
    """With 2 classes, 0.8 ln 2 is a float that ten equal losses average to exactly."""
    line = 0.8 * math.log(2)
    assert float(np.mean([line] * 10)) == line
    trainer = trainer_with_history([1.0] * 30 + [line] * 10, test_acc=0.5, classes=2)
    trainer.check_learning(1)
    assert trainer.not_learning == (
        "test accuracy 0.5000 after 2 epoch(s) is chance level (1/2): the network is not "
        "learning; " + FELL.format("0.555"))


def test_the_warning_is_printed_whole(capsys):
    trainer = trainer_with_history([1.4] * 30 + [1.1] * 10, verbose=True)
    trainer.check_learning(1)
    printed = capsys.readouterr().out
    assert printed == "warning: " + AT_CHANCE_3 + STUCK_3.format("1.1") + EITHER + "\n"
