"""Output flags never replace what is not a regular file, and never name one file twice."""

import os
import stat

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.cli import run
from nnnumpy.io import load_params, save_params
from nnnumpy.plotting import plot_learning_curves

from .conftest import load_script

train_mnist = load_script("train_mnist")

HISTORY = {"loss": [2.0, 1.0, 0.5], "train_acc": [0.9], "test_acc": [0.88]}

requires_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def run_without_training(argv, capsys, monkeypatch):
    """Run train_mnist as its command line does, with any training or data loading an error."""
    monkeypatch.setattr(train_mnist, "Trainer", None)
    monkeypatch.setattr(train_mnist, "load_data", None)
    code = run(train_mnist.main, argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_still_a_fifo(path):
    assert stat.S_ISFIFO(os.stat(path).st_mode), f"{path} is no longer a named pipe"


@requires_fifo
@pytest.mark.parametrize("flag, name", [("--save", "net.npz"), ("--plot", "curves.png")])
def test_a_named_pipe_as_output_is_refused_before_training(flag, name, tmp_path, capsys,
                                                           monkeypatch):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    code, out, err = run_without_training([flag, str(fifo)], capsys, monkeypatch)
    assert code == 1 and err.count("\n") == 1, err
    assert err == (f"error: {flag} {fifo}: is a named pipe (FIFO), not a regular file; it "
                   "would be replaced, so give the name of a new or a regular file\n")
    assert_still_a_fifo(fifo)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@requires_fifo
def test_a_link_to_a_named_pipe_is_refused_too(tmp_path, capsys, monkeypatch):
    fifo, link = tmp_path / "pipe", tmp_path / "net.npz"
    os.mkfifo(fifo)
    link.symlink_to(fifo)
    code, _, err = run_without_training(["--save", str(link)], capsys, monkeypatch)
    assert code == 1 and "is a named pipe (FIFO)" in err
    assert link.is_symlink()
    assert_still_a_fifo(fifo)


@requires_fifo
def test_save_params_refuses_a_named_pipe_and_leaves_it(tmp_path):
    fifo = tmp_path / "net.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"net\.npz: is a named pipe \(FIFO\), not a regular"):
        save_params(fifo, TwoLayerNet(4, 3, 2))
    assert_still_a_fifo(fifo)
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]   # no temporary file left


@requires_fifo
def test_saving_a_figure_refuses_a_named_pipe_and_leaves_it(tmp_path):
    fifo = tmp_path / "curves.png"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"curves\.png: is a named pipe \(FIFO\)"):
        plot_learning_curves(HISTORY, fifo)
    assert_still_a_fifo(fifo)
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


def test_a_regular_file_is_still_replaced(tmp_path):
    target = tmp_path / "net.npz"
    target.write_bytes(b"an older run")
    net = TwoLayerNet(4, 3, 2, seed=1)
    save_params(target, net)
    loaded = load_params(target, TwoLayerNet(4, 3, 2, seed=2))
    np.testing.assert_array_equal(loaded.params["W1"], net.params["W1"])
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    save_params(link, net)   # a link to a regular file: the link is replaced, as before
    load_params(link, TwoLayerNet(4, 3, 2))


@pytest.mark.parametrize("argv", [
    ["--save", "{tmp}/x.png", "--plot", "{tmp}/x.png"],
    ["--save", "{tmp}/x.png", "--plot", "{tmp}/./sub/../x.png"],
    ["--model", "convnet", "--plot", "{tmp}/x.png", "--plot-filters", "{tmp}/x.png"],
    ["--model", "convnet", "--save", "{tmp}/f.svg", "--plot-filters", "{tmp}/link/f.svg"],
    ["--plot", "{tmp}/x.png", "--save", "{cwd_relative}"],
])
def test_two_output_flags_naming_one_file_are_refused_before_training(argv, tmp_path, capsys,
                                                                      monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path)
    monkeypatch.chdir(tmp_path / "sub")
    argv = [arg.format(tmp=tmp_path, cwd_relative="../x.png") for arg in argv]
    code, out, err = run_without_training(argv, capsys, monkeypatch)
    assert code == 1 and err.count("\n") == 1, err
    assert "name the same file: the second would overwrite the first" in err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "sub"]


def test_an_existing_file_named_twice_through_a_link_is_refused(tmp_path, capsys, monkeypatch):
    (tmp_path / "x.png").write_bytes(b"old")
    (tmp_path / "y.png").symlink_to(tmp_path / "x.png")
    code, _, err = run_without_training(["--save", str(tmp_path / "x.png"), "--plot",
                                         str(tmp_path / "y.png")], capsys, monkeypatch)
    assert code == 1 and "name the same file" in err
    assert (tmp_path / "x.png").read_bytes() == b"old"
