"""The trainer's evaluation and history against a direct computation, sample by sample."""

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.trainer import Trainer, TrainingDiverged


def direct_loss_and_accuracy(net, x, t):
    """Mean softmax cross-entropy and accuracy of net on (x, t), one sample at a time."""
    losses, correct = [], 0
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    for n in range(x.shape[0]):
        scores = net.predict(x[n:n + 1])[0]
        shifted = scores - scores.max()
        log_y = shifted - np.log(np.exp(shifted).sum())
        losses.append(-log_y[labels[n]])
        correct += int(np.argmax(scores) == labels[n])
    return sum(losses) / len(losses), correct / x.shape[0]


def blobs(n, seed=0, dims=4, classes=3):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes, dims)) * 1.5
    t = rng.integers(0, classes, n)
    return centers[t] + rng.standard_normal((n, dims)), t


def make_trainer(x, t, x_test, t_test, **kwargs):
    net = TwoLayerNet(4, 6, 3, weight_init_std="he", dtype=np.float64, seed=3)
    settings = {"optimizer": "sgd", "optimizer_params": {"lr": 0.05}, "epochs": 2,
                "batch_size": 16, "seed": 1, "verbose": False}
    settings.update(kwargs)
    return Trainer(net, x, t, x_test, t_test, **settings)


@pytest.mark.parametrize("eval_batch_size", [1, 7, 23, 1000])
@pytest.mark.parametrize("one_hot_labels", [False, True])
def test_evaluate_is_the_mean_over_every_sample(eval_batch_size, one_hot_labels):
    x, t = blobs(23)
    labels = np.eye(3)[t] if one_hot_labels else t
    trainer = make_trainer(x, labels, x, labels, eval_batch_size=eval_batch_size)
    loss, accuracy = trainer.evaluate(trainer.x_test, trainer.t_test)
    expected_loss, expected_accuracy = direct_loss_and_accuracy(trainer.network, x, t)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert accuracy == pytest.approx(expected_accuracy, rel=1e-12)
    assert 0 < expected_accuracy < 1, "the case must tell a wrong count from a right one"


@pytest.mark.parametrize("eval_batch_size", [2, 5, 100])
def test_evaluate_of_an_index_subset_counts_those_samples_only(eval_batch_size):
    x, t = blobs(30, seed=2)
    trainer = make_trainer(x, t, x, t, eval_batch_size=eval_batch_size)
    indices = np.array([0, 3, 4, 9, 17, 22, 29])
    loss, accuracy = trainer.evaluate(trainer.x_train, trainer.t_train, indices)
    expected = direct_loss_and_accuracy(trainer.network, x[indices], t[indices])
    assert (loss, accuracy) == pytest.approx(expected, rel=1e-12)
    everything = direct_loss_and_accuracy(trainer.network, x, t)
    assert loss != pytest.approx(everything[0], rel=1e-6)


def test_every_history_entry_is_the_direct_evaluation_of_its_epoch():
    """After each epoch (seen through on_epoch, which receives the history itself), the last
    entries of train_loss, train_acc, test_loss, test_acc, val_loss and val_acc are the
    evaluation of the network as it is then, on the right samples."""
    x, t = blobs(60, seed=4)
    x_test, t_test = blobs(25, seed=5)
    seen = []

    def on_epoch(history):
        seen.append(history)
        net = trainer.network
        indices = trainer.train_eval_indices
        assert indices is not None and indices.size == 20
        checks = {"train": direct_loss_and_accuracy(net, x[indices], t[indices]),
                  "test": direct_loss_and_accuracy(net, x_test, t_test),
                  "val": direct_loss_and_accuracy(net, x[trainer.val_indices],
                                                  t[trainer.val_indices])}
        for name, (loss, accuracy) in checks.items():
            assert history[f"{name}_loss"][-1] == pytest.approx(loss, rel=1e-12), name
            assert history[f"{name}_acc"][-1] == pytest.approx(accuracy, rel=1e-12), name
        for key in ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc",
                    "epoch_time", "lr"):
            assert len(history[key]) == len(seen), key

    trainer = make_trainer(x, t, x_test, t_test, epochs=3, validation_split=0.25,
                           train_eval_size=20, eval_batch_size=6, on_epoch=on_epoch)
    history = trainer.fit()
    assert len(seen) == 3 and all(entry is history for entry in seen)
    assert history["lr"] == [0.05, 0.05, 0.05]
    assert len(history["loss"]) == 3 * 3   # 45 training samples in batches of 16
    # The fixed training sample: 20 distinct training (not validation) samples.
    train_eval = set(np.asarray(trainer.train_eval_indices).tolist())
    assert len(train_eval) == 20
    assert train_eval <= set(np.asarray(trainer.train_indices).tolist())
    assert train_eval.isdisjoint(np.asarray(trainer.val_indices).tolist())


