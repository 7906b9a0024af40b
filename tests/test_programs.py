"""The programs in nnnumpy.programs: run with ``python -m`` from any folder, as after a
plain install, and behind the thin scripts/ of a clone."""

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnnumpy

from .conftest import REPO, mnist_dir, requires_mnist

PACKAGE = Path(nnnumpy.__file__).resolve().parent

# Each program and flags its --help must list (a few of each, the ones a user reaches for).
FLAGS = {
    "train_mnist": ["--model", "--hidden-size", "--epochs", "--batch-size", "--optimizer", "--lr",
                    "--train-size", "--backend", "--data-dir", "--plot", "--save", "--quiet"],
    "compare_gradients": ["--hidden-size", "--batch-size", "--data", "--data-dir",
                          "--loop-sample", "--full", "--repeats", "--plot"],
    "himmelblau": ["--steps", "--plot"],
    "compare_optimizers": ["--train-size", "--epochs", "--batch-size", "--seed", "--data-dir",
                           "--backend", "--plot"],
    "compare_init": ["--activation", "--train-size", "--epochs", "--seed", "--data-dir",
                     "--plot"],
    "overfitting": ["--train-size", "--epochs", "--seed", "--data-dir", "--plot"],
}


def run_python(cwd, *arguments, **variables):
    """``python ARGUMENTS`` in a fresh interpreter in ``cwd``; the finished process.

    nnnumpy is imported from this checkout wherever it is installed (editable, or only on
    the path as in CI's environments); the current folder is not the repository.
    """
    # An empty entry in PYTHONPATH would put the current folder on sys.path: join only others.
    python_path = [str(PACKAGE.parent)] + [entry for entry in
                                           os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                           if entry]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(python_path), **variables)
    return subprocess.run([sys.executable, *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def load_script_file(name):
    """scripts/<name>.py imported as a module (without running it as a program)."""
    spec = importlib.util.spec_from_file_location(f"thin_script_{name}",
                                                  REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(FLAGS))
def test_each_program_runs_from_another_folder_and_lists_its_flags(name, tmp_path):
    done = run_python(tmp_path, "-m", f"nnnumpy.programs.{name}", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ")
    for flag in FLAGS[name]:
        assert f"  {flag}" in done.stdout, f"{name} --help does not list {flag}"


@pytest.mark.mnist
@requires_mnist
def test_train_mnist_trains_from_another_folder_and_saves_there(tmp_path):
    done = run_python(tmp_path, "-m", "nnnumpy.programs.train_mnist", "--train-size", "300",
                      "--epochs", "1", "--quiet", "--save", "net.npz",
                      NNNUMPY_DATA=str(mnist_dir()))
    assert done.returncode == 0, done.stderr
    assert f"data: MNIST from {mnist_dir()}: 300 training and 10000 test images" in done.stdout
    assert "done: test accuracy " in done.stdout
    with np.load(tmp_path / "net.npz", allow_pickle=False) as saved:
        assert saved["W1"].shape == (784, 300)


def test_a_users_mistake_is_one_error_line_from_python_m(tmp_path):
    done = run_python(tmp_path, "-m", "nnnumpy.programs.train_mnist", "--data-dir",
                      str(tmp_path / "nowhere" / "deeper"))
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "nowhere" in done.stderr


@pytest.mark.parametrize("name", sorted(FLAGS))
def test_command_is_main_on_the_command_line_with_one_error_line(name, tmp_path, capsys,
                                                                 monkeypatch):
    """command() is what an installed console command calls: the arguments come from
    sys.argv, and a user's mistake is one line and status 1, not a traceback."""
    program = importlib.import_module(f"nnnumpy.programs.{name}")
    monkeypatch.setattr(sys, "argv", [name, "--plot", str(tmp_path / "curves.txt")])
    assert program.command() == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --plot ") and err.count("\n") == 1, err


@pytest.mark.parametrize("name", sorted(FLAGS))
def test_each_script_runs_the_programs_main(name):
    program = importlib.import_module(f"nnnumpy.programs.{name}")
    assert load_script_file(name).main is program.main


def test_a_script_runs_from_another_folder(tmp_path):
    done = run_python(tmp_path, str(REPO / "scripts" / "himmelblau.py"), "--steps", "2")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("adam ")]
    assert len(rows) == 5, done.stdout


def imported_modules(path):
    """The modules a Python file imports by name: 'a.b' for ``import a.b`` and ``from a.b
    import c``; relative imports are left out (they stay inside the package)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module)
    return names


def test_no_module_of_the_package_imports_scripts():
    offenders = [f"{path.relative_to(PACKAGE.parent)}: {name}"
                 for path in sorted(PACKAGE.rglob("*.py"))
                 for name in imported_modules(path)
                 if name == "scripts" or name.startswith("scripts.")]
    assert offenders == []


def test_the_programs_load_nothing_from_scripts(tmp_path):
    names = ", ".join(f"nnnumpy.programs.{name}" for name in sorted(FLAGS))
    check = (f"import sys, nnnumpy, {names}\n"
             "print('\\n'.join(str(getattr(module, '__file__', None))\n"
             "                 for module in list(sys.modules.values())))\n")
    done = run_python(tmp_path, "-c", check)
    assert done.returncode == 0, done.stderr
    files = [Path(line).resolve() for line in done.stdout.splitlines() if line != "None"]
    assert PACKAGE / "programs" / "train_mnist.py" in files
    assert [path for path in files if (REPO / "scripts") in path.parents] == []
