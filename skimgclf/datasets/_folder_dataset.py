"""A folder with one sub-folder per class, read image by image as batches ask for them.

:func:`~skimgclf.datasets.load_image_folder` decodes every file into one array; this data set
lists the files only and decodes each when it is read, with the same reader
(:mod:`skimgclf.datasets._read_images`: the same depth, alpha and colour conversions, resizing
and uint8 scaling), so a folder larger than memory can be trained on.
"""

from __future__ import annotations

import os

import numpy as np

from .._sources import ImageDataset
from ..exceptions import InputError
from ._folder import _check_no_empty_class, _list_image_folder
from ._read_images import IMAGE_EXTENSIONS, check_size, read_image, unreadable_text

__all__ = ["ImageFolderDataset"]

_COLORS = ("gray", "rgb")


class ImageFolderDataset(ImageDataset):
    """A folder of images, one sub-folder per class, decoded one file at a time on demand.

    The files are listed when the data set is made (classes are the sub-folder names, sorted;
    files are sorted; hidden entries and files without an image extension are ignored, as by
    :func:`~skimgclf.datasets.load_image_folder`) and each is read, converted and resized when
    it is asked for: ``ds[i]`` is one ``(H, W, C)`` uint8 image. Indexing by an array, a slice
    or a mask gives a view of the same files (nothing is read), so scikit-learn cuts it into
    folds as it cuts an array. It pickles as its paths, no pixels, so DataLoader worker
    processes receive it cheaply.

    Parameters
    ----------
    root : str or path-like
        The folder holding one sub-folder of images per class.
    image_shape : (H, W) of positive ints, or None, default=None
        Resize every image to this shape (:func:`skimage.transform.resize`, anti-aliased).
        None keeps the size of the first file, which every file must then have.
    color : {"gray", "rgb"} or None, default=None
        ``"gray"`` gives one channel of luminance, ``"rgb"`` three channels (a grayscale file
        is repeated on them; an alpha channel is dropped when fully opaque, else composited
        onto white). None reads the files as they are, as the first file decides (the files
        are read one at a time, so unlike :func:`load_image_folder` a mix of grayscale and
        colour files is not seen in advance): grayscale files give one channel, colour files
        three.
    extensions : tuple of str, default=IMAGE_EXTENSIONS
        The file name endings read as images (case does not matter); other files are ignored.

    Attributes
    ----------
    classes : list of str
        The class names: the sub-folder names, sorted.
    targets : ndarray of shape (n_images,)
        The class of each image of the view, an index into ``classes``.
    files : list of str
        The path of each image of the view.
    image_shape : tuple of int
        ``(H, W, C)`` of every image: C is 1 for ``"gray"`` and 3 for ``"rgb"``.
    color : {"gray", "rgb"}
        The colour every image is read in: the one given, else the first file's.
    dtype : numpy.dtype
        ``uint8``: pixels are in 0-255.
    shape : tuple of int
        ``(n_images, H, W, C)``, the shape of an array of the images (nothing is read).

    Raises
    ------
    FileNotFoundError
        When ``root`` does not exist.
    NotADirectoryError
        When ``root`` is a file.
    ValueError
        When ``root`` has no class folders, a class folder holds no image, or the first file
        cannot be read; reading a later file that is unreadable, or of another size than the
        first when ``image_shape`` is None, raises a ValueError naming it.

    See Also
    --------
    load_image_folder : Read such a folder into one array at once.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, skimage.io
    >>> root = tempfile.mkdtemp()
    >>> for name, value in [("cat", 200), ("dog", 50)]:
    ...     os.mkdir(os.path.join(root, name))
    ...     for i in range(2):
    ...         img = np.full((12, 10, 3), value + i, dtype=np.uint8)
    ...         skimage.io.imsave(os.path.join(root, name, f"{i}.png"), img,
    ...                           check_contrast=False)
    >>> ds = ImageFolderDataset(root, image_shape=(8, 8))
    >>> ds
    ImageFolderDataset(4 images of 8x8x3)
    >>> ds.classes, ds.targets.tolist(), ds[0].shape, int(ds[3][0, 0, 0])
    (['cat', 'dog'], [0, 0, 1, 1], (8, 8, 3), 51)
    >>> dogs = ds[ds.targets == 1]  # a view: nothing is read
    >>> [os.path.basename(f) for f in dogs.files], dogs.read([1, 0])[:, 0, 0, 0].tolist()
    (['0.png', '1.png'], [51, 50])
    >>> ImageFolderDataset(root, color="gray").shape
    (4, 12, 10, 1)
    """

    dtype = np.dtype(np.uint8)

    def __init__(self, root, image_shape=None, color=None, *, extensions=IMAGE_EXTENSIONS):
        if color is not None and color not in _COLORS:
            raise InputError(f"color must be 'gray', 'rgb' or None; got {color!r}")
        self._resize_to = None if image_shape is None else check_size(image_shape)
        self.root = os.fspath(root)
        self.extensions = _check_extensions(extensions)
        self.classes, files_per_class = _list_image_folder(self.root, self.extensions)
        _check_no_empty_class(self.root, self.classes, files_per_class, self.extensions)
        self._files = [f for files in files_per_class for f in files]
        self._labels = np.repeat(np.arange(len(self.classes), dtype=np.int64),
                                 [len(f) for f in files_per_class])
        # The first file decides what the caller left open: its colour and its size.
        first = self._decode(self._files[0], color)
        self.color = color or ("gray" if first.ndim == 2 else "rgb")
        self.image_shape = (*first.shape[:2], 1 if self.color == "gray" else 3)

    @property
    def files(self):
        """The path of each image of the view."""
        return [self._files[row] for row in self._rows()]

    def _n_rows(self):
        return len(self._files)

    def _all_targets(self):
        return self._labels

    def _read(self, row):
        fname = self._files[row]
        image = self._decode(fname, self.color)
        if image.shape[:2] != self.image_shape[:2]:
            raise InputError(
                f"{fname} is an image of {image.shape[0]}x{image.shape[1]} pixels, but the "
                f"first image ({self._files[0]}) is {self.image_shape[0]}x{self.image_shape[1]}; "
                "pass image_shape=(H, W) to resize every image to one size"
            )
        return image.reshape(self.image_shape)

    def _decode(self, fname, color):
        """One file as load_image_folder reads it; a reader failure names the file."""
        try:
            return read_image(fname, color, self._resize_to)[0]
        except Exception as exc:  # any reader failure means "unreadable"
            raise InputError(
                f"could not read an image: {unreadable_text(fname, exc)}") from exc


def _check_extensions(extensions):
    if isinstance(extensions, str):  # one ending, not its characters
        extensions = (extensions,)
    extensions = tuple(extensions)
    if not extensions or not all(isinstance(e, str) and e for e in extensions):
        raise InputError(f"extensions must be file name endings such as '.png'; got "
                         f"{extensions!r}")
    return tuple(e.lower() for e in extensions)
