"""Convolution and pooling layers, through im2col: a convolution becomes one matrix product.

Images are x: (N, C, H, W) (samples, channels, height, width). A window of FH x FW
pixels slides over the (zero-padded) image in steps of ``stride``; it fits

    OH = (H + 2 pad - FH) // stride + 1   times down,   OW likewise across.

When the stride does not tile the padded image exactly, the last rows or columns that
no whole window covers are left out (the rule of the usual frameworks).

``im2col`` copies every window into one column of a matrix, so that the convolution of
all windows with all filters is a single matrix product; ``col2im`` adds the columns back
into an image, which is the backward pass of that copy. Both loop over the FH x FW offsets
within a window, copying one strided slab of all images at a time: FH * FW copies,
whatever the image size.
"""

import numpy as np

from .backend import get_array_module
from .checks import check_not_empty


def conv_output_size(size, filter_size, stride, pad):
    """How many windows of ``filter_size`` fit across ``size`` pixels padded by ``pad``."""
    return (size + 2 * pad - filter_size) // stride + 1


def check_images(x, channels=None, name="x"):
    """x must be (N, C, H, W) with N >= 1, with ``channels`` channels when given."""
    if getattr(x, "ndim", None) != 4:
        raise ValueError(f"{name} must be images (N, C, H, W), got shape "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    check_not_empty(name, x)
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channels (N, {channels}, H, W) to match "
                         f"the filters, got shape {x.shape}")


def check_window(x_shape, filter_h, filter_w, stride, pad):
    """The window must fit in the padded image; returns (OH, OW)."""
    height, width = x_shape[2] + 2 * pad, x_shape[3] + 2 * pad
    if filter_h > height or filter_w > width:
        raise ValueError(f"a {filter_h} x {filter_w} window does not fit in images of shape "
                         f"{tuple(x_shape)} padded by {pad} ({height} x {width})")
    return (conv_output_size(x_shape[2], filter_h, stride, pad),
            conv_output_size(x_shape[3], filter_w, stride, pad))


