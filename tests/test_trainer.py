import json
import os
import signal

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet
from nnnumpy.optimizers import SGD, StepDecay
from nnnumpy.trainer import Trainer, TrainingDiverged


def blobs(n, rng, dims=6, classes=3):
    """Gaussian clusters, one per class: an easy, fast problem."""
    centers = rng.standard_normal((classes, dims)) * 3
    t = rng.integers(0, classes, n)
    return centers[t] + rng.standard_normal((n, dims)), t


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x, t = blobs(230, rng)
    return x[:180], t[:180], x[180:], t[180:]


def make_trainer(data, **kwargs):
    x, t, x_test, t_test = data
    net = TwoLayerNet(6, 8, 3, weight_init_std="he", dtype=np.float64, seed=1)
    settings = {"optimizer": "sgd", "optimizer_params": {"lr": 0.1}, "epochs": 3,
                "batch_size": 32, "seed": 0, "verbose": False}
    settings.update(kwargs)
    return Trainer(net, x, t, x_test, t_test, **settings)


class CountingNet(TwoLayerNet):
    """Records every training sample it is shown (x[:, 0] holds the sample's id)."""

    def __init__(self):
        super().__init__(2, 3, 2, dtype=np.float64, seed=0)
        self.seen = []

    def loss_and_gradient(self, x, t):
        self.seen.append(x[:, 0].astype(int).copy())
        return super().loss_and_gradient(x, t)


def test_every_sample_once_per_epoch_last_batch_smaller():
    n = 103
    x = np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.float64)
    t = np.arange(n) % 2
    net = CountingNet()
    Trainer(net, x, t, x[:5], t[:5], epochs=2, batch_size=10, seed=0, verbose=False).fit()
    assert [len(batch) for batch in net.seen] == ([10] * 10 + [3]) * 2
    first = np.concatenate(net.seen[:11])
    second = np.concatenate(net.seen[11:])
    assert sorted(first) == list(range(n)) and sorted(second) == list(range(n))
    assert not np.array_equal(first, second), "each epoch needs a fresh permutation"


def test_history_is_complete_json_ready_and_learns(data):
    history = make_trainer(data).fit()
    assert len(history["loss"]) == 3 * 6  # ceil(180 / 32) = 6 batches per epoch
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "epoch_time", "lr"):
        assert len(history[key]) == 3
    assert all(type(v) is float for v in history["loss"] + history["test_acc"])
    json.dumps(history)
    assert history["test_acc"][-1] > 0.9
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_same_seed_gives_identical_history(data):
    first = make_trainer(data).fit()
    second = make_trainer(data).fit()
    for key in first:
        if key != "epoch_time":
            assert first[key] == second[key], key


def test_evaluation_counts_every_sample(data):
    trainer = make_trainer(data)
    x_test, t_test = data[2], data[3]
    loss, accuracy = trainer.evaluate(trainer.x_test, trainer.t_test)
    predicted = trainer.network.predict(x_test).argmax(axis=1)
    assert accuracy == pytest.approx(np.mean(predicted == t_test))
    trainer.eval_batch_size = 7  # 50 samples: the last evaluation batch has 1
    assert trainer.evaluate(trainer.x_test, trainer.t_test) == pytest.approx((loss, accuracy))


def test_nan_stops_training_with_the_iteration_and_advice(data):
    trainer = make_trainer(data, optimizer_params={"lr": 1e6}, epochs=5, sync_every=1)
    trainer.x_train[0, 0] = 1e300
    with pytest.raises(TrainingDiverged, match=r"at iteration \d+ .*smaller") as info:
        trainer.fit()
    assert "learning rate" in str(info.value)


def test_lr_schedule_sets_the_optimizer_rate(data):
    history = make_trainer(data, optimizer=SGD(lr=0.2), lr_schedule=StepDecay(1, 0.5)).fit()
    assert history["lr"] == pytest.approx([0.2, 0.1, 0.05])


def test_early_stopping_restores_the_best_parameters():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 6))
    t = rng.integers(0, 3, 200)
    x = centers[t] + 1.5 * rng.standard_normal((200, 6))  # overlapping classes: overfits
    net = TwoLayerNet(6, 64, 3, weight_init_std="he", dtype=np.float64, seed=1)
    trainer = Trainer(net, x[:150], t[:150], x[150:], t[150:], optimizer="adam",
                      optimizer_params={"lr": 0.01}, epochs=60, batch_size=16, seed=0,
                      validation_split=0.3, patience=3, verbose=False)
    history = trainer.fit()
    assert len(history["val_loss"]) < 60
    best = trainer.best_epoch
    assert len(history["val_loss"]) == best + 3
    assert history["val_loss"][best - 1] == min(history["val_loss"])
    restored_loss, _ = trainer.evaluate(trainer.x_train, trainer.t_train, trainer.val_indices)
    assert restored_loss == pytest.approx(history["val_loss"][best - 1])


