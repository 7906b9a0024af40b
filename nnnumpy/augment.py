"""Data augmentation: new training images made from old ones, a fresh variant at every step.

A digit moved a pixel or two is still the same digit, but to a fully connected network
it is a different input vector. Showing the network randomly shifted copies of its
training images teaches it that a shift does not change the label, and it overfits less:
a regulariser that works on the data, where weight decay and dropout work on the network.
The test set is never augmented.
"""

import numpy as np

from .backend import get_array_module


class RandomShift:
    """Move each image by its own random offset of up to ``max_shift`` pixels; zeros fill in.

    x: (N, H * W) or (N, H, W) or (N, 1, H, W) -> the same shape. For each image i an
    offset (dy_i, dx_i) is drawn uniformly from {-max_shift, ..., max_shift}^2 and

        out[i, r, c] = x[i, r - dy_i, c - dx_i]   (0 where that falls outside the image)

    Parameters
    ----------
    max_shift : int >= 1, the largest offset in pixels along each axis (less than half
        the image side).
    image_shape : (H, W), the shape of one image (MNIST: (28, 28)).
    seed : int or None, for repeatable offsets.

    The offsets are drawn on the host, from a NumPy generator, so that a seed gives the
    same shifts on NumPy and on CuPy; on the GPU a batch then costs two small copies to
    the device (N start positions and the H * W window, under 7 KB for MNIST), not a
    copy of the (N, H * W) gather indices, which are formed on the device.
    """

    def __init__(self, max_shift=2, image_shape=(28, 28), seed=None):
        if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
                or max_shift < 1:
            raise ValueError(f"max_shift must be a positive integer, got {max_shift!r}")
        if len(image_shape) != 2 or min(image_shape) < 1:
            raise ValueError(f"image_shape must be (height, width), got {image_shape!r}")
        if 2 * max_shift >= min(image_shape):
            raise ValueError(f"max_shift must be less than half the image side "
                             f"({min(image_shape)} pixels), got {max_shift}: a larger shift "
                             "moves most of the image out of the frame")
        self.max_shift = int(max_shift)
        self.image_shape = tuple(int(size) for size in image_shape)
        self.rng = np.random.default_rng(seed)

        # The same gather for every batch, written with flat indices (one `take` instead
        # of a Python loop over images): pad each image with max_shift zeros on every
        # side, then pixel (r, c) of window (oy, ox) of padded image i sits at flat index
        #     i * Hp * Wp + (oy + r) * Wp + (ox + c)  =  start_i + window[r * W + c],
        # with start_i = i * Hp * Wp + oy_i * Wp + ox_i. The window at oy = ox = max_shift
        # is the image itself; oy_i = max_shift - dy_i moves image i by dy_i.
        height, width = self.image_shape
        self.padded_shape = (height + 2 * max_shift, width + 2 * max_shift)
        rows, cols = np.arange(height), np.arange(width)
        self.window = (rows[:, None] * self.padded_shape[1] + cols).ravel()

    def __call__(self, x):
        """A shifted copy of the batch x (see the class docstring for the shapes)."""
        height, width = self.image_shape
        if x.ndim < 2 or x[0].size != height * width:
            raise ValueError(f"x must hold images of {height} x {width} = {height * width} "
                             f"pixels each, got shape {x.shape}")
        xp = get_array_module(x)
        n, s = x.shape[0], self.max_shift
        padded = xp.zeros((n, *self.padded_shape), dtype=x.dtype)
        padded[:, s:s + height, s:s + width] = x.reshape(n, height, width)
        oy, ox = self.rng.integers(0, 2 * s + 1, size=(2, n))  # drawn on the host
        start = np.arange(n) * padded[0].size + oy * self.padded_shape[1] + ox
        indices = xp.asarray(start)[:, None] + xp.asarray(self.window)  # (n, H * W)
        return padded.ravel()[indices].reshape(x.shape)

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift}, image_shape={self.image_shape})"
