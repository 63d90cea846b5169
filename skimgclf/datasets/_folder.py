"""Load a folder of images with one sub-folder per class (e.g. one per face identity)."""

from __future__ import annotations

import numbers
import os
import warnings

import numpy as np

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ._bunch import image_bunch

__all__ = ["load_image_folder", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                    ".ppm", ".pbm", ".pnm")


@validate_params(
    {
        "path": [str, os.PathLike],
        "image_shape": [tuple, list, None],
        "color": [StrOptions({"rgb", "gray"})],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_image_folder(path, image_shape=None, color="rgb", *, return_X_y=False):
    """Load ``path/<class name>/<image files>`` as a labelled image set.

    Classes are the sub-folder names, sorted; ``target[i]`` indexes ``target_names``. Files are
    read in sorted order with :func:`skimage.io.imread`; only files with an image extension
    (see ``IMAGE_EXTENSIONS``) are read, other files and hidden entries are ignored.

    Parameters
    ----------
    path : str or path-like
        The root folder.
    image_shape : (H, W) of positive ints, or None
        Resize every image to this shape (:func:`skimage.transform.resize`, anti-aliased).
        None keeps the size, which must then be the same for all images.
    color : {"rgb", "gray"}, default="rgb"
        ``"rgb"`` gives (n, H, W, 3) images (grayscale files are repeated on three channels,
        an alpha channel is dropped); ``"gray"`` gives (n, H, W) luminance.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n, H*W*C) uint8, one flattened image per row; ``images`` uint8, (n, H, W, 3)
        or (n, H, W); ``target`` (n,) int64; ``target_names``, the sorted class names;
        ``filenames`` (n,), the path of each image; ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    NotADirectoryError
        When ``path`` is a file.
    ValueError
        Naming every file that cannot be read, or the mismatched shapes when ``image_shape``
        is None.

    See Also
    --------
    load_idx_folder : Load an MNIST-like folder of IDX files.

    Examples
    --------
    >>> import tempfile, os, numpy as np, skimage.io
    >>> root = tempfile.mkdtemp()
    >>> for name in ("cat", "dog"):
    ...     os.mkdir(os.path.join(root, name))
    ...     img = np.full((6, 8, 3), 200 if name == "cat" else 50, dtype=np.uint8)
    ...     skimage.io.imsave(os.path.join(root, name, "a.png"), img, check_contrast=False)
    >>> b = load_image_folder(root, image_shape=(4, 4), color="gray")
    >>> b.images.shape, b.target.tolist(), b.target_names.tolist()
    ((2, 4, 4), [0, 1], ['cat', 'dog'])
    """
    if image_shape is not None:
        image_shape = _check_image_shape(image_shape)
    root = os.fspath(path)
    classes, files_per_class = _list_image_folder(root)
    filenames = [f for files in files_per_class for f in files]
    target = [label for label, files in enumerate(files_per_class) for _ in files]
    if not filenames:
        raise InputError(f"no image files ({', '.join(IMAGE_EXTENSIONS)}) under {root}")

    images, unreadable = [], []
    for fname in filenames:
        try:
            images.append(_read(fname, color, image_shape))
        except Exception as exc:  # any reader failure means "unreadable"
            unreadable.append(_unreadable_text(fname, exc))
    if unreadable:
        raise InputError(f"{len(unreadable)} file(s) could not be read as images: "
                         + "; ".join(unreadable))
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        by_shape = {}
        for fname, im in zip(filenames, images, strict=True):
            by_shape.setdefault(im.shape, fname)
        examples = ", ".join(f"{s[:2]} e.g. {f}" for s, f in by_shape.items())
        raise InputError(f"images under {root} have different sizes ({examples}); pass "
                         "image_shape=(H, W) to resize them to one size")
    descr = (f"Image folder {root}: {len(images)} {color} images in {len(classes)} classes "
             "(one sub-folder per class).\n")
    return image_bunch(np.stack(images), target, classes, descr, return_X_y=return_X_y,
                       filenames=np.asarray(filenames))


def _list_image_folder(root, extensions=IMAGE_EXTENSIONS):
    """The sorted class names under ``root`` and, per class, the sorted paths of its images.

    Hidden entries and files without one of ``extensions`` (lower case) are left out; a class
    folder may come back empty, which each caller judges.
    """
    if os.path.exists(root) and not os.path.isdir(root):
        raise NotADirectoryError(f"{root} is a file; pass the folder that holds one sub-folder "
                                 "of images per class")
    if not os.path.isdir(root):
        raise FileNotFoundError(f"image folder not found: {root}")
    classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not classes:
        raise InputError(f"{root} has no sub-folders; expected one sub-folder per class")
    files_per_class = []
    for name in classes:
        folder = os.path.join(root, name)
        files = sorted(
            f for f in os.listdir(folder)
            if not f.startswith(".") and f.lower().endswith(extensions)
            and os.path.isfile(os.path.join(folder, f))
        )
        files_per_class.append([os.path.join(folder, f) for f in files])
    return classes, files_per_class


def _unreadable_text(fname, exc):
    """``fname`` and why the reader failed, on one line however verbose the reader."""
    reason = " ".join(str(exc).split())
    return f"{fname} ({type(exc).__name__}: {reason[:160]})"


def _check_image_shape(image_shape):
    if len(image_shape) != 2 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
        for s in image_shape
    ):
        raise InputError(f"image_shape must be (H, W) with two positive ints; got "
                         f"{tuple(image_shape)!r}")
    return tuple(int(s) for s in image_shape)


def _read(fname, color, image_shape):
    """One file as uint8 (H, W) or (H, W, 3), in ``color`` (None: as the file is), resized to
    ``image_shape`` unless None."""
    from skimage import io
    from skimage.color import rgb2gray
    from skimage.transform import resize

    img = np.asarray(io.imread(fname))
    if img.ndim == 3 and img.shape[2] in (2, 4):  # drop the alpha channel
        img = img[..., :-1]
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
        raise InputError(f"unsupported image shape {img.shape} (multi-frame or volume?)")
    img = _to_uint8(img)
    if color == "gray" and img.ndim == 3:
        img = _to_uint8(rgb2gray(img))
    elif color == "rgb" and img.ndim == 2:
        img = np.repeat(img[..., np.newaxis], 3, axis=2)
    if image_shape is not None and img.shape[:2] != image_shape:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = resize(img, image_shape + img.shape[2:], order=1, anti_aliasing=True,
                         preserve_range=True)
        img = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return img


def _to_uint8(img):
    """Bring any integer or float image to uint8 0-255 (floats are taken to be in [0, 1])."""
    if img.dtype == np.uint8:
        return img
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if np.issubdtype(img.dtype, np.integer):
        # 16-bit files: keep the top 8 bits of the type's range.
        return (img.astype(np.float64) * (255 / np.iinfo(img.dtype).max)).round().clip(0, 255) \
            .astype(np.uint8)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
