"""Ctrl-C during long work: stop cleanly, and never in the middle of writing a file.

Python turns Ctrl-C (the signal SIGINT) into a KeyboardInterrupt wherever the program
happens to be. The context managers here replace that, for a while, with something a
training run can live with. Signals reach only the main thread, so elsewhere they do
nothing.
"""

import signal
import sys
import threading


class InterruptHandler:
    """Within ``with handler:``, Ctrl-C calls ``handler.handle`` instead of raising."""

    previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def handle(self, signum, frame):
        raise NotImplementedError


class StopOnInterrupt(InterruptHandler):
    """Within ``with StopOnInterrupt(trainer)``, the first Ctrl-C asks the trainer to stop.

    It sets ``trainer.stop_requested``; the trainer finishes its current batch and
    returns what it has. While ``trainer.interrupt_at_once`` is True (a numerical
    gradient, which takes minutes per batch), the first Ctrl-C also raises
    KeyboardInterrupt there and then. A second Ctrl-C always does.
    """

    def __init__(self, trainer):
        self.trainer = trainer

    def handle(self, signum, frame):
        second = self.trainer.stop_requested
        self.trainer.stop_requested = True
        if second or self.trainer.interrupt_at_once:
            raise KeyboardInterrupt


class DeferInterrupt(InterruptHandler):
    """Within ``with DeferInterrupt("saving"):``, Ctrl-C waits until the block is done.

    A save under way completes; a Ctrl-C received meanwhile is then raised as
    KeyboardInterrupt when the block ends.
    """

    def __init__(self, what):
        self.what = what
        self.received = False

    def handle(self, signum, frame):
        self.received = True
        print(f"\n{self.what}: finishing before stopping", file=sys.stderr)

    def __exit__(self, exc_type, *exc):
        super().__exit__(exc_type, *exc)
        if self.received and exc_type is None:
            raise KeyboardInterrupt
        return False
