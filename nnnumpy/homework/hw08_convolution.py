"""Checks for assignment 08: im2col/col2im, a convolution layer and max pooling.

The layout is ``nnnumpy.conv``'s: ``im2col(x, FH, FW, stride, pad)`` turns images
x: (N, C, H, W) into col: (N, C * FH * FW, OH * OW), one matrix per image, whose column
(oh, ow) is the window at (oh * stride, ow * stride) of the padded image and whose row
(c, i, j) is pixel (i, j) of channel c of every window. (The textbook's layout, one
window per row, (N * OH * OW, C * FH * FW), is ``nnnumpy.book.im2col``: each matrix
transposed, stacked.) ``col2im`` adds the columns back, the backward pass of im2col.

The inputs expose the usual mistakes: non-square images and filters (so that y and x
cannot be swapped unseen), strides smaller than the window (windows overlap, so an
assignment loses gradient), padding, a batch of one, and for pooling small integers
(ties: the package sends the gradient to the first maximum in reading order).
"""

import numpy as np

from .. import book, conv
from ..gradcheck import rel_error
from .core import CheckResult, call_student, diagnose, differences, pick_hint, report, verdict

HINTS = {
    "textbook_layout": "This assignment uses nnnumpy's layout, one matrix per image: "
                       "(N, C * FH * FW, OH * OW), a window per column. The textbook's "
                       "(N * OH * OW, C * FH * FW) is its transpose, stacked.",
    "kernel_yx_swapped": "Row (c, i, j) holds pixel (i, j) of the window, i down (height) and "
                         "j across (width): the offsets seem swapped.",
    "output_yx_swapped": "Column oh * OW + ow holds the window at row oh, column ow: the "
                         "output positions seem swapped (ow * OH + oh).",
    "offsets_and_positions_mixed": "Build col as (N, C, FH, FW, OH, OW) before reshaping: an "
                                   "array laid out (N, C, OH, OW, FH, FW) mixes the kernel "
                                   "offsets with the output positions.",
    "rows_not_channel_first": "Order the rows channel first, (c, i, j), as W.reshape(FN, -1) "
                              "orders the filters' weights.",
    "padding_ignored": "Pad the images with `pad` zeros on every side first "
                       "(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))).",
    "stride_ignored": "The windows move `stride` pixels at a time: OH = (H + 2 pad - FH) // "
                      "stride + 1, and the slice steps by stride.",
    "col2im_assigns": "Add (+=), do not assign (=): where windows overlap, a pixel is in "
                      "several windows and receives the sum of their gradients.",
    "padding_not_removed": "col2im returns images of the original size: cut the padding "
                           "off at the end (image[:, :, pad:H + pad, pad:W + pad]).",
    "bias_not_added": "Add the bias b[f] to every output pixel of filter f.",
    "kernel_flipped": "Layers compute a cross-correlation: W[f, c, i, j] multiplies pixel "
                      "(i, j) of the window, with no flipping of the filter.",
    "output_reshaped_wrong": "W_row @ col is (N, FN, OH * OW): reshape it to "
                             "(N, FN, OH, OW). An (N * OH * OW, FN) result needs "
                             "reshape(N, OH, OW, FN).transpose(0, 3, 1, 2) instead.",
    "db_not_summed": "b is shared by every image and every output pixel: db = dout summed "
                     "over axes 0, 2 and 3, shape (FN,).",
    "dw_reshaped_wrong": "dW_row = sum over images of dout[n] @ col[n].T is (FN, C * FH * FW), "
                         "rows like W.reshape(FN, -1): reshape it to W.shape directly (a "
                         "(C * FH * FW, FN) matrix must be transposed first).",
    "divided_by_batch_size": "A layer's gradients are sums over the batch: the loss already "
                             "divides by N, so do not divide again.",
    "average_instead_of_max": "Max pooling takes the largest value of each window, not the "
                              "mean.",
    "gradient_to_every_tied_max": "Where several pixels tie for the maximum, send dout to "
                                  "the first of them only (in reading order, like "
                                  "np.argmax): the output changes with one of them at a time.",
    "gradient_to_last_tied_max": "Where several pixels tie for the maximum, send dout to the "
                                 "first of them (np.argmax's choice), not the last.",
    "pool_gradient_assigned": "With a stride smaller than the window, windows overlap: add "
                              "each window's dout to its maximum pixel (+=), do not assign.",
    "gradient_spread_evenly": "Max pooling's gradient goes to the maximum pixel of each "
                              "window only; spreading dout over the window is average "
                              "pooling's backward.",
    "dout_modified_in_place": "Never write into dout: the caller still owns it.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "textbook_layout": "本作业使用 nnnumpy 的布局，每张图像一个矩阵：(N, C * FH * FW, OH * OW)，每"
                       "列一个窗口。教材的 (N * OH * OW, C * FH * FW) 是它的转置再堆叠起来。",
    "kernel_yx_swapped": "第 (c, i, j) 行存放窗口中的像素 (i, j)，i 向下（高度方向），j 向右（宽度"
                         "方向）：这些偏移似乎弄反了。",
    "output_yx_swapped": "第 oh * OW + ow 列存放位于第 oh 行、第 ow 列的窗口：输出位置似乎弄反了"
                         "（ow * OH + oh）。",
    "offsets_and_positions_mixed": "先把 col 构造成 (N, C, FH, FW, OH, OW) 再 reshape：按 (N, C, "
                                   "OH, OW, FH, FW) 排列的数组会把卷积核内的偏移和输出位置混在一"
                                   "起。",
    "rows_not_channel_first": "行按通道优先排列，即 (c, i, j)，与 W.reshape(FN, -1) 排列滤波器权重"
                              "的顺序一致。",
    "padding_ignored": "先在图像的每一边填充 `pad` 个零（np.pad(x, ((0, 0), (0, 0), (pad, pad), "
                       "(pad, pad)))）。",
    "stride_ignored": "窗口每次移动 `stride` 个像素：OH = (H + 2 pad - FH) // stride + 1，切片的步"
                      "长为 stride。",
    "col2im_assigns": "要累加（+=），不要赋值（=）：窗口重叠的地方，一个像素属于多个窗口，得到的是"
                      "它们梯度之和。",
    "padding_not_removed": "col2im 返回原始大小的图像：最后把填充部分切掉（image[:, :, pad:H + "
                           "pad, pad:W + pad]）。",
    "bias_not_added": "把偏置 b[f] 加到滤波器 f 的每个输出像素上。",
    "kernel_flipped": "各层计算的是互相关：W[f, c, i, j] 乘以窗口中的像素 (i, j)，滤波器不翻转。",
    "output_reshaped_wrong": "W_row @ col 是 (N, FN, OH * OW)：把它 reshape 成 (N, FN, OH, OW)。形"
                             "如 (N * OH * OW, FN) 的结果则需要 reshape(N, OH, OW, "
                             "FN).transpose(0, 3, 1, 2)。",
    "db_not_summed": "b 由每张图像和每个输出像素共享：db = dout 沿 axis 0、2、3 求和，形状为 "
                     "(FN,)。",
    "dw_reshaped_wrong": "dW_row = 对各图像求和 dout[n] @ col[n].T，形状为 (FN, C * FH * FW)，各行"
                         "与 W.reshape(FN, -1) 相同：直接把它 reshape 成 W.shape（(C * FH * FW, "
                         "FN) 的矩阵要先转置）。",
    "divided_by_batch_size": "层的梯度是对批量求和：损失已经除以了 N，不要再除一次。",
    "average_instead_of_max": "最大池化取每个窗口中的最大值，而不是平均值。",
    "gradient_to_every_tied_max": "当几个像素并列最大时，只把 dout 传给其中第一个（按阅读顺序，与 "
                                  "np.argmax 相同）：输出每次只随其中一个变化。",
    "gradient_to_last_tied_max": "当几个像素并列最大时，把 dout 传给其中第一个（np.argmax 的选"
                                 "择），而不是最后一个。",
    "pool_gradient_assigned": "步幅小于窗口时窗口会重叠：把每个窗口的 dout 累加（+=）到它的最大值"
                              "像素上，不要赋值。",
    "gradient_spread_evenly": "最大池化的梯度只传给每个窗口中的最大值像素；把 dout 平摊到整个窗口"
                              "是平均池化的反向传播。",
    "dout_modified_in_place": "绝不要写入 dout：它仍归调用者所有。",
}

