import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.io import load_params

from .conftest import assert_png, load_script, mnist_dir, requires_mnist

train_mnist = load_script("train_mnist")


@pytest.mark.mnist
@requires_mnist
def test_one_small_epoch_on_real_mnist_learns_and_writes_png(tmp_path, capsys):
    plot, saved = tmp_path / "curves.png", tmp_path / "net.npz"
    code = train_mnist.main(["--data-dir", str(mnist_dir()), "--epochs", "1",
                             "--hidden-size", "50", "--train-size", "10000", "--quiet",
                             "--plot", str(plot), "--save", str(saved)])
    assert code == 0
    out = capsys.readouterr().out
    assert "data: MNIST from" in out and "TwoLayerNet(784-50-10" in out
    accuracy = float(out.split("done: test accuracy ")[1].split()[0])
    assert accuracy >= 0.90
    assert_png(plot)
    net = TwoLayerNet(784, 50, 10)
    load_params(saved, net)
    assert np.isfinite(net.params["W1"]).all()


@pytest.mark.mnist
@requires_mnist
def test_deeper_net_with_shifted_images_learns(capsys):
    code = train_mnist.main(["--data-dir", str(mnist_dir()), "--epochs", "1",
                             "--hidden-sizes", "50", "50", "--optimizer", "adam",
                             "--shift", "1", "--train-size", "10000", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "MultiLayerNet(784-50-50-10" in out and "random shifts up to 1 px" in out
    assert float(out.split("done: test accuracy ")[1].split()[0]) >= 0.85


@pytest.mark.parametrize("argv, message", [
    (["--hidden-size", "-3"], "must be a positive integer"),
    (["--optimizer", "lbfgs"], "invalid choice"),
    (["--lr", "0"], "must be a positive number"),
    (["--gradient", "numerical", "--dtype", "float32"], "needs --dtype float64"),
    (["--shift", "-1"], "--shift must be >= 0, got -1"),
])
def test_bad_flags_are_argparse_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        train_mnist.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        train_mnist.main(["--help"])
    text = capsys.readouterr().out
    for flag in ("--hidden-size", "--epochs", "--batch-size", "--lr", "--optimizer", "--init",
                 "--gradient", "--train-size", "--dtype", "--seed", "--backend", "--data-dir",
                 "--plot", "--save", "--quiet", "--shift"):
        assert flag in text
    assert "default: [300]" in text and "default: momentum" in text
