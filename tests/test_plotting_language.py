"""Figure text in the reader's language: tr(english, chinese) and the font it needs."""

import warnings
from types import SimpleNamespace

import matplotlib
import pytest
from matplotlib import font_manager

from nnnumpy import plotting
from nnnumpy.language import LANG_ENV
from nnnumpy.plotting import chinese_font, new_figure, tr

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def sans_serif():
    """Restore matplotlib's sans-serif list, which tr() may change."""
    before = list(matplotlib.rcParams["font.sans-serif"])
    yield
    matplotlib.rcParams["font.sans-serif"] = before


@pytest.fixture
def chinese(monkeypatch, sans_serif):
    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(LANG_ENV, "zh")


def installed_fonts(monkeypatch, names):
    fonts = [SimpleNamespace(name=name) for name in names]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts)


def test_english_reader_gets_english_whatever_the_fonts(monkeypatch, sans_serif):
    monkeypatch.setenv(LANG_ENV, "en")
    installed_fonts(monkeypatch, ["DejaVu Sans", "Noto Sans CJK SC"])
    assert tr("loss", "损失") == "loss"
    monkeypatch.delenv(LANG_ENV)
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert tr("loss", "损失") == "loss"


def test_chinese_reader_with_a_font_gets_chinese_drawn_in_that_font(chinese, monkeypatch):
    installed_fonts(monkeypatch, ["DejaVu Sans", "WenQuanYi Micro Hei"])
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans", "Arial"]
    assert tr("loss", "损失") == "损失"
    assert matplotlib.rcParams["font.sans-serif"] == ["WenQuanYi Micro Hei", "DejaVu Sans",
                                                      "Arial"]
    assert tr("accuracy", "准确率") == "准确率"    # a second call leaves the list as it is
    assert matplotlib.rcParams["font.sans-serif"][:2] == ["WenQuanYi Micro Hei", "DejaVu Sans"]


def test_a_chinese_locale_chooses_chinese_too(monkeypatch, sans_serif):
    for variable in (LANG_ENV, *LOCALE_VARIABLES):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    installed_fonts(monkeypatch, ["Noto Sans CJK SC"])
    assert tr("loss", "损失") == "损失"


def test_chinese_reader_without_a_font_gets_english_and_no_glyph_warnings(chinese, monkeypatch):
    monkeypatch.setattr(plotting, "chinese_font", lambda: None)
    before = list(matplotlib.rcParams["font.sans-serif"])
    assert tr("training loss", "训练损失") == "training loss"
    assert list(matplotlib.rcParams["font.sans-serif"]) == before
    figure = new_figure(4, 3)
    axes = figure.add_subplot()
    axes.set_title(tr("training loss", "训练损失"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.canvas.draw()


def test_the_preferred_font_wins(monkeypatch):
    installed_fonts(monkeypatch, ["SimHei", "DejaVu Sans", "Noto Sans CJK SC"])
    assert chinese_font() == "Noto Sans CJK SC"
    installed_fonts(monkeypatch, ["DejaVu Sans", "SimHei"])
    assert chinese_font() == "SimHei"
    installed_fonts(monkeypatch, ["DejaVu Sans"])
    assert chinese_font() is None
    assert plotting.CHINESE_FONTS[0] == "Noto Sans CJK SC"


def test_label_takes_two_strings():
    with pytest.raises(TypeError, match="two strings, got str and int"):
        tr("loss", 3)
    with pytest.raises(TypeError, match="got NoneType and str"):
        tr(None, "损失")


def test_a_bad_language_variable_is_named(monkeypatch):
    monkeypatch.setenv(LANG_ENV, "fr")
    with pytest.raises(ValueError, match="NNNUMPY_LANG must be 'en' or 'zh', got 'fr'"):
        tr("loss", "损失")


@pytest.mark.skipif(chinese_font() is None, reason="no font that draws Chinese is installed")
def test_with_a_real_chinese_font_the_text_draws_without_missing_glyphs(chinese):
    figure = new_figure(4, 3)
    axes = figure.add_subplot()
    axes.plot([-2.0, 2.0], [-1.0, 1.0])          # negative ticks: the minus sign too
    axes.set_title(tr("training loss", "训练损失（交叉熵）"))
    axes.set_xlabel(tr("epoch", "轮次 epoch"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.canvas.draw()