IM2COL_POINTS = 2
COL2IM_POINTS = 2
CONV_FORWARD_POINTS = 2
CONV_BACKWARD_POINTS = 3
POOLING_POINTS = 3


def _image_cases(hidden):
    """(x shape, FH, FW, stride, pad): non-square images and filters, overlaps, padding, N = 1."""
    if hidden:
        return [((2, 2, 6, 5), 2, 3, 2, 1), ((1, 3, 5, 4), 3, 2, 1, 0),
                ((2, 1, 7, 7), 4, 2, 3, 1)]
    return [((2, 3, 5, 7), 3, 2, 2, 1), ((1, 2, 4, 6), 2, 3, 1, 0), ((3, 1, 6, 5), 3, 3, 1, 2)]


def _images(shape, rng):
    """Negative and large values: -50..50, with a few at +-1000."""
    x = rng.uniform(-50, 50, size=shape)
    x.flat[::7] = rng.choice([-1000.0, 1000.0], size=x.flat[::7].shape)
    return x


def _arguments(filter_h, filter_w, stride, pad):
    return f"filter {filter_h}x{filter_w}, stride={stride}, pad={pad}"


# -------------------------------------------------------------------- im2col, col2im
def check_im2col(student, *, hidden=False):
    """Check im2col(x, filter_h, filter_w, stride=1, pad=0) -> col: (N, C FH FW, OH OW)."""
    _check_callable("im2col", student)
    rng = np.random.default_rng(81 if hidden else 8)
    for shape, filter_h, filter_w, stride, pad in _image_cases(hidden):
        x = _images(shape, rng)
        expected = conv.im2col(x, filter_h, filter_w, stride, pad)
        given = x.copy()
        col, failed = call_student("im2col", student, given, filter_h, filter_w, stride, pad)
        label = f"x of shape {shape}, {_arguments(filter_h, filter_w, stride, pad)}"
        lines = failed or differences("col", col, expected)
        if lines:
            mistake = None if failed else diagnose(col, _im2col_variants(
                x, filter_h, filter_w, stride, pad))
            return report(verdict("im2col", IM2COL_POINTS, [f"{label}: {line}" for line in lines],
                                  mistake, HINTS, HINTS_ZH))
    return report(CheckResult("im2col", IM2COL_POINTS, IM2COL_POINTS))


