"""Ctrl-C and SIGTERM during long work: stop cleanly, and never in the middle of writing a file.

Python turns Ctrl-C (the signal SIGINT) into a KeyboardInterrupt wherever the program
happens to be. The context managers here replace that, for a while, with something a
training run can live with. SIGTERM is the polite "please stop" that ``timeout``, job
schedulers and notebook servers send; by default it ends Python at once, saving
nothing. Within ``TerminateAsInterrupt`` (the scripts' training runs) it is handled as
a first Ctrl-C instead. Signals reach only the main thread, so elsewhere these managers
do nothing.
"""

import signal
import sys
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where a Ctrl-C would have raised KeyboardInterrupt."""


class InterruptHandler:
    """Within ``with handler:``, Ctrl-C calls ``handler.handle(signum, frame)`` instead of
    raising. ``signum`` is ``signal.SIGINT``, or ``signal.SIGTERM`` when a
    ``TerminateAsInterrupt`` around the block passes a SIGTERM on."""

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
    KeyboardInterrupt there and then. A second Ctrl-C always does. A SIGTERM is
    always a first Ctrl-C: it never stops a run before the weights can be saved.
    """

    def __init__(self, trainer):
        self.trainer = trainer

    def handle(self, signum, frame):
        second = self.trainer.stop_requested and signum == signal.SIGINT
        self.trainer.stop_requested = True
        if second or self.trainer.interrupt_at_once:
            raise KeyboardInterrupt


class DeferInterrupt(InterruptHandler):
    """Within ``with DeferInterrupt("saving"):``, Ctrl-C waits until the block is done.

    A save under way completes; a Ctrl-C received meanwhile is then raised as
    KeyboardInterrupt when the block ends (a SIGTERM as Terminated).
    """

    def __init__(self, what):
        self.what = what
        self.received = None   # the signal number, once one came

    def handle(self, signum, frame):
        self.received = signum
        print(f"\n{self.what}: finishing before stopping", file=sys.stderr)

    def __exit__(self, exc_type, *exc):
        super().__exit__(exc_type, *exc)
        if self.received is not None and exc_type is None:
            raise Terminated if self.received == signal.SIGTERM else KeyboardInterrupt
        return False


class TerminateAsInterrupt:
    """Within ``with TerminateAsInterrupt() as termination:``, SIGTERM acts as a Ctrl-C.

    A SIGTERM is passed on to whatever handles Ctrl-C at that moment: during training,
    ``StopOnInterrupt`` (stop after the batch), during a save, ``DeferInterrupt``
    (finish first); anywhere else it raises ``Terminated``. ``termination.received``
    tells afterwards whether one came.
    """

    previous = None

    def __init__(self):
        self.received = False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self.handle)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False

    def handle(self, signum, frame):
        self.received = True
        on_interrupt = signal.getsignal(signal.SIGINT)
        if not callable(on_interrupt):   # Ctrl-C ignored or left to the system
            raise Terminated
        try:
            on_interrupt(signal.SIGTERM, frame)
        except KeyboardInterrupt:
            raise Terminated from None