def test_without_a_sample_the_whole_training_set_is_evaluated():
    x, t = blobs(40, seed=6)
    trainer = make_trainer(x, t, x[:10], t[:10], epochs=1, train_eval_size=None)
    assert trainer.train_eval_indices is None
    history = trainer.fit()
    expected = direct_loss_and_accuracy(trainer.network, x, t)
    assert (history["train_loss"][-1], history["train_acc"][-1]) == pytest.approx(
        expected, rel=1e-12)


def test_the_batch_losses_are_the_losses_before_each_update():
    """history['loss'][i] is the loss of batch i with the parameters before its update."""
    x, t = blobs(32, seed=7)
    trainer = make_trainer(x, t, x, t, epochs=1, batch_size=32, sync_every=1)
    before = direct_loss_and_accuracy(trainer.network, x, t)[0]
    history = trainer.fit()
    assert history["loss"] == [pytest.approx(before, rel=1e-12)]


class DecayingNet:
    weight_decay_lambda = 0.5


@pytest.mark.parametrize("network, iteration, lr, expected", [
    (None, 1, 0.1, "the loss became nan at iteration 1 (epoch 2), on the first batch, before "
                   "any update: the learning rate is not the cause. The untrained network's "
                   "loss is already not finite: the initial weights (weight_init_std: 'he', "
                   "'xavier' or about 0.01 are usual) or the inputs (best scaled to about "
                   "[0, 1]) are too large; try smaller ones"),
    (DecayingNet(), 1, 0.1, "before any update: the learning rate is not the cause. The "
                            "untrained network's loss is already not finite: the initial "
                            "weights (weight_init_std: 'he', 'xavier' or about 0.01 are "
                            "usual), the weight decay (0.5) or the inputs"),
    (DecayingNet(), 7, 4.0, "the loss became nan at iteration 7 (epoch 2); the learning rate "
                            "4.0 times the weight decay 0.5 is 2, and each step multiplies the "
                            "weights by 1 - lr * lambda: make the weight decay or the learning "
                            "rate smaller, so that their product is well below 1"),
    (DecayingNet(), 7, 2.0, "the loss became nan at iteration 7 (epoch 2); the learning rate "
                            "2.0 is probably too large: try a smaller one (for example ten "
                            "times smaller)"),
    (None, 7, None, "at iteration 7 (epoch 2); the learning rate None is probably too large"),
])
def test_the_divergence_message_names_the_likely_cause(network, iteration, lr, expected):
    error = TrainingDiverged.at(float("nan"), iteration, 2, lr, network)
    assert isinstance(error, FloatingPointError)
    assert expected in str(error)


def trainer_with_history(losses, test_acc, epochs=3, lr=0.1):
    """A trainer of a 3-class problem whose history is set by hand, to read check_learning."""
    x, t = blobs(12, seed=9)
    trainer = make_trainer(x, t, x, t, epochs=epochs)
    trainer.history["loss"] = list(losses)
    trainer.history["test_acc"] = [test_acc]
    trainer.history["lr"] = [lr]
    return trainer


LN3 = float(np.log(3))


@pytest.mark.parametrize("losses, cause", [
    ([1.2] * 30 + [0.5] * 10, "the training loss fell to 0.5 but the test accuracy did not: "
                              "check that the test labels belong to the test images"),
    ([1.0] * 20 + [1.6] + [1.1] * 19, f"the training loss is 1.1, no better than guessing (ln 3 "
                                      f"= {LN3:.3g}), after rising from 1 to 1.6: the learning "
                                      "rate (0.1 at the start) is far too large"),
    ([1.1] * 19, "after only 19 iteration(s): too few steps to learn anything"),
    ([1.1] * 20, "and it hardly moved in 20 iterations"),   # 20 is enough to tell
    ([1.2] * 30 + [0.93] * 10, "The learning rate (0.1 at the start) may be far too large"),
    ([1.1] * 30 + [1.12] * 10, "and it hardly moved in 40 iterations (from 1.1 to 1.12): the "
                               "steps are too small. The learning rate (0.1 at the start) is "
                               "probably far too small"),
    ([1.4] * 30 + [1.1] * 10, "The learning rate (0.1 at the start) may be far too large (the "
                              "weights overshoot and the ReLU units die: try one ten times "
                              "smaller) or, if the loss then falls too slowly"),
])
def test_a_run_at_chance_says_which_cause_fits_its_losses(losses, cause):
    trainer = trainer_with_history(losses, test_acc=0.3)
    trainer.check_learning(1)
    assert trainer.not_learning.startswith(
        "test accuracy 0.3000 after 2 epoch(s) is chance level (1/3): the network is not "
        "learning; ")
    assert cause in trainer.not_learning


