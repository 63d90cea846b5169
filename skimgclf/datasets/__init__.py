"""Data sets: the embedded default, IDX files, fetchers, image folders and generators."""

from ._embedded import load_digits_images
from ._idx import load_idx

__all__ = ["load_digits_images", "load_idx"]