def interrupt_at_step(trainer, step, times=1):
    """Make the trainer send itself real SIGINTs (Ctrl-C) at the start of a step."""
    original_step = trainer.step
    calls = []

    def step_then_interrupt(x, t):
        calls.append(1)
        if len(calls) == step:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGINT)
        return original_step(x, t)

    trainer.step = step_then_interrupt
    return calls


def test_ctrl_c_stops_after_the_current_batch(data):
    trainer = make_trainer(data, epochs=5)
    interrupt_at_step(trainer, 4)
    history = trainer.fit()
    assert trainer.interrupted
    assert len(history["loss"]) == 4 and len(history["test_acc"]) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "handler restored"


def test_a_second_ctrl_c_stops_at_once(data):
    trainer = make_trainer(data, epochs=5)
    interrupt_at_step(trainer, 2, times=2)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_cuts_a_numerical_gradient_short_and_changes_nothing(data, monkeypatch):
    # A real SIGINT sent from inside the numerical gradient, at its 20th loss evaluation
    # (of 2 * 2003 for this network): no timer, so no race with a fast machine.
    x, t, x_test, t_test = data
    net = TwoLayerNet(6, 200, 3, dtype=np.float64, seed=1)
    before = {key: value.copy() for key, value in net.params.items()}
    original_forward_loss = TwoLayerNet.forward_loss
    calls = []

    def forward_loss_then_interrupt(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            os.kill(os.getpid(), signal.SIGINT)
        return original_forward_loss(self, *args, **kwargs)

    monkeypatch.setattr(TwoLayerNet, "forward_loss", forward_loss_then_interrupt)
    trainer = Trainer(net, x, t, x_test, t_test, epochs=1, batch_size=180,
                      gradient="numerical", verbose=False)
    history = trainer.fit()
    assert len(calls) < 25, "the numerical gradient went on after Ctrl-C"
    assert trainer.interrupted and history["loss"] == []
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_numerical_gradient_training_moves_like_backprop(data):
    x, t, x_test, t_test = data
    histories = []
    for method in ("backprop", "numerical"):
        net = TwoLayerNet(6, 4, 3, weight_init_std="he", dtype=np.float64, seed=1)
        trainer = Trainer(net, x[:40], t[:40], x_test, t_test, optimizer_params={"lr": 0.1},
                          epochs=1, batch_size=20, seed=0, gradient=method, verbose=False)
        histories.append(trainer.fit())
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"batch_size": -1}, "batch_size must be a positive integer"),
    ({"gradient": "symbolic"}, "gradient must be one of"),
    ({"validation_split": 1.0}, r"validation_split must be in \[0, 1\)"),
    ({"patience": 3}, "patience .* needs a validation_split"),
])
def test_bad_settings_are_value_errors(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(data, **kwargs)


def test_mismatched_data_is_a_clear_error(data):
    x, t, x_test, t_test = data
    net = TwoLayerNet(6, 8, 3, dtype=np.float64)
    with pytest.raises(ValueError, match=r"x_train/t_train: x must have shape \(N, 6\)"):
        Trainer(net, x[:, :5], t, x_test, t_test)
    with pytest.raises(ValueError, match="t_test must have 50 labels"):
        Trainer(net, x, t, x_test, t_test[:10])


def test_numerical_training_of_a_float32_network(data):
    """Central differences are taken in float64 and applied to the float32 weights."""
    x, t, x_test, t_test = data
    histories = []
    for dtype in (np.float32, np.float64):
        net = TwoLayerNet(6, 4, 3, weight_init_std="he", dtype=dtype, seed=1)
        trainer = Trainer(net, x[:40], t[:40], x_test, t_test, optimizer_params={"lr": 0.1},
                          epochs=1, batch_size=20, seed=0, gradient="numerical",
                          verbose=False)
        histories.append(trainer.fit())
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)


