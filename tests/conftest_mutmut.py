"""A pytest plugin for mutation runs (``-p tests.conftest_mutmut``; see docs/contributing.md).

The mutation tool runs each mutant's tests in a worker process that ignores SIGINT.
The Ctrl-C tests send the process a real SIGINT and expect a KeyboardInterrupt, so
under the tool they would fail for every mutant, hiding what the mutant did. This
plugin gives every test the interpreter's usual handler back and restores the
worker's own afterwards. The ordinary test run never loads it.
"""

import signal

import pytest


@pytest.fixture(autouse=True)
def sigint_raises_keyboard_interrupt():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
