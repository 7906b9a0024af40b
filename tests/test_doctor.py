"""``python -m nnnumpy``: the report a teacher asks for, and the files that hide packages."""

import os
import platform
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from nnnumpy import doctor
from nnnumpy.datasets import mnist

from .test_mnist import make_file

REPOSITORY = Path(__file__).resolve().parents[1]


def run_doctor(cwd, data, *command):
    """Run the report in a fresh Python in ``cwd`` with NNNUMPY_DATA=data; the finished process.

    nnnumpy is imported from this checkout wherever it is installed, as in CI's environments.
    """
    # An empty entry in PYTHONPATH would put the current folder on sys.path: join only others.
    python_path = [str(REPOSITORY)] + [entry for entry in
                                       os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    environment = dict(os.environ, NNNUMPY_DATA=str(data), PYTHONPATH=os.pathsep.join(python_path))
    command = command or ("-m", "nnnumpy")
    return subprocess.run([sys.executable, *command], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def facts(stdout):
    """The report's lines as {name: value}; every line must read 'name: value'."""
    lines = stdout.splitlines()
    assert all(": " in line for line in lines), lines
    return dict(line.split(": ", 1) for line in lines if not line.startswith("warning: "))


def write_fake_mnist(folder, monkeypatch, break_key=None):
    """Four small IDX files in ``folder`` whose MD5s replace the published ones.

    With ``break_key``, that file's content differs from its recorded checksum.
    """
    checksums = {}
    for key, name in mnist.FILE_NAMES.items():
        array = np.zeros((2, 28, 28) if "images" in key else 2, np.uint8)
        checksums[key] = make_file(folder, name + ".gz", array)
    if break_key is not None:
        checksums[break_key] = "0" * 32
    monkeypatch.setitem(mnist.DATASETS["mnist"], "md5", checksums)


def test_the_report_has_one_fact_per_line_and_exits_0(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "work").mkdir()
    done = run_doctor(tmp_path / "work", tmp_path / "data")
    assert done.returncode == 0, done.stderr
    report = facts(done.stdout)
    assert report["nnnumpy"].startswith("0.")
    assert str(REPOSITORY / "nnnumpy") in report["nnnumpy"]
    assert report["numpy"].startswith(np.__version__ + " at ")
    for name in ("python", "platform", "scipy", "matplotlib", "tqdm", "blas", "blas threads",
                 "thread variables", "cpus", "cupy", "language", "chinese font", "mnist folder",
                 "mnist files", "summary"):
        assert report[name], name
    assert report["mnist folder"] == (f"{tmp_path / 'data'} "
                                      "(the environment variable NNNUMPY_DATA)")
    assert report["mnist files"].startswith("0 of 4 found")
    assert "not measured" in report["blas threads"]
    assert report["summary"] == "nnnumpy can work here"
    assert "warning" not in done.stdout and done.stderr == ""


def test_a_numpy_py_in_the_current_folder_is_named_and_exit_is_1(tmp_path):
    # Started as an installed command is (the launcher lies outside the current folder),
    # the report itself runs, and names the file.
    work = tmp_path / "work"
    work.mkdir()
    (work / "numpy.py").write_text("print('my homework')\n")
    launcher = tmp_path / "bin" / "nnnumpy-doctor.py"
    launcher.parent.mkdir()
    launcher.write_text("import sys\nfrom nnnumpy.doctor import main\nsys.exit(main())\n")
    done = run_doctor(work, tmp_path, str(launcher))
    assert done.returncode == 1, done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert f"{work / 'numpy.py'} hides the installed numpy" in warnings[0]
    assert "rename it" in warnings[0]
    assert facts(done.stdout)["summary"].startswith("nnnumpy cannot work here")
    assert "my homework" not in done.stdout  # the report never imports the student's file


def test_python_m_nnnumpy_beside_a_numpy_py_names_it(tmp_path):
    # 'python -m' puts the current folder first on sys.path, so the student's numpy.py is
    # imported by nnnumpy/__init__.py before the report can run.
    (tmp_path / "numpy.py").write_text("print('my homework')\n")
    done = run_doctor(tmp_path, tmp_path)
    assert done.returncode == 1
    assert str(tmp_path / "numpy.py") in done.stderr + done.stdout


@pytest.mark.parametrize("entry, hides", [("numpy.py", True), ("scipy/__init__.py", True),
                                          ("matplotlib.py", True), ("tqdm/__init__.py", True),
                                          ("cupy.py", True), ("nnnumpy.py", True),
                                          ("scipy/notes.txt", False), ("nnnumpy/hw.ipynb", False)])
def test_shadowing_entries_name_each_file_and_folder(tmp_path, entry, hides):
    path = tmp_path / entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    top = tmp_path / entry.split("/")[0]
    name = top.name.removesuffix(".py")
    assert doctor.shadowing_entries(tmp_path, REPOSITORY / "nnnumpy") == [(name, top, hides)]


def test_the_clones_own_nnnumpy_folder_is_not_a_shadow():
    assert doctor.shadowing_entries(REPOSITORY, REPOSITORY / "nnnumpy") == []


def test_a_hidden_required_package_fails_the_report_a_hidden_cupy_does_not(tmp_path):
    (tmp_path / "cupy.py").write_text("")
    lines, works = doctor.report(tmp_path)
    assert works
    assert any(line.startswith("warning: ") and "cupy.py" in line for line in lines)
    assert facts("\n".join(lines))["cupy"].startswith("not checked")
    (tmp_path / "tqdm.py").write_text("")
    lines, works = doctor.report(tmp_path)
    assert not works
    assert facts("\n".join(lines))["summary"].startswith("nnnumpy cannot work here")


def test_shadowing_hint_names_the_hiding_files(tmp_path):
    assert doctor.shadowing_hint(tmp_path) == ""
    (tmp_path / "numpy.py").write_text("")
    (tmp_path / "cupy.py").write_text("")  # optional: not the reason nnnumpy fails
    hint = doctor.shadowing_hint(tmp_path)
    assert str(tmp_path / "numpy.py") in hint and "cupy" not in hint


def test_the_language_and_the_chinese_font_are_reported(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setenv("NNNUMPY_LANG", "zh")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [types.SimpleNamespace(name="SimHei")])
    assert doctor.language_lines([]) == ["language: zh (from NNNUMPY_LANG=zh)",
                                         "chinese font: SimHei"]
    monkeypatch.setenv("NNNUMPY_LANG", "fr")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    first, second = doctor.language_lines([])
    assert first == "language: en, since NNNUMPY_LANG must be 'en' or 'zh', got 'fr'"
    assert second.startswith("chinese font: none, so figure text stays English")
    for variable in ("NNNUMPY_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert doctor.language_lines([])[0] == "language: zh (from LANG=zh_CN.UTF-8)"
    monkeypatch.delenv("LANG")
    assert doctor.language_lines([])[0] == ("language: en (from the default: no language "
                                            "variable is set)")
    hidden = [("matplotlib", Path("matplotlib.py"), True)]
    assert doctor.language_lines(hidden)[1] == ("chinese font: not checked (matplotlib is "
                                                "missing or hidden)")


def test_verified_mnist_files_are_reported(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path / "mnist", monkeypatch)
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path))
    assert doctor.mnist_lines(mnist) == [
        f"mnist folder: {tmp_path} (the environment variable NNNUMPY_DATA)",
        f"mnist files: 4 of 4 in {tmp_path / 'mnist'}, checksums verified",
    ]


def test_a_file_failing_its_checksum_is_named(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path, monkeypatch, break_key="test_labels")
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path))
    files = doctor.mnist_lines(mnist)[1]
    assert files.startswith("mnist files: 4 of 4 found, but ")
    assert "t10k-labels-idx1-ubyte.gz: checksum mismatch" in files