@pytest.mark.parametrize("labels, message", [
    (lambda t: np.where(np.arange(t.size) == 7, -1, t), r"t_train\[7\] = -1 is not a class"),
    (lambda t: np.where(np.arange(t.size) == 3, 3, t), r"t_train\[3\] = 3 is not a class "
                                                       r"index: labels must be whole numbers "
                                                       r"0 <= t < 3"),
    (lambda t: t + 0.7, r"t_train\[0\] = \d.7 is not a class index"),
])
def test_labels_outside_the_classes_are_refused_before_training(data, labels, message):
    x, t, x_test, t_test = data
    with pytest.raises(ValueError, match=message):
        Trainer(TwoLayerNet(6, 8, 3), x, labels(t), x_test, t_test)
    with pytest.raises(ValueError, match=message.replace("t_train", "t_test")):
        Trainer(TwoLayerNet(6, 8, 3), x, t, x_test, labels(np.resize(t, t_test.size)))


def test_nan_in_the_data_is_named_before_training(data):
    x, t, x_test, t_test = data
    x = x.copy()
    x[17, 4] = np.nan
    with pytest.raises(ValueError, match=r"x_train holds nan at index \(17, 4\)"):
        Trainer(TwoLayerNet(6, 8, 3), x, t, x_test, t_test)


def test_a_run_at_chance_level_says_so_and_why(data, capsys):
    trainer = make_trainer(data, optimizer_params={"lr": 1000.0}, epochs=3, verbose=True)
    with np.errstate(all="ignore"):
        try:
            trainer.fit()
        except TrainingDiverged:
            pytest.skip("diverged to NaN instead, which has its own message")
    assert trainer.not_learning is not None
    assert "chance level (1/3)" in trainer.not_learning
    assert "learning rate (1000 at the start) is far too large" in trainer.not_learning
    assert capsys.readouterr().out.count("warning: test accuracy") == 1


def test_a_run_that_learns_gives_no_warning(data):
    trainer = make_trainer(data)
    trainer.fit()
    assert trainer.not_learning is None


def test_early_stopping_restores_batch_norm_running_averages_too():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 6))
    t = rng.integers(0, 3, 200)
    x = centers[t] + 1.5 * rng.standard_normal((200, 6))
    net = MultiLayerNet(6, [64], 3, use_batchnorm=True, dtype=np.float64, seed=1)
    trainer = Trainer(net, x[:150], t[:150], x[150:], t[150:], optimizer="adam",
                      optimizer_params={"lr": 0.01}, epochs=60, batch_size=16, seed=0,
                      validation_split=0.3, patience=3, verbose=False)
    history = trainer.fit()
    assert len(history["val_loss"]) < 60
    restored_loss, _ = trainer.evaluate(trainer.x_train, trainer.t_train, trainer.val_indices)
    assert restored_loss == pytest.approx(history["val_loss"][trainer.best_epoch - 1],
                                          rel=1e-12)


def test_validation_samples_are_never_trained_on():
    n = 100
    x = np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.float64)
    t = np.arange(n) % 2
    net = CountingNet()
    trainer = Trainer(net, x, t, x[:5], t[:5], epochs=2, batch_size=10, seed=0,
                      validation_split=0.2, verbose=False)
    trainer.fit()
    trained = set(np.concatenate(net.seen).tolist())
    validated = set(np.asarray(trainer.val_indices).tolist())
    assert len(validated) == 20 and len(trained) == 80
    assert trained.isdisjoint(validated) and trained | validated == set(range(n))


class EvaluationRecordingNet(CountingNet):
    """Also records the largest sample id of every evaluation (predict with train=False)."""

    def __init__(self):
        super().__init__()
        self.evaluated = []

    def predict(self, x, train=False):
        if not train:
            self.evaluated.append(int(x[:, 0].max()))
        return super().predict(x, train)


def test_augment_changes_every_training_batch_and_nothing_else():
    n = 30
    x = np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.float64)
    t = np.arange(n) % 2
    net = EvaluationRecordingNet()

    def add_thousand(batch):
        return batch + 1000

    trainer = Trainer(net, x, t, x[:5], t[:5], epochs=1, batch_size=10, seed=0,
                      augment=add_thousand, verbose=False)
    trainer.fit()
    assert sorted(np.concatenate(net.seen)) == list(range(1000, 1000 + n))
    # The stored training data and what evaluation sees are left as they were.
    np.testing.assert_array_equal(trainer.x_train[:, 0], np.arange(n))
    assert net.evaluated == [n - 1, 4]   # the training set, then the test set


def test_augment_must_be_callable(data):
    with pytest.raises(TypeError, match="augment must be None or a callable"):
        make_trainer(data, augment=2)