def _im2col_variants(x, filter_h, filter_w, stride, pad):
    """im2col with one deliberate mistake each, on the same inputs."""
    n, c = x.shape[:2]
    col = conv.im2col(x, filter_h, filter_w, stride, pad)
    out_h, out_w = conv.check_window(x.shape, filter_h, filter_w, stride, pad)
    six = col.reshape(n, c, filter_h, filter_w, out_h, out_w)
    rows, columns = c * filter_h * filter_w, out_h * out_w
    variants = [
        ("textbook_layout", book.im2col(x, filter_h, filter_w, stride, pad)),
        ("kernel_yx_swapped", six.transpose(0, 1, 3, 2, 4, 5).reshape(n, rows, columns)),
        ("output_yx_swapped", six.transpose(0, 1, 2, 3, 5, 4).reshape(n, rows, columns)),
        ("offsets_and_positions_mixed", six.transpose(0, 1, 4, 5, 2, 3).reshape(n, rows,
                                                                                columns)),
        ("rows_not_channel_first", six.transpose(0, 2, 3, 1, 4, 5).reshape(n, rows, columns)),
        ("padding_ignored", _try(conv.im2col, x, filter_h, filter_w, stride, 0)),
        ("stride_ignored", conv.im2col(x, filter_h, filter_w, 1, pad)),
    ]
    return [(key, value) for key, value in variants if value is not None]


