import re

import numpy as np
import pytest

from nnnumpy import TwoLayerNet, rel_error

from .conftest import assert_png, load_script
from .test_networks import batch_away_from_kinks

compare_gradients = load_script("compare_gradients")

SAME_NUMBERS = 1e-8
BACKPROP_BOUND = 1e-6


def relative_difference(a, b):
    """max |a - b| / max |b|: the difference relative to the gradient's scale.

    The loop itself is only exact to its rounding: one unit in the last place of the
    loss, divided by 2h, is about 1e-12. An entry of size 1e-5 therefore cannot agree
    to 1e-8 elementwise, even between two implementations of the loop itself.
    """
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("sizes", [(5, 4, 3), (12, 7, 10), (30, 16, 4)])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("one_hot_labels", [False, True])
def test_fast_method_gives_the_loop_numbers(sizes, activation, one_hot_labels):
    input_size, hidden_size, classes = sizes
    net = TwoLayerNet(input_size, hidden_size, classes, weight_init_std="he",
                      activation=activation, dtype=np.float64, seed=sum(sizes))
    rng = np.random.default_rng(len(activation))
    x = batch_away_from_kinks(net, rng, n=9, scale=0.5)
    t = rng.integers(0, classes, 9)
    labels = np.eye(classes)[t] if one_hot_labels else t
    loop = net.numerical_gradient(x, labels)
    fast = net.numerical_gradient(x, labels, method="fast")
    backprop = net.gradient(x, labels)
    for key in net.params:
        assert fast[key].shape == net.params[key].shape
        assert relative_difference(fast[key], loop[key]) <= SAME_NUMBERS, key
        assert rel_error(backprop[key], loop[key]) < BACKPROP_BOUND, key
        assert rel_error(backprop[key], fast[key]) < BACKPROP_BOUND, key


def test_fast_method_skips_nothing_on_sparse_inputs():
    """Inputs with zero pixels (as MNIST has) give exactly zero rows of dW1, as the loop does."""
    net = TwoLayerNet(8, 5, 3, weight_init_std="he", dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    x = rng.random((6, 8)) * (rng.random((6, 8)) > 0.5)
    x[:, 2] = 0.0
    t = rng.integers(0, 3, 6)
    loop = net.numerical_gradient(x, t)
    fast = net.numerical_gradient(x, t, method="fast")
    assert not fast["W1"][2].any() and not loop["W1"][2].any()
    for key in net.params:
        np.testing.assert_allclose(fast[key], loop[key], rtol=1e-8, atol=1e-13)


def test_kink_entries_are_the_ones_that_disagree():
    net = TwoLayerNet(4, 3, 2, weight_init_std="he", dtype=np.float64, seed=0)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    hidden = x @ net.params["W1"] + net.params["b1"]
    net.params["b1"][0] -= hidden[0, 0] - 2e-5  # sample 0 sits 2e-5 from unit 0's kink
    t = rng.integers(0, 2, 5)
    kinks = net.kink_entries(x)
    assert kinks["b1"].tolist() == [True, False, False]
    assert kinks["W1"][:, 0].any() and not kinks["W2"].any()
    backprop, fast = net.gradient(x, t), net.numerical_gradient(x, t, method="fast")
    assert rel_error(backprop["b1"][0], fast["b1"][0]) > 1e-3
    away = ~kinks["W1"]
    assert rel_error(backprop["W1"][away], fast["W1"][away]) < BACKPROP_BOUND


def test_unknown_method_is_a_value_error():
    net = TwoLayerNet(4, 3, 2, dtype=np.float64)
    with pytest.raises(ValueError, match="method must be 'loop' or 'fast'"):
        net.numerical_gradient(np.zeros((2, 4)), np.array([0, 1]), method="symbolic")


def test_compare_gradients_script_prints_three_rows_and_plots(tmp_path, capsys):
    plot = tmp_path / "gradients.png"
    code = compare_gradients.main(["--data", "random", "--input-size", "20",
                                   "--hidden-size", "6", "--batch-size", "8", "--init", "he",
                                   "--full", "--repeats", "2", "--plot", str(plot)])
    assert code == 0
    out = capsys.readouterr().out
    for row in ("textbook loop", "fast finite differences", "backprop"):
        assert row in out
    for key in ("W1", "b1", "W2", "b2"):
        assert f"\n{key} " in out
    assert "fast FD vs loop (all entries)" in out
    assert_png(plot)


def test_compare_gradients_says_when_it_extrapolates(capsys):
    compare_gradients.main(["--data", "random", "--input-size", "30", "--hidden-size", "5",
                            "--batch-size", "4", "--loop-sample", "20", "--repeats", "1"])
    out = capsys.readouterr().out
    assert re.search(r"timed on 2\d of 215 parameter entries and extrapolated", out)


def test_human_time():
    from nnnumpy.programs.compare_gradients import human_time  # the script's program

    assert human_time(0.0123) == "12.30 ms"
    assert human_time(42) == "42.0 s"
    assert human_time(2 * 86400) == "2.0 days"
