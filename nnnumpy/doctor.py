"""``python -m nnnumpy``: the facts to paste when asking for help, one per line.

Which nnnumpy runs and from where, on which Python, NumPy, SciPy, matplotlib and tqdm; the
BLAS behind NumPy and how many threads it may use; whether CuPy sees a GPU; the language of
printed verdicts and figure text, and the font that draws Chinese; where MNIST would be read
from, why there, and whether its four files are intact; and files or folders in the current
folder that hide a package from ``import`` (a student's ``numpy.py``, say).

Every line reads ``name: value`` (warnings ``warning: ...``). The exit status is 0, or 1 when
nnnumpy cannot work: a package it needs is missing or hidden by a file of the current folder.

Only the standard library is imported at the top, so that ``shadowing_hint`` also works
while NumPy itself fails to import.
"""

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import sys
from pathlib import Path

# What nnnumpy needs at run time: one of them missing or hidden means nnnumpy cannot work.
REQUIRED_PACKAGES = ("numpy", "scipy", "matplotlib", "tqdm")
# Named like a package nnnumpy imports, in the order the lines are printed.
WATCHED_NAMES = ("nnnumpy", *REQUIRED_PACKAGES, "cupy")
# The variables each BLAS reads for its thread count, the first one set wins.
THREAD_VARIABLES = {
    "openblas": ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
    "accelerate": ("VECLIB_MAXIMUM_THREADS",),
}
PRINTED_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv=None):
    """Print the report; return 1 if nnnumpy cannot work from here, else 0."""
    parser = argparse.ArgumentParser(
        prog="python -m nnnumpy",
        description="Print versions, locations, the BLAS, the GPU, the MNIST files and "
                    "packages hidden by files in the current folder: one fact per line, "
                    "to paste when asking for help. Exit status 1 if nnnumpy cannot work.")
    parser.parse_args(argv)
    lines, works = report()
    print("\n".join(lines))
    return 0 if works else 1


def report(folder=None):
    """The lines of the report and whether nnnumpy can work, for the current ``folder``."""
    folder = Path.cwd() if folder is None else Path(folder)
    import numpy as np  # here, not at the top: see the module's docstring

    import nnnumpy
    from nnnumpy.datasets import mnist

    package_folder = Path(nnnumpy.__file__).resolve().parent
    clone_data = mnist.clone_data_folder(package_folder)
    kind = f"a clone, data in {clone_data}" if clone_data else "installed"
    lines = [
        f"nnnumpy: {nnnumpy.__version__} at {package_folder} ({kind})",
        f"python: {platform.python_version()} ({platform.python_implementation()}) "
        f"at {sys.executable}",
        f"platform: {platform.platform()}",
        f"numpy: {np.__version__} at {Path(np.__file__).parent}",
    ]
    works = True
    # NumPy is imported already (nnnumpy needs it to start); the others are looked up only.
    for name in ("scipy", "matplotlib", "tqdm"):
        line, found = package_line(name)
        lines.append(line)
        works = works and found
    blas = blas_name_and_version(np)
    lines.append(f"blas: {blas}")
    lines.extend(thread_lines(blas))
    hidden = shadowing_entries(folder, package_folder)
    lines.append(cupy_line(hidden))
    lines.extend(language_lines(hidden))
    lines.extend(mnist_lines(mnist))
    for name, path, hides in hidden:
        lines.append(shadowing_warning(name, path, hides))
        if hides and name != "cupy":
            works = False
    lines.append("summary: nnnumpy can work here" if works
                 else "summary: nnnumpy cannot work here; see the lines above")
    return lines, works


def package_line(name):
    """``name: VERSION at FOLDER`` from its installed metadata, without importing it.

    Returns ``(line, found)``; ``found`` is False when the package is not installed.
    """
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        version = None
    origin = module_origin(name)
    if version is None and origin is None:
        return f"{name}: not installed (nnnumpy needs it: pip install {name})", False
    return f"{name}: {version or 'version unknown'} at {origin or 'location unknown'}", True


