import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet, rel_error

NETWORK_BOUND = 1e-6


def batch_away_from_kinks(net, rng, n=7, margin=1e-2, scale=1.0):
    """Draw x until every hidden pre-activation is at least ``margin`` from 0.

    A pre-activation within h * |x| of a ReLU's kink makes the central difference
    straddle it, and that entry's numerical gradient is then simply wrong.
    """
    for _ in range(1000):
        x = scale * rng.standard_normal((n, net.input_size))
        hidden = x @ net.params["W1"] + net.params["b1"]
        if np.abs(hidden).min() > margin:
            return x
    raise AssertionError("could not draw a batch away from the kinks")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("one_hot_labels", [False, True])
def test_backprop_matches_numerical_gradient(activation, one_hot_labels):
    rng = np.random.default_rng(7)
    net = TwoLayerNet(5, 6, 3, weight_init_std="he", activation=activation,
                      dtype=np.float64, seed=11)
    x = batch_away_from_kinks(net, rng)
    t = rng.integers(0, 3, 7)
    labels = np.eye(3)[t] if one_hot_labels else t
    backprop = net.gradient(x, labels)
    numerical = net.numerical_gradient(x, labels)
    assert set(backprop) == set(numerical) == {"W1", "b1", "W2", "b2"}
    for key in net.params:
        assert backprop[key].shape == net.params[key].shape
        assert rel_error(backprop[key], numerical[key]) < NETWORK_BOUND, key


def test_index_and_one_hot_labels_give_the_same_loss_and_gradient(rng):
    net = TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0)
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 3, 6)
    assert float(net.loss(x, t)) == pytest.approx(float(net.loss(x, np.eye(3)[t])), rel=1e-14)
    by_index = {k: v.copy() for k, v in net.gradient(x, t).items()}
    by_one_hot = net.gradient(x, np.eye(3)[t])
    for key in by_index:
        np.testing.assert_allclose(by_index[key], by_one_hot[key], rtol=1e-12, atol=1e-15)


def test_accuracy_counts_every_sample():
    net = TwoLayerNet(2, 3, 2, dtype=np.float64, seed=0)
    net.params["W2"][...] = 0
    net.params["b2"][...] = [1.0, 0.0]  # always predicts class 0
    x = np.zeros((7, 2))
    t = np.array([0, 0, 0, 1, 1, 1, 1])
    assert net.accuracy(x, t) == pytest.approx(3 / 7)
    assert net.accuracy(x, np.eye(2)[t]) == pytest.approx(3 / 7)
    assert type(net.accuracy(x, t)) is float


def test_params_and_layers_share_arrays(rng):
    net = TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0)
    x = rng.standard_normal((3, 4))
    before = net.predict(x).copy()
    net.params["b2"] += 1.0  # in place, as an optimizer does
    np.testing.assert_allclose(net.predict(x), before + 1.0)


def test_seed_gives_the_same_network_and_dtype_is_respected():
    a = TwoLayerNet(784, 50, 10, seed=42)
    b = TwoLayerNet(784, 50, 10, seed=42)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        assert a.params[key].dtype == np.float32
    assert TwoLayerNet(3, 2, 2, dtype=np.float64).params["W1"].dtype == np.float64


@pytest.mark.parametrize("init, expected_std", [(0.01, 0.01), ("he", np.sqrt(2 / 784)),
                                                ("xavier", np.sqrt(1 / 784))])
def test_weight_init_std(init, expected_std):
    net = TwoLayerNet(784, 200, 10, weight_init_std=init, dtype=np.float64, seed=0)
    assert net.params["W1"].std() == pytest.approx(expected_std, rel=0.02)
    assert not net.params["b1"].any()


@pytest.mark.parametrize("kwargs, message", [
    ({"input_size": 0}, "input_size must be a positive integer"),
    ({"hidden_size": 2.5}, "hidden_size must be a positive integer"),
    ({"activation": "softsign"}, "activation must be one of"),
    ({"weight_init_std": "lecun"}, "weight_init_std must be"),
    ({"weight_init_std": -1.0}, "weight_init_std must be"),
    ({"dtype": np.int32}, "dtype must be float32 or float64"),
])
def test_constructor_rejects_bad_arguments(kwargs, message):
    args = {"input_size": 4, "hidden_size": 3, "output_size": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        TwoLayerNet(**args)


def test_bad_batch_shapes_are_clear_errors():
    net = TwoLayerNet(784, 10, 10)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\), got \(32, 28\)"):
        net.loss(np.zeros((32, 28), np.float32), np.zeros(32, int))
    with pytest.raises(ValueError, match=r"t must have shape \(32,\)"):
        net.loss(np.zeros((32, 784), np.float32), np.zeros(31, int))