def check_col2im(student, *, hidden=False):
    """Check col2im(col, x_shape, filter_h, filter_w, stride=1, pad=0) -> (N, C, H, W).

    Every case has overlapping windows (stride < filter size), where col2im must add.
    """
    _check_callable("col2im", student)
    rng = np.random.default_rng(82 if hidden else 9)
    cases = ([((2, 2, 6, 5), 3, 2, 1, 1), ((1, 3, 7, 6), 3, 3, 2, 1)] if hidden
             else [((2, 3, 5, 7), 3, 2, 1, 1), ((1, 2, 6, 5), 3, 3, 2, 1)])
    for shape, filter_h, filter_w, stride, pad in cases:
        out_h, out_w = conv.check_window(shape, filter_h, filter_w, stride, pad)
        col = rng.normal(size=(shape[0], shape[1] * filter_h * filter_w, out_h * out_w))
        expected = conv.col2im(col, shape, filter_h, filter_w, stride, pad)
        image, failed = call_student("col2im", student, col.copy(), shape, filter_h, filter_w,
                                     stride, pad)
        label = f"x_shape {shape}, {_arguments(filter_h, filter_w, stride, pad)}"
        lines = failed or differences("image", image, expected)
        if lines:
            mistake = None if failed else diagnose(image, _col2im_variants(
                col, shape, filter_h, filter_w, stride, pad))
            return report(verdict("col2im", COL2IM_POINTS, [f"{label}: {line}" for line in lines],
                                  mistake, HINTS, HINTS_ZH))
    return report(CheckResult("col2im", COL2IM_POINTS, COL2IM_POINTS))


def _col2im_variants(col, shape, filter_h, filter_w, stride, pad):
    n, c, height, width = shape
    out_h, out_w = conv.check_window(shape, filter_h, filter_w, stride, pad)
    six = col.reshape(n, c, filter_h, filter_w, out_h, out_w)
    assigned = np.zeros((n, c, height + 2 * pad, width + 2 * pad))
    for i in range(filter_h):
        for j in range(filter_w):
            assigned[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride] = \
                six[:, :, i, j]
    padded = conv.col2im(col, (n, c, height + 2 * pad, width + 2 * pad), filter_h, filter_w,
                         stride, 0)
    return [("col2im_assigns", conv.unpad_images(assigned, pad)),
            ("padding_not_removed", padded)]


# ----------------------------------------------------------------------- convolution
def _conv_cases(hidden):
    """(x shape, W shape, stride, pad): non-square filters, N = 1, padding, stride 2."""
    if hidden:
        return [((2, 2, 6, 5), (3, 2, 2, 3), 1, 1), ((1, 3, 7, 6), (2, 3, 3, 2), 2, 0)]
    return [((2, 3, 5, 6), (4, 3, 3, 2), 1, 1), ((1, 2, 6, 7), (3, 2, 2, 3), 2, 0)]


def _conv_inputs(hidden, case):
    rng = np.random.default_rng((83 if hidden else 10) + case)
    x_shape, w_shape, stride, pad = _conv_cases(hidden)[case]
    x = _images(x_shape, rng) / 10
    W = rng.normal(size=w_shape)
    b = rng.uniform(1, 5, size=w_shape[0]) * rng.choice([-1.0, 1.0], size=w_shape[0])
    return x, W, b, stride, pad


def _build(name, student, W, b, stride, pad):
    return call_student(f"{name}(W, b, stride={stride}, pad={pad})", student, W.copy(), b.copy(),
                        stride=stride, pad=pad)


