import os
import signal

import pytest

from nnnumpy.interrupt import DeferInterrupt


def test_ctrl_c_inside_the_block_is_raised_when_it_ends(capsys):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with DeferInterrupt("saving net.npz"):
            os.kill(os.getpid(), signal.SIGINT)
            done.append("the work after the Ctrl-C")
    assert done == ["the work after the Ctrl-C"]
    assert "saving net.npz: finishing before stopping" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_ctrl_c_nothing_happens():
    with DeferInterrupt("saving"):
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