def test_images_are_accepted_unflattened(rng):
    net = TwoLayerNet(784, 10, 10, seed=0)
    x = rng.random((5, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(net.predict(x), net.predict(x.reshape(5, 784)))


@pytest.mark.parametrize("method", ["loop", "fast"])
def test_numerical_gradient_of_a_float32_network_is_taken_in_float64(rng, method):
    """The textbook's default network (float32) gets the float64 differences of the same
    weights, returned as float32, and is left exactly as it was."""
    net = TwoLayerNet(4, 3, 2, weight_init_std="he", seed=0)
    twin = TwoLayerNet(4, 3, 2, weight_init_std="he", dtype=np.float64, seed=0)
    x, t = rng.standard_normal((5, 4)), np.array([0, 1, 1, 0, 1])
    before = {key: value.copy() for key, value in net.params.items()}
    grads = net.numerical_gradient(x.astype(np.float32), t, method=method)
    expected = twin.numerical_gradient(x.astype(np.float32).astype(np.float64), t)
    for key in net.params:
        assert grads[key].dtype == np.float32 and grads[key].shape == net.params[key].shape
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(net.params[key], before[key])


def test_gradient_returns_arrays_the_caller_owns(rng):
    net = TwoLayerNet(4, 3, 2, dtype=np.float64, seed=0)
    first = net.gradient(rng.standard_normal((5, 4)), np.array([0, 1, 1, 0, 1]))
    kept = {key: value.copy() for key, value in first.items()}
    net.gradient(rng.standard_normal((5, 4)), np.array([1, 1, 0, 0, 0]))
    for key in kept:
        np.testing.assert_array_equal(first[key], kept[key])


def test_fast_numerical_gradient_uses_the_given_step(rng):
    """With h = 1 the central differences of a curved loss differ visibly from h = 1e-4."""
    net = TwoLayerNet(4, 3, 2, activation="tanh", weight_init_std=1.0, dtype=np.float64,
                      seed=0)
    x, t = rng.standard_normal((5, 4)), np.array([0, 1, 1, 0, 1])
    for h in (1.0, 0.3):
        fast = net.numerical_gradient(x, t, method="fast", h=h)
        loop = net.numerical_gradient(x, t, method="loop", h=h)
        for key in loop:
            np.testing.assert_allclose(fast[key], loop[key], rtol=1e-9, atol=1e-12)
    assert rel_error(net.numerical_gradient(x, t, method="fast", h=1.0)["W1"],
                     net.numerical_gradient(x, t, method="fast")["W1"]) > 1e-3


@pytest.mark.parametrize("t, message", [
    (np.array([0, 1, -1]), r"t\[2\] = -1 is not a class index"),
    (np.array([0, 2, 1]), r"t\[1\] = 2 is not a class index: labels must be whole numbers "
                          r"0 <= t < 2"),
    (np.array([0.0, 1.0, 0.5]), r"t\[2\] = 0.5 is not a class index"),
    (np.array([0.0, np.nan, 1.0]), r"t\[1\] = nan is not a class index"),
    (np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]), r"t\[1\] = \[0.0, 0.0\] is not a one-hot"),
    (np.array([True, False, True]), "dtype bool"),
])
def test_labels_that_are_not_classes_are_refused_everywhere(rng, t, message):
    net = TwoLayerNet(4, 3, 2, dtype=np.float64, seed=0)
    x = rng.standard_normal((3, 4))
    for call in (net.loss, net.accuracy, net.gradient, net.numerical_gradient):
        with pytest.raises((ValueError, TypeError), match=message):
            call(x, t)


def test_accuracy_is_evaluated_in_test_mode(rng):
    """With dropout 0.5, training-mode predictions vary from call to call; accuracy doesn't."""
    net = MultiLayerNet(4, [50], 3, use_dropout=True, dropout_ratio=0.5,
                        use_batchnorm=True, dtype=np.float64, seed=0)
    x, t = rng.standard_normal((200, 4)), rng.integers(0, 3, 200)
    net.loss_and_gradient(x, t)  # moves batch norm's running averages away from (0, 1)
    expected = float(np.mean(net.predict(x, train=False).argmax(axis=1) == t))
    assert [net.accuracy(x, t) for _ in range(3)] == [expected] * 3
