"""Figures, drawn with matplotlib's Agg renderer and saved as files (PNG, PDF, SVG, ...).

No pyplot and no global backend switch: each function builds a ``Figure``, draws,
saves it and lets it go, so it works on machines without a screen.

``tr(english, chinese)`` gives figure text in the reader's language (see
``nnnumpy.language``); the tutorials use it so that their code is the same in both.
"""

import io
from pathlib import Path

import numpy as np

from .io import write_atomically
from .language import language

# Installed fonts that draw simplified Chinese, in order of preference: Noto Sans CJK SC
# and WenQuanYi Micro Hei on Linux (Debian's fonts-noto-cjk, fonts-wqy-microhei),
# Microsoft YaHei and SimHei on Windows, PingFang SC and Heiti SC on macOS.
CHINESE_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                 "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                 "STHeiti", "Arial Unicode MS")


def chinese_font():
    """The name of the first font of CHINESE_FONTS that matplotlib knows, or None.

    matplotlib lists the installed fonts once and caches the list; a font installed
    after that is seen once its cache (``matplotlib.get_cachedir()``, fontlist-*.json)
    is deleted.
    """
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CHINESE_FONTS:
        if name in installed:
            return name
    return None


def tr(english, chinese):
    """Figure text in the reader's language: ``english``, or ``chinese`` when it can be drawn.

    Chinese when ``nnnumpy.language.language()`` is 'zh' (NNNUMPY_LANG=zh, or a Chinese
    locale) and a font that draws it is installed (``chinese_font()``); it then puts
    that font first in matplotlib's sans-serif list, for every figure drawn after it.
    Without such a font the answer is English: Chinese drawn in a Latin font comes out
    as empty boxes, with one warning per missing glyph.
    """
    if not isinstance(english, str) or not isinstance(chinese, str):
        raise TypeError(f"tr(english, chinese) takes two strings, got "
                        f"{type(english).__name__} and {type(chinese).__name__}")
    if language() != "zh":
        return english
    font = chinese_font()
    if font is None:
        return english
    import matplotlib

    families = list(matplotlib.rcParams["font.sans-serif"])
    if families[:1] != [font]:
        matplotlib.rcParams["font.sans-serif"] = [font] + [name for name in families
                                                           if name != font]
    return chinese


def new_figure(width, height):
    """A Figure with an Agg canvas, independent of pyplot's state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def figure_formats():
    """The file types a figure can be saved as, by suffix: png, pdf, svg, jpg, ..."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return set(FigureCanvasAgg.get_supported_filetypes())


def save_figure(figure, path):
    """Save in the format the suffix names (.png, .pdf, .svg, ...), creating the folder.

    The file appears whole or not at all. Returns the path; ValueError for a suffix
    that names no image format, or for an existing ``path`` that is not a regular file
    (a named pipe, a device such as /dev/null), which is left as it is.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in figure_formats():
        raise ValueError(f"path {path}: the suffix must name an image format, one of "
                         f"{', '.join(sorted(figure_formats()))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    content = io.BytesIO()
    figure.savefig(content, format=suffix)
    write_atomically(path, content.getvalue())
    return path


def moving_average(values, window):
    """Mean of each run of ``window`` consecutive values (shorter at the start)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(ends - window, 0)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def plot_learning_curves(history, path, title=None):
    """Left: per-iteration loss, raw and smoothed. Right: accuracy per epoch. Saves a PNG."""
    figure = new_figure(11, 4)
    loss_axes, accuracy_axes = figure.subplots(1, 2)

    losses = np.asarray(history["loss"], dtype=np.float64)
    iterations = np.arange(1, losses.size + 1)
    window = max(1, losses.size // 50)
    loss_axes.plot(iterations, losses, color="tab:blue", alpha=0.25, linewidth=0.8,
                   label="batch loss")
    loss_axes.plot(iterations, moving_average(losses, window), color="tab:blue",
                   label=f"moving average ({window})")
    loss_axes.set_xlabel("iteration")
    loss_axes.set_ylabel("training loss")
    loss_axes.set_yscale("log")
    loss_axes.legend()

    epochs = np.arange(1, len(history["test_acc"]) + 1)
    for key, label in [("train_acc", "train"), ("val_acc", "validation"), ("test_acc", "test")]:
        if history.get(key):
            accuracy_axes.plot(epochs, history[key], marker="o", label=label)
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("accuracy")
    accuracy_axes.grid(alpha=0.3)
    accuracy_axes.legend()
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def mosaic(images, columns, gap=1):
    """Tile images (K, h, w) into one (rows * (h + gap) - gap, columns * (w + gap) - gap)
    picture, each scaled to its own [0, 1] range; the gaps are left blank (NaN)."""
    images = np.asarray(images, dtype=np.float64)
    count, height, width = images.shape
    rows = -(-count // columns)
    picture = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan)
    for k, image in enumerate(images):
        low, high = image.min(), image.max()
        row, column = divmod(k, columns)
        top, left = row * (height + gap), column * (width + gap)
        picture[top:top + height, left:left + width] = (image - low) / ((high - low) or 1)
    return picture


def plot_filters(path, filters_before, filters_after, image, feature_maps, title=None):
    """The first convolution layer, before and after training, and what it sees in a digit.

    filters_*: (FN, 1, FH, FW); image: (H, W); feature_maps: (FN, OH, OW), the layer's
    output (after ReLU) for that image. Each tile is scaled to its own range: dark is low.
    """
    figure = new_figure(16, 4.5)
    panels = figure.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 0.55, 1.6]})
    columns = int(np.ceil(np.sqrt(len(filters_before))))
    for axes, pictures, label in [(panels[0], filters_before[:, 0], "filters before training"),
                                  (panels[1], filters_after[:, 0], "filters after training"),
                                  (panels[3], feature_maps, "feature maps of the digit (ReLU)")]:
        axes.imshow(mosaic(pictures, columns), cmap="gray", interpolation="nearest")
        axes.set_title(label)
    panels[2].imshow(image, cmap="gray_r", interpolation="nearest")
    panels[2].set_title("the digit")
    for axes in panels:
        axes.set_axis_off()
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)
