"""Assignment 08 (im2col/col2im, convolution, max pooling): the checks pass the package's
code, name the typical mistakes of wrong answers, and the notebook's solutions earn every
point."""

from pathlib import Path

import numpy as np
import pytest

from nnnumpy import book, conv
from nnnumpy.homework import hw08_convolution as hw

from .conftest import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "08_convolution.ipynb"


# ----------------------------------------------------------------- im2col, col2im
def im2col(x, filter_h, filter_w, stride=1, pad=0, swap_kernel=False, mixed=False):
    n, c, height, width = x.shape
    out_h = (height + 2 * pad - filter_h) // stride + 1
    out_w = (width + 2 * pad - filter_w) // stride + 1
    image = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.zeros((n, c, filter_h, filter_w, out_h, out_w))
    for i in range(filter_h):
        for j in range(filter_w):
            col[:, :, i, j] = image[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
    if swap_kernel:
        col = col.transpose(0, 1, 3, 2, 4, 5)
    if mixed:
        col = col.transpose(0, 1, 4, 5, 2, 3)
    return col.reshape(n, c * filter_h * filter_w, out_h * out_w)


def im2col_kernel_swapped(x, filter_h, filter_w, stride=1, pad=0):
    return im2col(x, filter_h, filter_w, stride, pad, swap_kernel=True)


def im2col_mixed(x, filter_h, filter_w, stride=1, pad=0):
    return im2col(x, filter_h, filter_w, stride, pad, mixed=True)


def im2col_positions_swapped(x, filter_h, filter_w, stride=1, pad=0):
    col = im2col(x, filter_h, filter_w, stride, pad)
    out_h = (x.shape[2] + 2 * pad - filter_h) // stride + 1
    n, rows, _ = col.shape
    return col.reshape(n, rows, out_h, -1).transpose(0, 1, 3, 2).reshape(n, rows, -1)


def im2col_channels_last(x, filter_h, filter_w, stride=1, pad=0):
    col = im2col(x, filter_h, filter_w, stride, pad)
    n, c = x.shape[:2]
    six = col.reshape(n, c, filter_h, filter_w, -1)
    return six.transpose(0, 2, 3, 1, 4).reshape(col.shape)


def im2col_no_stride(x, filter_h, filter_w, stride=1, pad=0):
    return im2col(x, filter_h, filter_w, 1, pad)


def im2col_no_pad(x, filter_h, filter_w, stride=1, pad=0):
    return im2col(x, filter_h, filter_w, stride, 0)


def im2col_textbook(x, filter_h, filter_w, stride=1, pad=0):
    col = im2col(x, filter_h, filter_w, stride, pad)
    return col.transpose(0, 2, 1).reshape(-1, col.shape[1])


def col2im(col, x_shape, filter_h, filter_w, stride=1, pad=0, assign=False, unpad=True):
    n, c, height, width = x_shape
    out_h = (height + 2 * pad - filter_h) // stride + 1
    out_w = (width + 2 * pad - filter_w) // stride + 1
    col = col.reshape(n, c, filter_h, filter_w, out_h, out_w)
    image = np.zeros((n, c, height + 2 * pad, width + 2 * pad))
    for i in range(filter_h):
        for j in range(filter_w):
            window = (slice(None), slice(None), slice(i, i + stride * out_h, stride),
                      slice(j, j + stride * out_w, stride))
            if assign:
                image[window] = col[:, :, i, j]
            else:
                image[window] += col[:, :, i, j]
    return image[:, :, pad:height + pad, pad:width + pad] if unpad else image


def col2im_assigning(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    return col2im(col, x_shape, filter_h, filter_w, stride, pad, assign=True)


def col2im_padded(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    return col2im(col, x_shape, filter_h, filter_w, stride, pad, unpad=False)


def col2im_stub(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    raise NotImplementedError()


# ----------------------------------------------------------------- convolution
class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        filters, _, filter_h, filter_w = self.W.shape
        n, _, height, width = x.shape
        out_h = (height + 2 * self.pad - filter_h) // self.stride + 1
        out_w = (width + 2 * self.pad - filter_w) // self.stride + 1
        self.x_shape = x.shape
        self.col = im2col(x, filter_h, filter_w, self.stride, self.pad)
        out = self.W.reshape(filters, -1) @ self.col + self.b[:, None]
        return out.reshape(n, filters, out_h, out_w)

    def backward(self, dout):
        filters, _, filter_h, filter_w = self.W.shape
        dout = dout.reshape(dout.shape[0], filters, -1)
        self.db = dout.sum(axis=(0, 2))
        self.dW = (dout @ self.col.transpose(0, 2, 1)).sum(axis=0).reshape(self.W.shape)
        dcol = self.W.reshape(filters, -1).T @ dout
        return self.col2im(dcol, self.x_shape, filter_h, filter_w, self.stride, self.pad)

    col2im = staticmethod(col2im)


class ConvolutionNoBias(Convolution):
    def forward(self, x):
        return super().forward(x) - self.b[:, None, None]


class ConvolutionFlipped(Convolution):
    def forward(self, x):
        self.W = self.W[:, :, ::-1, ::-1]
        return super().forward(x)


class ConvolutionTextbookReshape(Convolution):
    def forward(self, x):
        out = super().forward(x)
        n, filters, out_h, out_w = out.shape
        rows = out.transpose(0, 2, 3, 1).reshape(-1, filters)   # (N OH OW, FN)
        return rows.reshape(n, filters, out_h, out_w)


class ConvolutionDbNotSummed(Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.sum(axis=(2, 3))
        return dx


class ConvolutionDwWrongOrder(Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        filters = self.W.shape[0]
        dW_row = self.dW.reshape(filters, -1)
        self.dW = dW_row.T.reshape(self.W.shape)
        return dx


class ConvolutionAssigningCol2im(Convolution):
    col2im = staticmethod(col2im_assigning)


class ConvolutionDividedByN(Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW / dout.shape[0]
        return dx


class ConvolutionHalfDx(Convolution):
    """A mistake with no known pattern."""

    def backward(self, dout):
        return super().backward(dout) + 0.01


# ----------------------------------------------------------------- max pooling
class MaxPooling:
    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        self.pool_h, self.pool_w = pool_h, pool_w
        self.stride = pool_h if stride is None else stride
        self.pad = pad

    def forward(self, x):
        n, c, height, width = x.shape
        self.x_shape = x.shape
        out_h = (height + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (width + 2 * self.pad - self.pool_w) // self.stride + 1
        col = im2col(x.reshape(n * c, 1, height, width), self.pool_h, self.pool_w,
                     self.stride, self.pad)                      # (N C, PH PW, OH OW)
        self.argmax = self.choose(col)
        self.col_shape = col.shape
        return col.max(axis=1).reshape(n, c, out_h, out_w)

    def choose(self, col):
        return np.argmax(col, axis=1)

    def backward(self, dout):
        n, c, height, width = self.x_shape
        dcol = np.zeros(self.col_shape)
        rows, columns = np.indices(self.argmax.shape)
        dcol[rows, self.argmax, columns] = dout.reshape(self.argmax.shape)
        dx = self.col2im(dcol, (n * c, 1, height, width))
        return dx.reshape(self.x_shape)

    def col2im(self, dcol, shape):
        return col2im(dcol, shape, self.pool_h, self.pool_w, self.stride, self.pad)


class MaxPoolingEveryTie(MaxPooling):
    def backward(self, dout):
        n, c, height, width = self.x_shape
        col = self.x_col
        dcol = (col == col.max(axis=1, keepdims=True)) * dout.reshape(n * c, 1, -1)
        return self.col2im(dcol, (n * c, 1, height, width)).reshape(self.x_shape)

    def choose(self, col):
        self.x_col = col
        return np.argmax(col, axis=1)


class MaxPoolingLastTie(MaxPooling):
    def choose(self, col):
        return col.shape[1] - 1 - np.argmax(col[:, ::-1], axis=1)


class MaxPoolingAssigns(MaxPooling):
    def col2im(self, dcol, shape):
        return col2im_assigning(dcol, shape, self.pool_h, self.pool_w, self.stride, self.pad)


class MaxPoolingLoopAssigns(MaxPooling):
    """A window-by-window loop that assigns dout to each window's maximum."""

    def backward(self, dout):
        image = np.pad(np.zeros(self.x_shape), ((0, 0), (0, 0), (self.pad,) * 2,
                                                (self.pad,) * 2))
        x = self.padded
        for n, c, row, column in np.ndindex(dout.shape):
            top, left = row * self.stride, column * self.stride
            window = x[n, c, top:top + self.pool_h, left:left + self.pool_w]
            i, j = np.unravel_index(np.argmax(window), window.shape)
            image[n, c, top + i, left + j] = dout[n, c, row, column]
        height, width = self.x_shape[2:]
        return image[:, :, self.pad:height + self.pad, self.pad:width + self.pad]

    def choose(self, col):
        return np.argmax(col, axis=1)

    def forward(self, x):
        self.padded = np.pad(x, ((0, 0), (0, 0), (self.pad,) * 2, (self.pad,) * 2))
        return super().forward(x)


class MaxPoolingSpread(MaxPooling):
    def backward(self, dout):
        average = conv.AveragePooling(self.pool_h, self.pool_w, self.stride, self.pad)
        average.x_shape = self.x_shape
        return average.backward(dout)


class MaxPoolingClearsDout(MaxPooling):
    def backward(self, dout):
        dx = super().backward(dout)
        dout.fill(0.0)     # "reusing the buffer"
        return dx


class MaxPoolingAverage(MaxPooling):
    def forward(self, x):
        out = super().forward(x)
        return conv.AveragePooling(self.pool_h, self.pool_w, self.stride, self.pad).forward(x) \
            + 0 * out


class MaxPoolingStub(MaxPooling):
    def forward(self, x):
        raise NotImplementedError()


CHECKS = {"im2col": hw.check_im2col, "col2im": hw.check_col2im,
          "conv_forward": hw.check_convolution_forward,
          "conv_backward": hw.check_convolution_backward, "pooling": hw.check_max_pooling}
RIGHT = [("im2col", conv.im2col), ("im2col", im2col), ("col2im", conv.col2im),
         ("col2im", col2im), ("conv_forward", conv.Convolution), ("conv_forward", Convolution),
         ("conv_backward", conv.Convolution), ("conv_backward", Convolution),
         ("pooling", conv.Pooling), ("pooling", MaxPooling)]
WRONG = [
    ("im2col", im2col_kernel_swapped, "kernel_yx_swapped"),
    ("im2col", im2col_mixed, "offsets_and_positions_mixed"),
    ("im2col", im2col_no_pad, "padding_ignored"),
    ("im2col", im2col_positions_swapped, "output_yx_swapped"),
    ("im2col", im2col_channels_last, "rows_not_channel_first"),
    ("im2col", im2col_no_stride, "stride_ignored"),
    ("im2col", im2col_textbook, "textbook_layout"),
    ("im2col", book.im2col, "textbook_layout"),
    ("col2im", col2im_assigning, "col2im_assigns"),
    ("col2im", col2im_padded, "padding_not_removed"),
    ("conv_forward", ConvolutionNoBias, "bias_not_added"),
    ("conv_forward", ConvolutionFlipped, "kernel_flipped"),
    ("conv_forward", ConvolutionTextbookReshape, "output_reshaped_wrong"),
    ("conv_backward", ConvolutionDbNotSummed, "db_not_summed"),
    ("conv_backward", ConvolutionDwWrongOrder, "dw_reshaped_wrong"),
    ("conv_backward", ConvolutionAssigningCol2im, "col2im_assigns"),
    ("conv_backward", ConvolutionDividedByN, "divided_by_batch_size"),
    ("pooling", MaxPoolingEveryTie, "gradient_to_every_tied_max"),
    ("pooling", MaxPoolingLastTie, "gradient_to_last_tied_max"),
    ("pooling", MaxPoolingAssigns, "pool_gradient_assigned"),
    ("pooling", MaxPoolingLoopAssigns, "pool_gradient_assigned"),
    ("pooling", MaxPoolingAverage, "average_instead_of_max"),
    ("pooling", MaxPoolingSpread, "gradient_spread_evenly"),
    ("pooling", MaxPoolingClearsDout, "dout_modified_in_place"),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("part, right", RIGHT,
                         ids=[f"{part}-{right.__module__.split('.')[-1]}" for part, right in RIGHT])
def test_a_right_answer_scores_full_marks(part, right, hidden):
    result = CHECKS[part](right, hidden=hidden)
    assert result.passed and result.points == result.max_points > 0


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("part, wrong, mistake", WRONG,
                         ids=[f"{row[0]}-{row[2]}" for row in WRONG])
def test_a_typical_mistake_loses_points_and_is_named(part, wrong, mistake, hidden):
    result = CHECKS[part](wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_partial_points_keep_what_is_right():
    assert hw.check_convolution_backward(ConvolutionDbNotSummed).points == 2
    assert hw.check_max_pooling(MaxPoolingEveryTie).points == 1
    assert hw.check_max_pooling(MaxPoolingAverage).points == 2


def test_the_pooling_cases_have_ties_and_overlaps():
    assert any(stride < max(pool_h, pool_w) for _, pool_h, pool_w, stride, _ in
               hw._pool_cases(False))
    # The written-out backward (first tie) is the package's, and every tie is not.
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 2, size=(1, 2, 5, 6)).astype(float)
    reference = conv.Pooling(3, 3, 1, 0)
    dout = rng.normal(size=reference.forward(x).shape)
    expected = reference.backward(dout)
    np.testing.assert_allclose(hw._pool_backward_variant(x, dout, 3, 3, 1, 0), expected)
    every = hw._pool_backward_variant(x, dout, 3, 3, 1, 0, "gradient_to_every_tied_max")
    assert not np.allclose(every, expected)


def test_an_unknown_mistake_gets_where_it_differs():
    result = hw.check_convolution_backward(ConvolutionHalfDx)
    assert result.points == 2 and result.mistake is None and result.hint == ""
    assert "dx differs in" in " ".join(result.details)
    assert "relative error" in " ".join(result.details)


@pytest.mark.parametrize("part, stub", [("col2im", col2im_stub), ("pooling", MaxPoolingStub)])
def test_a_stub_gets_zero_and_not_implemented_yet(part, stub):
    result = CHECKS[part](stub)
    assert result.points == 0 and "not implemented yet" in " ".join(result.details)


def test_the_checker_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="im2col must be"):
        hw.check_im2col(np.zeros(3))


def test_the_checks_are_deterministic_and_hidden_uses_other_inputs():
    for part, wrong, _ in WRONG[::3]:
        assert CHECKS[part](wrong).to_dict() == CHECKS[part](wrong).to_dict()
    assert hw._image_cases(False) != hw._image_cases(True)
    assert hw._conv_cases(False) != hw._conv_cases(True)
    assert hw._pool_cases(False) != hw._pool_cases(True)



@pytest.mark.slow
def test_the_notebook_solutions_score_every_point(tmp_path, monkeypatch):
    notebook, results = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    check_cells = [cell for cell in notebook.cells
                   if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    assert len(check_cells) == 5
    assert len(results) == 2 * len(check_cells)     # a public and a hidden check per cell
    assert all(row["passed"] for row in results), [row for row in results if not row["passed"]]
    assert sum(row["max_points"] for row in results) == \
        sum(cell.metadata["nbgrader"]["points"] for cell in check_cells)