def test_a_missing_file_says_where_it_would_be_downloaded(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path / "mnist", monkeypatch)
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path))
    assert doctor.mnist_lines(mnist)[1] == (
        f"mnist files: 3 of 4 found in {tmp_path} or {tmp_path / 'mnist'}; load_mnist() "
        f"would download the missing ones into {tmp_path / 'mnist'}")


def test_an_unusable_nnnumpy_data_is_reported_not_raised(tmp_path, monkeypatch):
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path / "typo"))
    assert doctor.mnist_lines(mnist)[0].startswith("mnist folder: unusable: NNNUMPY_DATA=")


@pytest.mark.parametrize("blas, environ, expected", [
    ("scipy-openblas 0.3.27", {}, 6),
    ("scipy-openblas 0.3.27", {"OMP_NUM_THREADS": "3"}, 3),
    ("openblas64_", {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "3"}, 1),
    ("mkl", {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "4"}, 4),
    ("openblas", {"OPENBLAS_NUM_THREADS": "zero"}, 6),
    ("unknown", {"OMP_NUM_THREADS": "3"}, None),
])
def test_expected_blas_threads_follow_each_blas_variables(blas, environ, expected):
    assert doctor.expected_blas_threads(blas, environ, cpus=6)[0] == expected


def test_blas_from_a_numpy_that_reports_dicts():
    config = {"Build Dependencies": {"blas": {
        "name": "scipy-openblas", "version": "0.3.27",
        "openblas configuration": "OpenBLAS 0.3.27 DYNAMIC_ARCH Haswell MAX_THREADS=64"}}}
    fake_numpy = types.SimpleNamespace(show_config=lambda mode: config)
    assert doctor.blas_name_and_version(fake_numpy) == "scipy-openblas 0.3.27 MAX_THREADS=64"


def test_blas_from_an_older_numpy_config():
    def show_config():  # before NumPy 1.26, show_config printed and took no mode
        print("blas_opt_info: ...")

    infos = {"openblas64_": {}, "openblas": {"libraries": ["openblas", "openblas"]}}
    fake_config = types.SimpleNamespace(get_info=lambda key: infos.get(key, {}))
    fake_numpy = types.SimpleNamespace(show_config=show_config, __config__=fake_config)
    assert doctor.blas_name_and_version(fake_numpy) == "openblas (openblas, openblas)"
    assert doctor.legacy_blas_name(None).startswith("unknown")


def test_this_numpys_blas_is_named():
    # Every NumPy the package supports reports its BLAS one way or the other.
    assert not doctor.blas_name_and_version(np).startswith("unknown")


def test_help_describes_the_report(capsys):
    with pytest.raises(SystemExit) as info:
        doctor.main(["--help"])
    assert info.value.code == 0
    assert "one fact per line" in capsys.readouterr().out


def test_the_report_in_process_matches_the_facts_it_names(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    lines, works = doctor.report(tmp_path)
    report = facts("\n".join(lines))
    assert works
    assert "OPENBLAS_NUM_THREADS=1" in report["thread variables"]
    assert report["cpus"].startswith(f"{doctor.usable_cpus()} usable")
    assert report["python"].startswith(platform.python_version() + " (")


def test_a_missing_package_is_named_and_counts_as_fatal():
    line, found = doctor.package_line("no_such_package_for_nnnumpy")
    assert not found
    assert line == ("no_such_package_for_nnnumpy: not installed (nnnumpy needs it: "
                    "pip install no_such_package_for_nnnumpy)")
    line, found = doctor.package_line("scipy")
    assert found and line.startswith("scipy: ")