def check_convolution_forward(student, *, hidden=False):
    """Check a Convolution class built as Convolution(W, b, stride=..., pad=...).

    out[n, f] = sum over c, i, j of W[f, c, i, j] x[n, c, . + i, . + j] + b[f]: (N, FN, OH, OW).
    """
    _check_callable("Convolution", student)
    for case in range(len(_conv_cases(hidden))):
        x, W, b, stride, pad = _conv_inputs(hidden, case)
        expected = conv.Convolution(W, b, stride, pad).forward(x)
        layer, failed = _build("Convolution", student, W, b, stride, pad)
        if not failed:
            out, failed = call_student("Convolution.forward", layer.forward, x.copy())
        lines = failed or differences("out", out, expected)
        if lines:
            label = f"x of shape {x.shape}, W of shape {W.shape}, stride={stride}, pad={pad}"
            mistake = None if failed else diagnose(out, _conv_forward_variants(x, W, b, stride,
                                                                               pad))
            return report(verdict("Convolution forward", CONV_FORWARD_POINTS,
                                  [f"{label}: {line}" for line in lines], mistake, HINTS, HINTS_ZH))
    return report(CheckResult("Convolution forward", CONV_FORWARD_POINTS, CONV_FORWARD_POINTS))


def _conv_forward_variants(x, W, b, stride, pad):
    out = conv.Convolution(W, b, stride, pad).forward(x)
    n, filters, out_h, out_w = out.shape
    return [
        ("bias_not_added", out - b[:, None, None]),
        ("kernel_flipped", conv.Convolution(W[:, :, ::-1, ::-1].copy(), b, stride,
                                            pad).forward(x)),
        ("output_reshaped_wrong", out.transpose(0, 2, 3, 1).reshape(n, filters, out_h, out_w)),
        ("padding_ignored", _try(lambda: conv.Convolution(W, b, stride, 0).forward(x))),
        ("stride_ignored", conv.Convolution(W, b, 1, pad).forward(x)),
    ]


def check_convolution_backward(student, *, hidden=False):
    """Check Convolution.backward(dout) -> dx, storing dW (FN, C, FH, FW) and db (FN,).

    One point each for dx, dW and db, after a forward on the same layer.
    """
    _check_callable("Convolution", student)
    name = "Convolution backward"
    found = {"dx": [], "dW": [], "db": []}
    mistakes = {}
    for case in range(len(_conv_cases(hidden))):
        x, W, b, stride, pad = _conv_inputs(hidden, case)
        reference = conv.Convolution(W, b, stride, pad)
        out = reference.forward(x)
        dout = np.random.default_rng((93 if hidden else 30) + case).normal(size=out.shape)
        expected = {"dx": reference.backward(dout.copy())}
        expected.update(dW=reference.dW, db=reference.db)
        layer, failed = _build("Convolution", student, W, b, stride, pad)
        if not failed:
            _, failed = call_student("Convolution.forward", layer.forward, x.copy())
        given = dout.copy()
        if not failed:
            dx, failed = call_student("Convolution.backward", layer.backward, given)
        if failed:
            return report(CheckResult(name, 0, CONV_BACKWARD_POINTS, details=failed))
        got = {"dx": dx, "dW": getattr(layer, "dW", None), "db": getattr(layer, "db", None)}
        variants = _conv_backward_variants(x, W, b, stride, pad, dout, expected)
        label = f"x of shape {x.shape}, W of shape {W.shape}, stride={stride}, pad={pad}"
        for key in found:
            if found[key]:
                continue
            if key == "dx" and not np.array_equal(given, dout):
                found[key], mistakes[key] = [f"{label}: backward changed dout"], \
                    "dout_modified_in_place"
                continue
            lines = differences(key, got[key], expected[key])
            if lines:
                lines += _relative_error(key, got[key], expected[key])
                found[key] = [f"{label}: {line}" for line in lines]
                mistakes[key] = diagnose(got[key], variants[key])
    points = sum(not lines for lines in found.values())
    mistake = next((mistakes[key] for key in found if mistakes.get(key)), None)
    return report(CheckResult(name, points, CONV_BACKWARD_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=found["dx"] + found["dW"] + found["db"]))


