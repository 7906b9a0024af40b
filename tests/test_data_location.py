"""Where load_mnist looks: the argument, NNNUMPY_DATA, the clone's data/, else the user's cache.

A clone and an installed package are simulated by pointing the rule at a fake package
folder in tmp_path, so these tests do not depend on how nnnumpy is installed here.
"""

from pathlib import Path

import pytest

from nnnumpy.datasets import mnist
from nnnumpy.datasets.mnist import clone_data_folder, data_location, user_cache_folder


def make_clone(root, project_name="nnnumpy"):
    """A fake clone at ``root``: setup.cfg, data/README.md and the package folder; returns it."""
    (root / "nnnumpy").mkdir(parents=True)
    (root / "nnnumpy" / "__init__.py").write_text("")
    (root / "setup.cfg").write_text(f"[metadata]\nname = {project_name}\n")
    (root / "data").mkdir()
    (root / "data" / "README.md").write_text("Datasets are downloaded here.\n")
    return root / "nnnumpy"


def make_installed(environment):
    """A fake installed package under ``environment``'s site-packages; returns its folder."""
    site_packages = environment / "lib" / "python3.11" / "site-packages"
    package = site_packages / "nnnumpy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    return package


@pytest.fixture
def no_override(monkeypatch, tmp_path):
    """No NNNUMPY_DATA, and the cache convention of Linux with XDG_CACHE_HOME in tmp_path."""
    monkeypatch.delenv("NNNUMPY_DATA", raising=False)
    monkeypatch.setattr(mnist.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "nnnumpy"


def test_a_clone_uses_its_data_folder(tmp_path, no_override):
    package = make_clone(tmp_path / "clone")
    assert clone_data_folder(package) == tmp_path / "clone" / "data"
    assert data_location(package_folder=package) == (tmp_path / "clone" / "data", "clone")


def test_an_installed_package_uses_the_cache_never_site_packages(tmp_path, no_override):
    package = make_installed(tmp_path / "env")
    assert clone_data_folder(package) is None
    folder, reason = data_location(package_folder=package)
    assert (folder, reason) == (no_override, "cache")
    assert "site-packages" not in folder.parts


def test_site_packages_is_not_a_clone_even_with_setup_cfg_and_data_beside(tmp_path,
                                                                          no_override):
    # Some packages install a data/ folder with a README into site-packages, and a
    # setup.cfg there is not unheard of: inside site-packages it is never the clone.
    site_packages = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    package = make_clone(site_packages)
    assert clone_data_folder(package) is None
    package = make_clone(tmp_path / "usr" / "lib" / "python3" / "dist-packages")
    assert clone_data_folder(package) is None
    assert data_location(package_folder=package) == (no_override, "cache")


@pytest.mark.parametrize("remove", ["setup.cfg", "data/README.md", "data"])
def test_a_folder_that_misses_a_mark_of_the_clone_is_not_one(tmp_path, no_override, remove):
    package = make_clone(tmp_path / "clone")
    target = tmp_path / "clone" / remove
    if target.is_dir():
        (target / "README.md").unlink()
        target.rmdir()
    else:
        target.unlink()
    assert clone_data_folder(package) is None
    assert data_location(package_folder=package)[1] == "cache"


def test_another_projects_setup_cfg_does_not_make_a_clone(tmp_path, no_override):
    package = make_clone(tmp_path / "course", project_name="course-material")
    assert clone_data_folder(package) is None


def test_nnnumpy_data_overrides_the_clone(tmp_path, no_override, monkeypatch):
    package = make_clone(tmp_path / "clone")
    (tmp_path / "shared").mkdir()
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path / "shared"))
    assert data_location(package_folder=package) == (tmp_path / "shared", "NNNUMPY_DATA")


def test_nnnumpy_data_overrides_the_cache(tmp_path, no_override, monkeypatch):
    package = make_installed(tmp_path / "env")
    (tmp_path / "shared").mkdir()
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path / "shared"))
    assert data_location(package_folder=package) == (tmp_path / "shared", "NNNUMPY_DATA")


def test_the_argument_overrides_nnnumpy_data_and_the_rest(tmp_path, no_override, monkeypatch):
    package = make_installed(tmp_path / "env")
    (tmp_path / "shared").mkdir()
    monkeypatch.setenv("NNNUMPY_DATA", str(tmp_path / "shared"))
    assert data_location(tmp_path / "mine", package_folder=package) == (tmp_path / "mine",
                                                                         "data_dir")
    clone = make_clone(tmp_path / "clone")
    assert data_location(str(tmp_path / "mine"), package_folder=clone)[1] == "data_dir"


def test_an_empty_nnnumpy_data_counts_as_unset(tmp_path, no_override, monkeypatch):
    monkeypatch.setenv("NNNUMPY_DATA", "")
    assert data_location(package_folder=make_installed(tmp_path / "env"))[1] == "cache"


@pytest.mark.parametrize("platform, environ, expected", [
    ("linux", {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/nnnumpy")),
    ("linux", {}, Path("/home/ada/.cache/nnnumpy")),
    # The XDG specification says a relative XDG_CACHE_HOME is invalid and must be ignored.
    ("linux", {"XDG_CACHE_HOME": "relative/cache"}, Path("/home/ada/.cache/nnnumpy")),
    ("freebsd13", {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/nnnumpy")),
    ("darwin", {"XDG_CACHE_HOME": "/xdg"}, Path("/home/ada/Library/Caches/nnnumpy")),
    ("win32", {"LOCALAPPDATA": "/appdata/local"}, Path("/appdata/local/nnnumpy/Cache")),
    ("win32", {}, Path("/home/ada/AppData/Local/nnnumpy/Cache")),
])
def test_the_cache_folder_follows_each_platforms_convention(platform, environ, expected):
    assert user_cache_folder(platform, environ, home=Path("/home/ada")) == expected


def test_the_cache_folder_defaults_to_this_process(monkeypatch, tmp_path):
    monkeypatch.setattr(mnist.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_folder() == tmp_path / "nnnumpy"


def test_this_checkout_is_recognised_as_a_clone():
    # The tests run from the repository, where data/ is the place for the files.
    repository = Path(__file__).resolve().parents[1]
    package = repository / "nnnumpy"
    assert clone_data_folder(package) == repository / "data"


def test_offline_in_the_cache_the_error_names_the_folder_the_reason_and_the_overrides(
        tmp_path, no_override, monkeypatch):
    monkeypatch.setattr(mnist, "PACKAGE_FOLDER", make_installed(tmp_path / "env"))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_mnist(download=False)
    message = str(info.value)
    for needed in (str(no_override), "user's cache folder", "data_dir=", "NNNUMPY_DATA"):
        assert needed in message
    assert not no_override.exists()  # looking creates nothing


def test_offline_in_a_clone_the_error_names_its_data_folder(tmp_path, no_override,
                                                            monkeypatch):
    monkeypatch.setattr(mnist, "PACKAGE_FOLDER", make_clone(tmp_path / "clone"))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_mnist(download=False)
    message = str(info.value)
    assert str(tmp_path / "clone" / "data" / "mnist") in message
    assert "repository's data/" in message