def module_origin(name):
    """The file or folder that ``import name`` would load from here, or None if none."""
    try:
        spec = importlib.util.find_spec(name)  # finds, never runs, a top-level module
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("built-in", "frozen"):
        origin = Path(spec.origin)
        return origin.parent if origin.name == "__init__.py" else origin
    locations = list(spec.submodule_search_locations or [])
    return Path(locations[0]) if locations else None


def blas_name_and_version(np):
    """The BLAS NumPy was built with, from ``numpy.show_config`` or ``numpy.__config__``."""
    try:
        config = np.show_config(mode="dicts")  # NumPy >= 1.26
    except TypeError:  # older NumPy prints its configuration and takes no mode
        config = None
    if isinstance(config, dict):
        blas = config.get("Build Dependencies", {}).get("blas", {})
        if blas.get("name"):
            settings = blas.get("openblas configuration", "")
            max_threads = [word for word in settings.split() if word.startswith("MAX_THREADS=")]
            return " ".join([blas["name"], blas.get("version", "")] + max_threads).strip()
    return legacy_blas_name(getattr(np, "__config__", None))


def legacy_blas_name(numpy_config):
    """The BLAS named in an older NumPy's ``__config__`` (``openblas64__info`` and kin)."""
    get_info = getattr(numpy_config, "get_info", None)
    if get_info is None:
        return "unknown (numpy.show_config() gives no BLAS; run it to see the build)"
    for key in ("openblas64_", "openblas_ilp64", "openblas", "mkl", "blis", "accelerate"):
        info = get_info(key)
        if info:
            libraries = ", ".join(info.get("libraries", []))
            return f"{key} ({libraries})" if libraries else key
    return "unknown (numpy.__config__ names no known BLAS)"


