import numpy as np
import pytest

from .conftest import assert_png, load_script, mnist_dir, requires_mnist

himmelblau = load_script("himmelblau")


def test_himmelblau_minima_are_minima():
    np.testing.assert_allclose(himmelblau.himmelblau(himmelblau.MINIMA), 0, atol=1e-9)


def test_adam_reaches_3_2_from_the_origin():
    path = himmelblau.descend("adam", 1e-3, (0.0, 0.0), 6000)
    np.testing.assert_allclose(path[-1], [3.0, 2.0], atol=1e-3)
    assert path.shape == (6001, 2)


def test_himmelblau_script_prints_every_run_and_plots(tmp_path, capsys):
    plot = tmp_path / "himmelblau.png"
    assert himmelblau.main(["--steps", "50", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    for name in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
        assert out.count(f"\n{name} ") == len(himmelblau.STARTS)
    assert_png(plot)


@pytest.mark.mnist
@requires_mnist
@pytest.mark.parametrize("name, argv, rows", [
    ("compare_optimizers", ["--train-size", "512", "--epochs", "1"],
     ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]),
    ("compare_init", ["--train-size", "512", "--epochs", "1"], ["std 0.01", "Xavier", "He"]),
    ("overfitting", ["--train-size", "100", "--epochs", "3"],
     ["no regularisation", "weight decay 0.03", "dropout 0.1", "shifted images (2 px)"]),
])
def test_mnist_demos_run_and_plot(name, argv, rows, tmp_path, capsys):
    plot = tmp_path / f"{name}.png"
    script = load_script(name)
    assert script.main(argv + ["--data-dir", str(mnist_dir()), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    for row in rows:
        assert f"\n{row} " in out
    assert_png(plot)


@pytest.mark.mnist
@requires_mnist
def test_compare_init_shows_vanishing_activations(capsys):
    load_script("compare_init").main(["--data-dir", str(mnist_dir()), "--train-size", "256",
                                      "--epochs", "1"])
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    small = [float(v) for v in lines["std"][2:7]]
    he = [float(v) for v in lines["He"][1:6]]
    assert small[-1] < 1e-4 < he[-1]


def test_overfitting_verdict_says_what_each_cure_did():
    overfitting = load_script("overfitting")
    histories = {"no regularisation": {"train_acc": [0.9, 1.0], "test_acc": [0.7, 0.75]},
                 "dropout 0.1": {"train_acc": [0.8, 1.0], "test_acc": [0.7, 0.79]},
                 "weight decay 0.1": {"train_acc": [0.8, 0.91], "test_acc": [0.7, 0.71]},
                 "noise": {"train_acc": [0.8, 1.0], "test_acc": [0.7, 0.70]}}
    lines = overfitting.verdict(histories).splitlines()
    assert lines[0] == "against no regularisation (gap 0.2500, test accuracy 0.7500):"
    assert lines[1] == "  dropout 0.1: gap narrowed by 0.0400, test accuracy +0.0400"
    assert lines[2] == "  weight decay 0.1: gap narrowed by 0.0500, test accuracy -0.0400"
    assert lines[3] == "  noise: gap widened by 0.0500, test accuracy -0.0500"