def check_geometry(stride, pad):
    for name, value, least in (("stride", stride, 1), ("pad", pad, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """Every window of x as a column: x: (N, C, H, W) -> col: (N, C * FH * FW, OH * OW).

    col[n] is a matrix for image n: its column (oh, ow) holds the window whose top-left
    corner is at (oh * stride, ow * stride) of the (padded) image, channel by channel;
    its row (c, i, j) holds pixel (i, j) of channel c of every window. The result has
    the dtype of x. (The textbook's im2col returns one window per row of one matrix for
    all images: (N * OH * OW, C * FH * FW).)
    """
    xp = get_array_module(x)
    n, c, _, _ = x.shape
    out_h, out_w = check_window(x.shape, filter_h, filter_w, stride, pad)
    image = pad_images(x, pad)
    col = xp.empty((n, c, filter_h, filter_w, out_h, out_w), dtype=x.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            # Offset (i, j) of every window at once: a strided slab of every image.
            col[:, :, i, j] = image[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
    return col.reshape(n, c * filter_h * filter_w, out_h * out_w)


def col2im(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    """The backward pass of im2col: add each column back where its window came from.

    col: (N, C * FH * FW, OH * OW); returns (N, C, H, W). A pixel covered by several
    windows receives the sum of their entries.
    """
    n, c, _, _ = x_shape
    out_h, out_w = check_window(x_shape, filter_h, filter_w, stride, pad)
    col = col.reshape(n, c, filter_h, filter_w, out_h, out_w)
    image = padded_zeros(x_shape, pad, col)
    for i in range(filter_h):
        for j in range(filter_w):
            image[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride] += col[:, :, i, j]
    return unpad_images(image, pad)


class Convolution:
    """out[n, f] = sum over channels c and offsets (i, j) of W[f, c, i, j] x[n, c, . + i, . + j]
    + b[f], for every window position: a cross-correlation, as in every framework.

    W: (FN, C, FH, FW); b: (FN,); x: (N, C, H, W); out: (N, FN, OH, OW).
    Through im2col, one matrix product per image n: out[n] = W_row col[n] + b, with
    W_row: (FN, C FH FW) the filters as rows and col[n]: (C FH FW, OH OW) the windows of
    image n as columns (``W_row @ col`` multiplies every col[n] at once).
    Backward, with dout[n] as a matrix (FN, OH OW):
    dW_row = sum over n of dout[n] col[n]^T, db = sum of dout over n and the pixels,
    dx = col2im(W_row^T dout[n] for every n).
    ``compute_dx=False`` skips dx (backward returns None), for a network's first layer.
    """

    def __init__(self, W, b, stride=1, pad=0, compute_dx=True):
        if getattr(W, "ndim", None) != 4:
            raise ValueError(f"W must be filters (FN, C, FH, FW), got shape "
                             f"{getattr(W, 'shape', W)}")
        if getattr(b, "shape", None) != (W.shape[0],):
            raise ValueError(f"b must have shape ({W.shape[0]},) to match W {W.shape}, "
                             f"got {getattr(b, 'shape', b)}")
        check_geometry(stride, pad)
        self.W, self.b = W, b
        self.stride, self.pad = stride, pad
        self.compute_dx = compute_dx
        self.dW = self.db = None
        self.col = self.x_shape = None

    def forward(self, x):
        check_images(x, self.W.shape[1])
        filters, _, filter_h, filter_w = self.W.shape
        n = x.shape[0]
        out_h, out_w = check_window(x.shape, filter_h, filter_w, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, filter_h, filter_w, self.stride, self.pad)   # (N, C FH FW, OH OW)
        out = self.W.reshape(filters, -1) @ self.col                       # (N, FN, OH OW)
        out += self.b[:, None]
        return out.reshape(n, filters, out_h, out_w)

    def backward(self, dout):
        filters, _, filter_h, filter_w = self.W.shape
        dout = dout.reshape(dout.shape[0], filters, -1)                     # (N, FN, OH OW)
        self.db = dout.sum(axis=0).sum(axis=1)    # over the images, then the pixels
        self.dW = (dout @ self.col.transpose(0, 2, 1)).sum(axis=0).reshape(self.W.shape)
        if not self.compute_dx:
            return None
        dcol = self.W.reshape(filters, -1).T @ dout                        # (N, C FH FW, OH OW)
        return col2im(dcol, self.x_shape, filter_h, filter_w, self.stride, self.pad)


class Pooling:
    """Max pooling: out[n, c, oh, ow] = the largest x in the window at (oh, ow).

    x: (N, C, H, W) -> (N, C, OH, OW); the stride defaults to the window size, and
    ``pad`` adds zeros. Like im2col, a loop over the PH x PW offsets within a window:
    offset (i, j) of every window at once is one strided slab of x.
    Backward: each window's dout goes to the pixel that held its maximum; where several
    pixels tie, to the first of them in reading order (as the usual frameworks do).
    """

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        check_pool_size(pool_h, pool_w)
        stride = pool_h if stride is None else stride
        check_geometry(stride, pad)
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x_shape = self.argmax = None

    def forward(self, x):
        check_images(x)
        xp = get_array_module(x)
        check_window(x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
        self.x_shape = x.shape
        # Each slab copied once into contiguous memory: the comparisons below then read
        # it at full speed (on a strided view NumPy's loops are several times slower).
        slabs = [slab.copy() for slab in
                 window_slabs(pad_images(x, self.pad), self.pool_h, self.pool_w, self.stride)]
        out = slabs[0]
        # argmax: which offset holds each window's maximum (int8 names offsets 0..127).
        offset_type = xp.int8 if len(slabs) <= 128 else xp.int32
        self.argmax = xp.zeros(out.shape, dtype=offset_type)
        for offset, slab in enumerate(slabs[1:], start=1):
            larger = slab > out            # strictly: on a tie the first offset stays
            # argmax = offset where larger, else unchanged. Offsets only grow, so that is
            # a maximum (several times faster than xp.where).
            xp.maximum(self.argmax, larger * offset_type(offset), out=self.argmax)
            xp.maximum(out, slab, out=out)
        return out

    def backward(self, dout):
        dx = padded_zeros(self.x_shape, self.pad, dout)
        slabs = window_slabs(dx, self.pool_h, self.pool_w, self.stride)   # views of dx
        overlapping = self.stride < max(self.pool_h, self.pool_w)
        xp = get_array_module(dout)
        for offset, slab in enumerate(slabs):
            if overlapping:          # a pixel in several windows sums what they send it
                slab += dout * (self.argmax == offset)
            else:                    # a pixel is in one window at most: write in place
                xp.multiply(dout, self.argmax == offset, out=slab)
        return unpad_images(dx, self.pad)


class AveragePooling:
    """Average pooling: out[n, c, oh, ow] = the mean of x over the window at (oh, ow).

    x: (N, C, H, W) -> (N, C, OH, OW); the stride defaults to the window size.
    Backward: each pixel of a window receives dout / (PH PW) from it.
    """

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        check_pool_size(pool_h, pool_w)
        stride = pool_h if stride is None else stride
        check_geometry(stride, pad)
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x_shape = None

    def forward(self, x):
        check_images(x)
        check_window(x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
        self.x_shape = x.shape
        slabs = window_slabs(pad_images(x, self.pad), self.pool_h, self.pool_w, self.stride)
        return sum(slabs[1:], slabs[0]) / len(slabs)

    def backward(self, dout):
        share = dout / (self.pool_h * self.pool_w)
        dx = padded_zeros(self.x_shape, self.pad, dout)
        for slab in window_slabs(dx, self.pool_h, self.pool_w, self.stride):   # views of dx
            slab += share
        return unpad_images(dx, self.pad)


def check_pool_size(pool_h, pool_w):
    for name, value in (("pool_h", pool_h), ("pool_w", pool_w)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def pad_images(x, pad):
    """x: (N, C, H, W) with ``pad`` zeros on every side: (N, C, H + 2 pad, W + 2 pad)."""
    if not pad:
        return x
    return get_array_module(x).pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def padded_zeros(x_shape, pad, like):
    """Zeros of shape x_shape padded by ``pad``, in the dtype and on the device of ``like``."""
    n, c, height, width = x_shape
    return get_array_module(like).zeros((n, c, height + 2 * pad, width + 2 * pad),
                                        dtype=like.dtype)


def unpad_images(image, pad):
    """The inner part of a padded image: the inverse of pad_images."""
    return image[:, :, pad:image.shape[2] - pad, pad:image.shape[3] - pad]


def window_slabs(image, pool_h, pool_w, stride):
    """For each offset (i, j) within a window, in reading order, the (N, C, OH, OW) slab of
    the pixels at that offset in every window: views of ``image`` (already padded)."""
    out_h = conv_output_size(image.shape[2], pool_h, stride, 0)
    out_w = conv_output_size(image.shape[3], pool_w, stride, 0)
    return [image[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            for i in range(pool_h) for j in range(pool_w)]


class Flatten:
    """out = x reshaped to (N, D): the bridge from images to fully connected layers."""

    def __init__(self):
        self.x_shape = None

    def forward(self, x):
        check_not_empty("x", x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.x_shape)