def usable_cpus():
    """The CPUs this process may run on (its affinity where the system says), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def expected_blas_threads(blas, environ, cpus):
    """How many threads ``blas`` starts with: ``(count, why)``, or ``(None, why)`` if unknown.

    A BLAS reads its variables once, when NumPy is imported; without one set, OpenBLAS,
    BLIS and Accelerate use one thread per usable CPU (MKL per physical core).
    """
    family = next((name for name in THREAD_VARIABLES if name in blas.lower()), None)
    if family is None:
        return None, "unknown for this BLAS"
    for variable in THREAD_VARIABLES[family]:
        value = environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value), f"from {variable}={value}"
    unset = ", ".join(THREAD_VARIABLES[family])
    return cpus, f"one per usable CPU, since {unset} are unset"


def thread_lines(blas):
    """The thread variables, the CPUs and the thread count the BLAS is expected to use."""
    cpus = usable_cpus()
    variables = " ".join(f"{name}={os.environ.get(name, '<unset>')}"
                         for name in PRINTED_THREAD_VARIABLES)
    count, why = expected_blas_threads(blas, os.environ, cpus)
    expected = f"{count} ({why})" if count is not None else why
    return [
        f"thread variables: {variables}",
        f"cpus: {cpus} usable by this process, os.cpu_count() = {os.cpu_count()}",
        f"blas threads: {expected}; not measured (that needs threadpoolctl, not installed "
        "with nnnumpy)",
    ]


def cupy_line(hidden):
    """Whether CuPy imports and sees a GPU; never an error where it is missing."""
    if any(name == "cupy" and hides for name, _, hides in hidden):
        return "cupy: not checked, a file of the current folder hides it (see the warning)"
    if module_origin("cupy") is None:
        return "cupy: not installed (optional, for the GPU backend: pip install cupy-cuda12x)"
    try:
        import cupy
    except Exception as error:  # a broken CUDA install fails in many ways
        return f"cupy: installed but does not import: {type(error).__name__}: {error}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        names = [cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()
                 for index in range(count)]
    except Exception as error:  # no driver, or a driver too old for this CuPy
        return f"cupy: {cupy.__version__} imports, but no GPU is usable: {error}"
    if count == 0:
        return f"cupy: {cupy.__version__} imports, but CUDA sees 0 GPUs"
    return f"cupy: {cupy.__version__}, {count} GPU(s) visible: {', '.join(names)}"


def language_lines(hidden):
    """The language chosen (nnnumpy.language) and the font for Chinese figure text."""
    from nnnumpy.language import LANG_ENV, language

    reason = "the default: no language variable is set"
    for variable in (LANG_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):   # in language()'s order
        value = os.environ.get(variable, "").strip()
        if value:
            reason = f"{variable}={value}"
            break
    try:
        lines = [f"language: {language()} (from {reason})"]
    except ValueError as error:
        lines = [f"language: en, since {error}"]
    if any(name == "matplotlib" and hides for name, _, hides in hidden) \
            or module_origin("matplotlib") is None:
        return lines + ["chinese font: not checked (matplotlib is missing or hidden)"]
    from nnnumpy.plotting import chinese_font

    font = chinese_font()
    if font is None:
        lines.append("chinese font: none, so figure text stays English under zh (install one: "
                     "Debian/Ubuntu fonts-noto-cjk or fonts-wqy-microhei)")
    else:
        lines.append(f"chinese font: {font}")
    return lines


def mnist_lines(mnist):
    """Where ``load_mnist()`` would read MNIST from and why, and whether the files are intact."""
    try:
        root, reason = mnist.data_location()
    except OSError as error:
        return [f"mnist folder: unusable: {error}"]
    lines = [f"mnist folder: {root} ({mnist.LOCATION_REASONS[reason]})"]
    folders = [root, root / "mnist"]
    found = {}
    for folder in folders:
        found = {key: mnist.existing_file(folder, mnist.FILE_NAMES[key])
                 for key in mnist.FILE_KEYS}
        if all(found.values()):
            break
    present = {key: path for key, path in found.items() if path is not None}
    if len(present) < len(mnist.FILE_KEYS):
        lines.append(f"mnist files: {len(present)} of {len(mnist.FILE_KEYS)} found in "
                     f"{folders[0]} or {folders[1]}; load_mnist() would download the missing "
                     f"ones into {root / 'mnist'}")
        return lines
    checksums = mnist.DATASETS["mnist"]["md5"]
    for key, path in present.items():
        try:
            mnist.read_verified(path, checksums[key])  # one file in memory at a time
        except (OSError, ValueError) as error:
            lines.append(f"mnist files: 4 of 4 found, but {error}")
            return lines
    lines.append(f"mnist files: 4 of 4 in {folder}, checksums verified")
    return lines


def shadowing_entries(folder, package_folder=None):
    """Files and folders in ``folder`` named like a package nnnumpy imports.

    Returns ``[(name, path, hides)]``. ``hides`` says whether ``import name`` run from
    ``folder`` loads the entry instead of the installed package: a ``name.py`` file or a
    ``name/`` folder with an ``__init__.py`` does; a folder without one is used only where
    the package is not installed. A ``nnnumpy/`` folder that is ``package_folder``, the
    package in use (the current folder is the clone), is not listed.
    """
    folder = Path(folder)
    entries = []
    for name in WATCHED_NAMES:
        module_file = folder / f"{name}.py"
        package = folder / name
        if module_file.is_file():
            entries.append((name, module_file, True))
        if package.is_dir():
            if package_folder is not None and package.resolve() == Path(package_folder).resolve():
                continue
            entries.append((name, package, (package / "__init__.py").is_file()))
    return entries


def shadowing_warning(name, path, hides):
    """One ``warning:`` line about ``path``, named like the package ``name``."""
    kind = "folder" if path.is_dir() else "file"
    if hides:
        return (f"warning: the {kind} {path} hides the installed {name}: Python started in "
                f"this folder imports it instead; rename it")
    return (f"warning: the {kind} {path} is named like the package {name}: it is imported "
            f"instead wherever {name} is not installed; rename it to be safe")


def shadowing_hint(folder=None):
    """A sentence naming what in ``folder`` (the current one) hides a package nnnumpy needs.

    Empty when nothing does. Meant for an import of nnnumpy that failed: a student's
    ``numpy.py`` beside the notebook is the usual cause.
    """
    folder = Path.cwd() if folder is None else Path(folder)
    hiding = [f"{path} is imported instead of the installed {name}"
              for name, path, hides in shadowing_entries(folder)
              if hides and name in REQUIRED_PACKAGES]
    if not hiding:
        return ""
    return ("nnnumpy cannot import what it needs from this folder: " + "; ".join(hiding)
            + ". Rename what is in the way and start Python again.")
