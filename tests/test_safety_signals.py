"""SIGTERM stops a run as the first Ctrl-C does, and saves; a second Ctrl-C says "not saved"."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.cli import run
from nnnumpy.interrupt import DeferInterrupt, StopOnInterrupt, TerminateAsInterrupt, Terminated
from nnnumpy.io import load_params

from .conftest import REPO, load_script, mnist_dir, requires_mnist

train_mnist = load_script("train_mnist")


class FakeTrainer:
    stop_requested = False
    interrupt_at_once = False


def test_sigterm_in_training_asks_to_stop_and_never_stops_at_once():
    trainer = FakeTrainer()
    try:
        with TerminateAsInterrupt() as termination, StopOnInterrupt(trainer):
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)   # still "stop after the batch"
    except KeyboardInterrupt:
        pytest.fail("a SIGTERM during training stopped it at once")
    assert trainer.stop_requested and termination.received


def test_ctrl_c_after_sigterm_stops_at_once():
    trainer = FakeTrainer()
    with pytest.raises(KeyboardInterrupt):
        with TerminateAsInterrupt(), StopOnInterrupt(trainer):
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)


def test_sigterm_during_a_save_waits_for_it_then_is_terminated(capsys):
    done = []
    with pytest.raises(KeyboardInterrupt) as info:
        with TerminateAsInterrupt(), DeferInterrupt("saving net.npz"):
            os.kill(os.getpid(), signal.SIGTERM)
            done.append("the rest of the save")
    assert info.type is Terminated
    assert done == ["the rest of the save"]
    assert "saving net.npz: finishing before stopping" in capsys.readouterr().err


def test_sigterm_elsewhere_is_terminated_and_the_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt) as info:
        with TerminateAsInterrupt():
            os.kill(os.getpid(), signal.SIGTERM)
    assert info.type is Terminated
    assert signal.getsignal(signal.SIGTERM) is before
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_terminated_is_one_line_and_status_143(capsys):
    def terminated(argv):
        raise Terminated

    assert run(terminated) == 143
    assert capsys.readouterr().err == "terminated (SIGTERM)\n"


@pytest.mark.mnist
@requires_mnist
def test_sigterm_stops_after_the_batch_saves_and_says_so(tmp_path):
    saved = tmp_path / "net.npz"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NNNUMPY_DATA": str(mnist_dir())}
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "train_mnist.py"), "--train-size", "500",
         "--hidden-size", "20", "--epochs", "100000", "--save", str(saved)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in process.stdout:   # training has started once an epoch has ended
            if line.startswith("epoch "):
                break
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert f"saved: {saved}" in out and "(stopped by SIGTERM)" in out, out
    assert "Traceback" not in err
    net = load_params(saved, TwoLayerNet(784, 20, 10))
    assert np.isfinite(net.params["W1"]).all()


class TwoCtrlCTrainer(train_mnist.Trainer):
    """A trainer whose third step receives two Ctrl-Cs."""

    steps = 0

    def step(self, x, t):
        self.steps += 1
        if self.steps == 3:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return super().step(x, t)


@pytest.mark.mnist
@requires_mnist
def test_a_second_ctrl_c_stops_at_once_and_says_not_saved(tmp_path, capsys, monkeypatch):
    saved = tmp_path / "net.npz"
    monkeypatch.setattr(train_mnist, "Trainer", TwoCtrlCTrainer)
    code = run(train_mnist.main, ["--data-dir", str(mnist_dir()), "--train-size", "1000",
                                  "--hidden-size", "20", "--epochs", "1", "--quiet",
                                  "--save", str(saved)])
    captured = capsys.readouterr()
    assert code == 130
    assert f"{saved} not saved" in captured.err and "done:" not in captured.out
    assert not saved.exists()
