"""Datasets: the IDX file format and the MNIST loader."""

from .idx import read_idx, write_idx
from .mnist import load_mnist

__all__ = ["load_mnist", "read_idx", "write_idx"]
