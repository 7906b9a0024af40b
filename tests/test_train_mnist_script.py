import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.cli import UsageError, load_data, run
from nnnumpy.datasets.idx import write_idx
from nnnumpy.io import load_params

from . import conftest
from .conftest import REPO, assert_png, load_script, mnist_dir, requires_mnist

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
    (["--shift", "-1"], "--shift must be 0 to 13"),
    (["--shift", "100"], "--shift must be 0 to 13 (less than half of the 28-pixel image), "
                         "got 100"),
    (["--seed", "-1"], "must be an integer >= 0, got -1"),
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
    # The hidden size's default depends on --model, so its help states both values.
    assert "default: 300 for mlp, 100 for" in " ".join(text.split())
    assert "default: momentum" in text
    assert "(default: None)" not in text and "(default: False)" not in text


def run_script(argv, capsys):
    """Run train_mnist as its command line does; returns (exit status, stdout, stderr)."""
    code = run(train_mnist.main, argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, message", [
    (["--data-dir", "{tmp}/nowhere/deeper"], "data_dir={tmp}/nowhere/deeper: the folder "
                                             "{tmp}/nowhere does not exist"),
    (["--data-dir", "{tmp}/file.txt"], "data_dir={tmp}/file.txt is a file"),
    (["--backend", "cupy"], "the CuPy backend was requested"),
    (["--plot", "{tmp}/curves.txt"], "--plot {tmp}/curves.txt: the name must end in one of"),
    (["--plot", "{tmp}/folder.png"], "--plot {tmp}/folder.png: is a folder"),
    (["--save", "{tmp}/file.txt/net.npz"], "--save {tmp}/file.txt/net.npz: cannot create the "
                                           "folder"),
])
def test_a_users_mistake_is_one_error_line_before_any_work(argv, message, tmp_path, capsys,
                                                           monkeypatch):
    if "cupy" in argv and "cupy" in conftest.AVAILABLE_BACKENDS:
        pytest.skip("CuPy works here")
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "folder.png").mkdir()
    monkeypatch.setattr(train_mnist, "Trainer", None)  # any training would be a TypeError
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    code, out, err = run_script(argv, capsys)
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message.format(tmp=tmp_path) in err
    assert "Traceback" not in err and "data:" not in out


def test_missing_data_offline_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="files not found .* Looked in"):
        load_data(tmp_path, download=False)


def test_a_corrupt_data_file_is_one_error_line(tmp_path, capsys):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        write_idx(tmp_path / (name + ".gz"), np.zeros(3, np.uint8))
    code, _, err = run_script(["--data-dir", str(tmp_path)], capsys)
    assert code == 1 and err.startswith("error: ") and "checksum mismatch" in err
    assert "Traceback" not in err


@pytest.mark.mnist
@requires_mnist
def test_save_into_a_new_folder_and_save_before_plot(tmp_path, capsys, monkeypatch):
    """--save creates its folder; a plot that fails still leaves the weights saved."""
    saved = tmp_path / "runs" / "today" / "net.npz"

    def broken_plot(*args, **kwargs):
        raise RuntimeError("the plot broke")

    monkeypatch.setattr("nnnumpy.plotting.plot_learning_curves", broken_plot)
    with pytest.raises(RuntimeError, match="the plot broke"):
        train_mnist.main(["--data-dir", str(mnist_dir()), "--epochs", "1", "--hidden-size",
                          "20", "--train-size", "2000", "--quiet", "--save", str(saved),
                          "--plot", str(tmp_path / "curves.png")])
    load_params(saved, TwoLayerNet(784, 20, 10))