def _conv_backward_variants(x, W, b, stride, pad, dout, expected):
    filters, channels, filter_h, filter_w = W.shape
    dW_row = expected["dW"].reshape(filters, -1)
    n = x.shape[0]
    dcol = W.reshape(filters, -1).T @ dout.reshape(n, filters, -1)
    assigned = _col2im_variants(dcol, x.shape, filter_h, filter_w, stride, pad)[0][1]
    return {
        "dx": [("col2im_assigns", assigned), ("divided_by_batch_size", expected["dx"] / n)],
        "dW": [("dw_reshaped_wrong", dW_row.T.reshape(W.shape)),
               ("dw_reshaped_wrong", dW_row.reshape(filters, filter_h, filter_w, channels)
                .transpose(0, 3, 1, 2)),
               ("divided_by_batch_size", expected["dW"] / n)],
        "db": [("db_not_summed", dout.sum(axis=(2, 3))), ("db_not_summed", dout.sum(axis=0)),
               ("db_not_summed", dout.sum(axis=(0, 2))),
               ("divided_by_batch_size", expected["db"] / n)],
    }


# ------------------------------------------------------------------------ max pooling
def _pool_cases(hidden):
    """(x shape, pool_h, pool_w, stride, pad): ties, overlaps (stride < pool), padding."""
    if hidden:
        return [((2, 2, 6, 4), 2, 2, 2, 0), ((1, 3, 6, 5), 3, 2, 1, 0), ((2, 1, 5, 5), 2, 2, 2, 1)]
    return [((2, 3, 4, 6), 2, 2, 2, 0), ((1, 2, 5, 6), 3, 3, 1, 0), ((2, 2, 5, 5), 3, 2, 2, 1)]


def check_max_pooling(student, *, hidden=False):
    """Check a MaxPooling class built as MaxPooling(pool_h, pool_w, stride=..., pad=...).

    forward: the largest value of each window, (N, C, OH, OW); backward: each window's
    dout to its maximum, the first one in reading order where several tie, summed where
    windows overlap. One point for forward, two for backward.
    """
    _check_callable("MaxPooling", student)
    rng = np.random.default_rng(84 if hidden else 11)
    forward_lines, backward_lines, forward_mistake, backward_mistake = [], [], None, None
    for shape, pool_h, pool_w, stride, pad in _pool_cases(hidden):
        x = rng.integers(-4, 3, size=shape).astype(np.float64)       # many ties
        x.flat[::9] = -1000.0
        reference = conv.Pooling(pool_h, pool_w, stride, pad)
        expected_out = reference.forward(x)
        dout = rng.normal(size=expected_out.shape)
        expected_dx = reference.backward(dout.copy())
        label = f"x of shape {shape}, pool {pool_h}x{pool_w}, stride={stride}, pad={pad}"
        layer, failed = call_student(f"MaxPooling({pool_h}, {pool_w}, stride={stride}, "
                                     f"pad={pad})", student, pool_h, pool_w, stride=stride,
                                     pad=pad)
        if not failed:
            out, failed = call_student("MaxPooling.forward", layer.forward, x.copy())
        if failed:
            return report(CheckResult("MaxPooling", 0, POOLING_POINTS, details=failed))
        if not forward_lines:
            lines = differences("out", out, expected_out)
            if lines:
                forward_lines = [f"{label}: {line}" for line in lines]
                forward_mistake = diagnose(out, _pool_forward_variants(x, pool_h, pool_w,
                                                                       stride, pad))
        given = dout.copy()
        dx, failed = call_student("MaxPooling.backward", layer.backward, given)
        if backward_lines:
            continue
        if failed:
            backward_lines = [f"{label}: {line}" for line in failed]
        elif not np.array_equal(given, dout):
            backward_lines = [f"{label}: backward changed dout"]
            backward_mistake = "dout_modified_in_place"
        else:
            lines = differences("dx", dx, expected_dx)
            if lines:
                backward_lines = [f"{label}: {line}" for line in lines]
                backward_mistake = diagnose(dx, [
                    (key, _pool_backward_variant(x, dout, pool_h, pool_w, stride, pad, key))
                    for key in ("gradient_to_every_tied_max", "gradient_to_last_tied_max",
                                "pool_gradient_assigned", "gradient_spread_evenly")] + [
                    ("pool_gradient_assigned",
                     _pool_assigned_by_offset(x, dout, pool_h, pool_w, stride, pad))])
    points = int(not forward_lines) + 2 * int(not backward_lines)
    mistake = forward_mistake or backward_mistake
    return report(CheckResult("MaxPooling", points, POOLING_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=forward_lines + backward_lines))