def test_chance_is_judged_only_after_two_epochs_and_only_once():
    trainer = trainer_with_history([1.1] * 40, test_acc=0.3)
    trainer.check_learning(0)                 # one epoch of three: too early
    assert trainer.not_learning is None
    trainer.check_learning(1)
    first = trainer.not_learning
    assert first is not None
    trainer.history["loss"] = [0.1] * 40
    trainer.check_learning(2)
    assert trainer.not_learning == first      # said once, not rewritten
    single = trainer_with_history([1.1] * 40, test_acc=0.3, epochs=1)
    single.check_learning(0)                  # a one-epoch run is judged after its epoch
    assert single.not_learning is not None
    # 1.5 / 3 = 0.5 is the line: at or above it, no warning.
    learning = trainer_with_history([1.1] * 40, test_acc=0.5)
    learning.check_learning(1)
    assert learning.not_learning is None
    stopping = trainer_with_history([1.1] * 40, test_acc=0.3)
    stopping.stop_requested = True
    stopping.check_learning(1)
    assert stopping.not_learning is None


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "^epochs must be a positive integer, got 0"),
    ({"batch_size": True}, ValueError, "^batch_size must be a positive integer, got True"),
    ({"eval_batch_size": 2.0}, ValueError, "^eval_batch_size must be a positive integer, got 2.0"),
    ({"sync_every": 0}, ValueError, "^sync_every must be a positive integer, got 0"),
    ({"gradient": "exact"}, ValueError,
     r"^gradient must be one of \('backprop', 'numerical'\), got 'exact'"),
    ({"validation_split": -0.1}, ValueError, r"^validation_split must be in \[0, 1\), got -0.1"),
    ({"validation_split": "0.2"}, ValueError, r"^validation_split must be in \[0, 1\)"),
    ({"patience": 2}, ValueError, r"^patience \(early stopping\) needs a validation_split > 0"),
    ({"patience": 0, "validation_split": 0.2}, ValueError,
     "^patience must be a positive integer, got 0"),
    ({"train_eval_size": 0}, ValueError,
     r"^train_eval_size must be None \(all\) or a positive integer, got 0"),
    ({"lr_schedule": 0.5}, TypeError,
     r"^lr_schedule must be None or a callable \(lr0, epoch\) -> lr, got float"),
    ({"augment": "shift"}, TypeError, "^augment must be None or a callable x_batch -> x_batch, "
                                      "got str"),
    ({"on_epoch": 1}, TypeError, "^on_epoch must be None or a callable history -> None, got int"),
    ({"optimizer": 3}, TypeError, r"^optimizer must be a name \('sgd', 'adam', \.\.\.\) or an "
                                  r"object with update\(params, grads\), got int"),
    ({"validation_split": 0.001}, ValueError,
     r"^validation_split=0.001 leaves no samples to train or to validate on out of 30"),
])
def test_trainer_settings_are_checked_by_name(kwargs, error, message):
    x, t = blobs(30, seed=3)
    with pytest.raises(error, match=message):
        make_trainer(x, t, x, t, **kwargs)


@pytest.mark.parametrize("change, message", [
    (lambda x, t: (x[0], t), r"^x_train must be an array \(N, D\) with N > 0, got \(4,\)"),
    (lambda x, t: (x[:0], t[:0]), r"^x_train must be an array \(N, D\) with N > 0, got \(0, 4\)"),
    (lambda x, t: (x, t[:5]), r"^t_train must have 30 labels to match x_train, got shape \(5,\)"),
    (lambda x, t: (x, t[:, None, None]), r"^t_train must have 30 labels to match x_train, got "
                                         r"shape \(30, 1, 1\)"),
    (lambda x, t: (x, list(t)), r"^t_train must have 30 labels to match x_train, got shape list"),
])
def test_training_data_is_checked_by_name(change, message):
    x, t = blobs(30, seed=3)
    x_train, t_train = change(x, t)
    with pytest.raises(ValueError, match=message):
        make_trainer(x_train, t_train, x, t)


def test_trainer_defaults():
    x, t = blobs(30, seed=3)
    net = TwoLayerNet(4, 6, 3, dtype=np.float64, seed=3)
    trainer = Trainer(net, x, t, x, t)
    assert (trainer.epochs, trainer.batch_size, trainer.eval_batch_size, trainer.sync_every) == \
        (10, 100, 2000, 20)
    assert trainer.gradient == "backprop" and trainer.verbose is True
    assert trainer.optimizer.lr == 0.01 and type(trainer.optimizer).__name__ == "SGD"
    assert trainer.val_indices is None and trainer.train_eval_indices is None
    assert sorted(trainer.history) == ["epoch_time", "loss", "lr", "test_acc", "test_loss",
                                       "train_acc", "train_loss"]
    assert trainer.x_train.dtype == np.float64 and trainer.t_train.dtype == np.int64
