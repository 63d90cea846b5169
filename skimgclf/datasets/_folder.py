"""Load a folder of images with one sub-folder per class (e.g. one per face identity)."""

from __future__ import annotations

import os

import numpy as np

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ._bunch import image_bunch
from ._read_images import IMAGE_EXTENSIONS, check_size, read_image_files

__all__ = ["load_image_folder", "IMAGE_EXTENSIONS"]


@validate_params(
    {
        "path": [str, os.PathLike],
        "image_shape": [tuple, list, None],
        "color": [StrOptions({"rgb", "gray"}), None],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_image_folder(path, image_shape=None, color=None, *, return_X_y=False):
    """Load ``path/<class name>/<image files>`` as a labelled image set.

    Classes are the sub-folder names, sorted; ``target[i]`` indexes ``target_names``. Files are
    read in sorted order, by the reader of :func:`load_images` (the same conversions, listed in
    ``conversions``); only files with an image extension (see ``IMAGE_EXTENSIONS``) are read,
    other files and hidden entries are ignored.

    Parameters
    ----------
    path : str or path-like
        The root folder.
    image_shape : (H, W) of positive ints, or None
        Resize every image to this shape (:func:`skimage.transform.resize`, anti-aliased).
        None keeps the size, which must then be the same for all images.
    color : {"rgb", "gray"} or None, default=None
        ``"rgb"`` gives (n, H, W, 3) images (grayscale files are repeated on three channels);
        ``"gray"`` gives (n, H, W) luminance. None keeps what the files are: grayscale files give
        (n, H, W), colour files (n, H, W, 3), and a folder that mixes them is read as RGB (said
        in ``conversions``). An alpha channel is dropped when fully opaque, else composited
        onto a white background.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n, H*W*C) uint8, one flattened image per row; ``images`` uint8, (n, H, W, 3)
        or (n, H, W); ``target`` (n,) int64; ``target_names``, the sorted class names;
        ``filenames`` (n,), the path of each image; ``conversions`` (list of str), one line per
        kind of conversion made (see :func:`load_images`); ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    NotADirectoryError
        When ``path`` is a file.
    ValueError
        Naming every file that cannot be read, or two files of different sizes when
        ``image_shape`` is None.

    See Also
    --------
    load_idx_folder : Load an MNIST-like folder of IDX files.
    load_images : Read image files, folders or globs, converted to what a model expects.

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
    >>> print("\\n".join(b.conversions))
    2 of 2 images converted from RGB to grayscale (skimage.color.rgb2gray)
    2 of 2 images resized from 6x8 to 4x4 (skimage.transform.resize, anti-aliased)
    >>> load_image_folder(root).images.shape   # as the files are: RGB
    (2, 6, 8, 3)
    """
    if image_shape is not None:
        image_shape = check_size(image_shape)
    root = os.fspath(path)
    classes, files_per_class = _list_image_folder(root)
    filenames = [f for files in files_per_class for f in files]
    target = [label for label, files in enumerate(files_per_class) for _ in files]
    if not filenames:
        raise InputError(f"no image files ({', '.join(IMAGE_EXTENSIONS)}) under {root}")
    _check_no_empty_class(root, classes, files_per_class, IMAGE_EXTENSIONS)
    images, color, conversions = read_image_files(filenames, color, image_shape,
                                                  where=f" under {root}")
    descr = (f"Image folder {root}: {len(images)} {color} images in {len(classes)} classes "
             "(one sub-folder per class).\n")
    return image_bunch(images, target, classes, descr, return_X_y=return_X_y,
                       filenames=np.asarray(filenames), conversions=conversions)


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


def _check_no_empty_class(root, classes, files_per_class, extensions):
    # A class without images could never be predicted, and its label would shift no target:
    # most likely a wrong folder or a wrong extension, which deserves a message now.
    empty = [name for name, files in zip(classes, files_per_class, strict=True) if not files]
    if empty:
        raise InputError(
            f"class folder(s) {', '.join(empty)} under {root} hold no image files "
            f"({', '.join(extensions)}); every sub-folder of the root is a class"
        )
