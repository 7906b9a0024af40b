"""Trainer's constructor checks every count and kind of argument it is given."""

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.trainer import Trainer


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    return x[:20], t[:20], x[20:], t[20:]


def make_trainer(data, **kwargs):
    return Trainer(TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0), *data, epochs=1,
                   batch_size=8, seed=0, verbose=False, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"train_eval_size": 0}, r"train_eval_size must be None \(all\) or a positive integer, "
                             r"got 0"),
    ({"train_eval_size": -5}, r"train_eval_size must be None .* got -5"),
    ({"train_eval_size": 2.5}, r"train_eval_size must be None .* got 2.5"),
    ({"train_eval_size": True}, r"train_eval_size must be None .* got True"),
    ({"patience": 2.5, "validation_split": 0.2}, "patience must be a positive integer, got 2.5"),
    ({"validation_split": "0.1"}, r"validation_split must be in \[0, 1\), got '0.1'"),
    ({"validation_split": np.nan}, r"validation_split must be in \[0, 1\), got nan"),
])
def test_bad_counts_are_value_errors_in_the_constructor(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(data, **kwargs)


def test_lr_schedule_must_be_callable(data):
    with pytest.raises(TypeError, match=r"lr_schedule must be None or a callable "
                                        r"\(lr0, epoch\) -> lr, got float"):
        make_trainer(data, lr_schedule=0.5)


def test_optimizer_must_be_a_name_or_have_an_update_method(data):
    with pytest.raises(TypeError, match=r"optimizer must be a name \('sgd', 'adam', ...\) or an "
                                        r"object with update\(params, grads\), got float"):
        make_trainer(data, optimizer=0.1)


@pytest.mark.parametrize("size, evaluated", [(np.int64(7), 7), (7, 7), (10 ** 9, 20),
                                             (None, 20)])
def test_valid_train_eval_sizes_train(data, size, evaluated):
    trainer = make_trainer(data, train_eval_size=size)
    indices = trainer.train_eval_indices
    assert (20 if indices is None else indices.size) == evaluated
    assert len(trainer.fit()["train_acc"]) == 1


@pytest.mark.parametrize("dtype", [np.complex128, object])
def test_data_that_is_not_real_is_a_type_error_naming_it(data, dtype):
    x, t, x_test, t_test = data
    with pytest.raises(TypeError, match=f"x_train must hold real numbers .*{np.dtype(dtype)}"):
        Trainer(TwoLayerNet(4, 5, 3), x.astype(dtype), t, x_test, t_test, verbose=False)
    with pytest.raises(TypeError, match=f"x_test must hold real numbers .*{np.dtype(dtype)}"):
        Trainer(TwoLayerNet(4, 5, 3), x, t, x_test.astype(dtype), t_test, verbose=False)
