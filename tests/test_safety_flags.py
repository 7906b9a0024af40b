"""A mistaken flag or environment variable is one line naming it, before any work."""

import pytest

from nnnumpy import backend, cli
from nnnumpy.cli import run

from .conftest import load_script

train_mnist = load_script("train_mnist")


def run_without_training(argv, capsys, monkeypatch):
    """Run train_mnist as its command line does, with any network, data or training an error."""
    monkeypatch.setattr(train_mnist, "Trainer", None)
    monkeypatch.setattr(train_mnist, "load_data", None)
    monkeypatch.setattr(train_mnist, "build_network", None)
    code = run(train_mnist.main, argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("flags", [["--dropout", "0.5"], ["--batchnorm"],
                                   ["--weight-decay", "0.01"], ["--activation", "tanh"],
                                   ["--weight-decay", "0"]])
def test_the_convnet_refuses_flags_it_would_ignore(flags, capsys, monkeypatch):
    with pytest.raises(SystemExit) as info:
        run_without_training(["--model", "convnet", *flags], capsys, monkeypatch)
    assert info.value.code == 2
    assert f"--model convnet takes no {flags[0]}: " in capsys.readouterr().err


def test_the_convnet_names_every_flag_it_would_ignore(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        run_without_training(["--model", "convnet", "--dropout", "0.1", "--batchnorm"], capsys,
                             monkeypatch)
    assert "--model convnet takes no --dropout, --batchnorm: " in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-0.1", "lots"])
def test_weight_decay_must_be_a_finite_number_at_least_0(value, capsys, monkeypatch):
    with pytest.raises(SystemExit) as info:
        run_without_training([f"--weight-decay={value}"], capsys, monkeypatch)
    assert info.value.code == 2
    assert f"--weight-decay: must be a finite number >= 0, got {value}" in \
        capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--data-dir", "~nosuchuser12345/x"],
                                  ["--save", "~nosuchuser12345/net.npz"]])
def test_an_unknown_users_home_folder_is_one_line(argv, capsys, monkeypatch):
    code, out, err = run_without_training(argv, capsys, monkeypatch)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"error: {argv[0]} ~nosuchuser12345/")
    assert "cannot expand ~nosuchuser12345" in err


@pytest.mark.parametrize("value, message", [
    ("gpu", "error: NNNUMPY_BACKEND='gpu' names no backend: it must be one of numpy, cupy"),
    ("cupy", "error: NNNUMPY_BACKEND=cupy: the CuPy backend was requested but CuPy is not "
             "installed"),
])
def test_a_wrong_backend_variable_is_one_line(value, message, capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cupy", None)   # CuPy missing, always
    monkeypatch.setattr(backend, "_backend_name", None)
    monkeypatch.setenv("NNNUMPY_BACKEND", value)
    code, _, err = run_without_training([], capsys, monkeypatch)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(message)


def test_an_empty_backend_variable_means_numpy(monkeypatch):
    monkeypatch.setattr(backend, "_backend_name", None)
    monkeypatch.setenv("NNNUMPY_BACKEND", "")
    assert backend.get_backend() == "numpy"
    monkeypatch.setattr(backend, "_backend_name", None)


def test_the_package_names_the_variable_its_value_and_the_choices(monkeypatch):
    monkeypatch.setattr(backend, "_backend_name", None)
    monkeypatch.setenv("NNNUMPY_BACKEND", "gpu")
    with pytest.raises(ValueError) as info:
        backend.get_backend()
    assert str(info.value) == ("NNNUMPY_BACKEND='gpu' names no backend: it must be one of "
                               "numpy, cupy (unset or empty: numpy)")
    monkeypatch.setattr(backend, "_backend_name", None)


def test_a_network_too_big_for_the_memory_is_refused_with_the_figure(capsys, monkeypatch):
    monkeypatch.setattr(cli, "available_memory", lambda: 8 * 2**30)
    code, out, err = run_without_training(["--hidden-sizes", "100000", "100000"], capsys,
                                          monkeypatch)
    assert code == 1 and err.count("\n") == 1, err
    # 784 x 100000 + 100000 x 100000 + 100000 x 10 weights and 200010 biases; drawing the
    # largest matrix takes two float64 arrays of 10^10 entries besides the float32 net.
    assert err == ("error: --model mlp --hidden-sizes 100000 100000: the run would need about "
                   "187.0 GiB of memory (10,079,600,010 parameters, 37.5 GiB as float32; "
                   "117.6 GiB to train with momentum, 187.0 GiB to draw the initial weights), "
                   "but 8.0 GiB is available\n")
    assert out == ""


def test_where_free_memory_cannot_be_read_a_fixed_bound_applies(capsys, monkeypatch):
    monkeypatch.setattr(cli, "available_memory", lambda: None)
    code, _, err = run_without_training(["--hidden-sizes", "50000", "50000"], capsys,
                                        monkeypatch)
    assert code == 1
    assert "but 32.0 GiB is the limit where free memory cannot be read" in err


def test_the_default_network_fits(monkeypatch):
    monkeypatch.setattr(cli, "available_memory", lambda: 2**30)
    args = train_mnist.build_parser().parse_args([])
    train_mnist.check_arguments(None, args)
    needed, _ = train_mnist.memory_needed(args)
    assert 200 * 2**20 < needed < 2**30   # the images alone are 220 MB as float32
    cli.check_memory("the default run", needed, "")


def test_available_memory_is_a_positive_number_of_bytes_where_readable():
    available = cli.available_memory()
    assert available is None or available > 0


def test_an_unknown_users_home_folder_in_nnnumpy_data_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("NNNUMPY_DATA", "~nosuchuser12345/data")
    with pytest.raises(cli.UsageError, match="NNNUMPY_DATA ~nosuchuser12345/data: cannot "
                                             "expand ~nosuchuser12345"):
        cli.load_data(download=False)