def _pool_forward_variants(x, pool_h, pool_w, stride, pad):
    return [
        ("average_instead_of_max", conv.AveragePooling(pool_h, pool_w, stride, pad).forward(x)),
        ("padding_ignored", _try(lambda: conv.Pooling(pool_h, pool_w, stride, 0).forward(x))),
        ("stride_ignored", conv.Pooling(pool_h, pool_w, 1, pad).forward(x)),
    ]


def _pool_backward_variant(x, dout, pool_h, pool_w, stride, pad, mistake=None):
    """Max pooling's backward, one window at a time, with one deliberate mistake (or none)."""
    image = conv.pad_images(x, pad)
    dx = np.zeros_like(image)
    n, c, out_h, out_w = dout.shape
    for index in np.ndindex(n, c, out_h, out_w):
        sample, channel, row, column = index
        top, left = row * stride, column * stride
        window = image[sample, channel, top:top + pool_h, left:left + pool_w]
        target = dx[sample, channel, top:top + pool_h, left:left + pool_w]   # a view
        ties = np.flatnonzero(window == window.max())
        if mistake == "gradient_to_every_tied_max":
            target.flat[ties] += dout[index]
        elif mistake == "gradient_spread_evenly":
            target += dout[index] / window.size
        elif mistake == "gradient_to_last_tied_max":
            target.flat[ties[-1]] += dout[index]
        elif mistake == "pool_gradient_assigned":
            target.flat[ties[0]] = dout[index]
        else:
            target.flat[ties[0]] += dout[index]
    return conv.unpad_images(dx, pad)


def _pool_assigned_by_offset(x, dout, pool_h, pool_w, stride, pad):
    """The other way to assign: offset by offset, each window writes dout or 0 to its pixel
    at that offset (im2col's col2im with = instead of +=), so later windows overwrite."""
    image = conv.pad_images(x, pad)
    dx = np.zeros_like(image)
    n, c, out_h, out_w = dout.shape
    for offset in range(pool_h * pool_w):
        i, j = divmod(offset, pool_w)
        for index in np.ndindex(n, c, out_h, out_w):
            sample, channel, row, column = index
            top, left = row * stride, column * stride
            window = image[sample, channel, top:top + pool_h, left:left + pool_w]
            first = np.flatnonzero(window == window.max())[0]
            dx[sample, channel, top + i, left + j] = dout[index] if first == offset else 0.0
    return conv.unpad_images(dx, pad)


# --------------------------------------------------------------------------- helpers
def _check_callable(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a function or a class, got {type(student).__name__}")


def _try(function, *args):
    """function(*args), or None where the mistake cannot even be made (a window too big)."""
    try:
        return function(*args)
    except ValueError:
        return None


def _relative_error(name, got, expected):
    try:
        error = rel_error(got, expected)
    except (TypeError, ValueError):
        return []
    return [f"{name}: relative error {error:.1e} against the reference "
            "(a right answer is below 1e-7)"] if error > 1e-7 else []