@pytest.mark.mnist
@requires_mnist
@pytest.mark.parametrize("lr", ["10", "1000"])
def test_a_run_that_learns_nothing_exits_non_zero_and_says_why(lr, capsys):
    code, out, err = run_script(["--data-dir", str(mnist_dir()), "--epochs", "2",
                                 "--hidden-size", "20", "--train-size", "2000", "--quiet",
                                 "--optimizer", "sgd", "--lr", lr], capsys)
    if "training diverged" in err:
        assert code == 1 and "learning rate" in err
        return
    assert code == 1
    assert "error: the network learned nothing" in err and "chance level" in err
    assert f"learning rate ({lr} at the start) is far too large" in err


@pytest.mark.mnist
@requires_mnist
def test_the_documented_numerical_example_learns(capsys):
    """README's --gradient numerical command, on fewer images and epochs to stay quick."""
    code, out, _ = run_script(["--data-dir", str(mnist_dir()), "--gradient", "numerical",
                               "--hidden-size", "10", "--train-size", "300", "--epochs", "2",
                               "--lr", "0.2", "--quiet"], capsys)
    assert code == 0
    assert "numerical gradients: 15,920 loss evaluations per batch" in out
    assert float(out.split("done: test accuracy ")[1].split()[0]) > 0.3   # chance: 0.1


SCRIPT = str(REPO / "scripts" / "train_mnist.py")


def start_script(argv):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NNNUMPY_DATA": str(mnist_dir())}
    return subprocess.Popen([sys.executable, SCRIPT, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for_line(process, start):
    """Read stdout until a line starting with ``start``; returns it."""
    for line in process.stdout:
        if line.startswith(start):
            return line
    raise AssertionError(f"no line starting with {start!r}; stderr: {process.stderr.read()}")


@pytest.mark.mnist
@requires_mnist
@pytest.mark.slow
def test_numerical_without_train_size_warns_and_stops_at_the_first_ctrl_c():
    process = start_script(["--gradient", "numerical", "--epochs", "1"])
    try:
        line = wait_for_line(process, "warning: numerical gradients:")
        assert "days" in line and "--train-size" in line
        time.sleep(1.0)  # inside the first batch's numerical gradient by now
        sent = time.perf_counter()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert time.perf_counter() - sent < 5
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "(interrupted)" in out and "Traceback" not in err


@pytest.mark.mnist
@requires_mnist
def test_ctrl_c_during_the_save_waits_for_it(tmp_path, monkeypatch):
    """A Ctrl-C that arrives while the weights are being written stops the script only
    once the file is complete."""
    saved = tmp_path / "net.npz"
    real_save = train_mnist.save_params

    def save_with_ctrl_c(path, network):
        os.kill(os.getpid(), signal.SIGINT)   # delivered before the next line runs
        real_save(path, network)

    monkeypatch.setattr(train_mnist, "save_params", save_with_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        train_mnist.main(["--data-dir", str(mnist_dir()), "--epochs", "1", "--hidden-size",
                          "20", "--train-size", "1000", "--quiet", "--save", str(saved)])
    load_params(saved, TwoLayerNet(784, 20, 10))


def test_ctrl_c_is_a_short_note_and_status_130(capsys):
    def interrupted(argv):
        raise KeyboardInterrupt

    assert run(interrupted) == 130
    assert capsys.readouterr().err == "interrupted\n"


@pytest.mark.mnist
@requires_mnist
def test_convnet_trains_and_draws_its_filters(tmp_path, capsys):
    filters = tmp_path / "filters.png"
    code = train_mnist.main(["--data-dir", str(mnist_dir()), "--model", "convnet", "--epochs",
                             "1", "--train-size", "2000", "--optimizer", "adam", "--lr", "0.002",
                             "--quiet", "--plot-filters", str(filters)])
    assert code == 0
    out = capsys.readouterr().out
    assert "SimpleConvNet(1x28x28: conv 30x5x5" in out
    assert float(out.split("done: test accuracy ")[1].split()[0]) > 0.8
    assert_png(filters)


def test_plot_filters_needs_the_convnet(capsys):
    with pytest.raises(SystemExit):
        train_mnist.main(["--plot-filters", "f.png"])
    assert "--plot-filters needs --model convnet" in capsys.readouterr().err
