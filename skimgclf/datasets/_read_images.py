"""Image files -> uint8 arrays of one shape and colour, and a record of what was converted.

The one place that reads image files and converts them (depth, alpha, colour, size) for the
loaders of this package: :func:`load_images` (files, folders, globs; optionally to the shape a
fitted model expects), :func:`~skimgclf.datasets.load_image_folder` and
:class:`~skimgclf.datasets.ImageFolderDataset` (one sub-folder per class) all read through
:func:`read_image` / :func:`read_image_files`.

Every conversion is recorded as an event and summed up in human-readable lines ("3 of 5 images
converted from RGB to grayscale") that the loaders return as ``conversions``. They are also
logged (logger ``skimgclf.datasets``, level INFO), not warned: a conversion the caller asked for
(``like=``, ``image_shape=``, ``color=``) is no sign of a mistake, a warning would be printed
once per call site only and twice by the command line, which prints ``conversions`` itself.
"""

from __future__ import annotations

import glob
import logging
import math
import numbers
import os
import re
import warnings

import numpy as np

from .._images import image_shape_from_flat
from .._sklearn_compat import HasMethods, StrOptions, validate_params
from ..exceptions import InputError, InputTypeError

__all__ = ["IMAGE_EXTENSIONS", "load_images"]

logger = logging.getLogger("skimgclf.datasets")

#: File name endings read as images when a folder or a glob is listed (case does not matter).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                    ".ppm", ".pbm", ".pnm")
_GLOB_CHARS = "*?["
_CHANNELS = {"gray": 1, "rgb": 3}


# --------------------------------------------------------------------------- one file
def decode_image(fname):
    """One file as uint8 ``(H, W)`` or ``(H, W, 3)``, as the file is, plus its events.

    Multi-frame files (GIF, multi-page TIFF) give their first frame; other depths than 8 bits
    are brought to uint8 by :func:`skimage.util.img_as_ubyte` (16-bit: the top 8 bits; floats
    must lie within [0, 1]); an alpha channel (LA, RGBA; palette files arrive as RGB(A)) is
    dropped when fully opaque and otherwise composited onto a white background, as
    :func:`skimage.color.rgba2rgb` does -- the only choice that keeps a drawing made on a
    transparent background visible, whatever colour its transparent pixels hold.
    """
    import imageio.v3 as iio

    events = []
    with warnings.catch_warnings():
        # a file no plugin reads makes imageio try them all, some of them deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        if os.fspath(fname).lower().endswith((".tif", ".tiff")):
            # The size from the header, before any pixel is decoded: a small file may announce
            # more pixels than memory holds. Pillow, which reads the other formats, refuses
            # such files itself; tifffile does not. (Reading the header costs as much as
            # decoding a small PNG: it is read where needed only.)
            shape = tuple(iio.improps(fname, index=0).shape)
            if math.prod(shape[:2]) > _MAX_PIXELS:
                raise InputError(f"it announces {_hw(shape)} pixels, more than the "
                                 f"{_MAX_PIXELS:,} an image may hold here (Pillow's "
                                 "decompression-bomb limit)")
        img = np.asarray(iio.imread(fname, index=0))
    if img.ndim == 4 or (img.ndim == 3 and img.shape[2] not in (1, 2, 3, 4)):
        # frames first (a volume, or a reader that ignored index=0): the first frame
        events.append(("frames",))
        img = img[0]
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3):
        raise InputError(f"unsupported image shape {img.shape}: expected (H, W) or (H, W, C)")
    if img.dtype != np.uint8:
        events.append(("depth", img.dtype.name))
        img = _as_ubyte(img)
    if img.ndim == 3 and img.shape[2] in (2, 4):
        alpha = img[..., -1:]
        img = img[..., :-1]
        if (alpha == 255).all():
            events.append(("alpha", "dropped"))
        else:
            events.append(("alpha", "composited"))
            weight = alpha / 255.0
            img = np.rint(img * weight + 255.0 * (1.0 - weight)).astype(np.uint8)
        if img.shape[2] == 1:
            img = img[..., 0]
    return img, events


def convert_image(img, color=None, size=None):
    """uint8 ``img`` in ``color`` ("gray", "rgb"; None: as it is), resized to ``size`` (H, W)."""
    from skimage.color import rgb2gray
    from skimage.transform import resize
    from skimage.util import img_as_ubyte

    events = []
    if color == "gray" and img.ndim == 3:
        events.append(("color", "RGB", "grayscale (skimage.color.rgb2gray)"))
        img = img_as_ubyte(rgb2gray(img))
    elif color == "rgb" and img.ndim == 2:
        events.append(("color", "grayscale", "RGB (the gray level on all three channels)"))
        img = np.repeat(img[..., np.newaxis], 3, axis=2)
    if size is not None and img.shape[:2] != tuple(size):
        events.append(("resize", img.shape[:2], tuple(size)))
        # Anti-aliasing's cost grows with the square of the shrink factor: a large shrink is
        # first done by block means (themselves a low-pass filter) to about twice the size.
        blocks = tuple(max(1, n // (2 * m)) for n, m in zip(img.shape[:2], size, strict=True))
        if max(blocks) > 1:
            from skimage.transform import downscale_local_mean

            img = downscale_local_mean(img, blocks + (1,) * (img.ndim - 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = resize(img, tuple(size) + img.shape[2:], order=1, anti_aliasing=True,
                         preserve_range=True)
        img = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return img, events


def read_image(fname, color=None, size=None):
    """:func:`decode_image` then :func:`convert_image`: ``(image, events)``."""
    img, events = decode_image(fname)
    img, more = convert_image(img, color, size)
    return img, events + more


def _as_ubyte(img):
    from skimage.util import img_as_ubyte

    if img.dtype.kind == "f":
        low, high = float(np.nanmin(img)), float(np.nanmax(img))
        if np.isnan(img).any() or low < 0 or high > 1:
            raise InputError(f"float pixels must lie within [0, 1] to be read as an image; this "
                             f"file holds values from {low:g} to {high:g}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # img_as_ubyte's "possible precision loss"
        return img_as_ubyte(img)


def unreadable_text(fname, exc):
    """``fname`` and why the reader failed, on one line however verbose the reader."""
    if os.path.isfile(fname) and os.path.getsize(fname) == 0:
        return f"{fname} (an empty file)"
    reason = " ".join(str(exc).split())
    return f"{fname} ({type(exc).__name__}: {reason[:160]})"


# --------------------------------------------------------------------------- many files
def read_image_files(filenames, color=None, size=None, *, where="", fixes="pass image_shape="
                     "(H, W) to resize them to one size"):
    """Read ``filenames`` into one uint8 array: ``(images, color, conversions)``.

    ``color`` None keeps the files' colour, RGB when they mix grayscale and colour files;
    ``size`` None keeps their size, which must then be the same for all. Every unreadable file
    is named in one error. ``conversions`` sums up the events, one line per kind.
    """
    n = len(filenames)
    images, events, unreadable = [], [], []
    for fname in filenames:
        try:
            img, ev = decode_image(fname)
        except Exception as exc:  # any reader failure means "unreadable"
            unreadable.append(unreadable_text(fname, exc))
            continue
        images.append(img)
        events.append(ev)
    if unreadable:
        raise InputError(f"{len(unreadable)} file(s) could not be read as images: "
                         + "; ".join(unreadable))
    mixed = color is None and len({img.ndim for img in images}) > 1
    if color is None:
        color = "rgb" if any(img.ndim == 3 for img in images) else "gray"
    for i, img in enumerate(images):  # in place: one image converted at a time
        images[i], ev = convert_image(img, color, size)
        events[i] = events[i] + ev
    if size is None:
        _check_one_size(filenames, images, where, fixes)
    conversions = _summarise(events, n)
    if mixed:
        conversions.append("the files mix grayscale and colour images: all read as RGB (pass "
                           "color='gray' for grayscale)")
    for line in conversions:
        logger.info("%s", line)
    shape = (n, *size) if size is not None else (n, *images[0].shape[:2])
    out = np.empty(shape + ((3,) if color == "rgb" else ()), dtype=np.uint8)
    for i, img in enumerate(images):
        out[i] = img
        images[i] = None  # free each decoded image once copied
    return out, color, conversions


def _check_one_size(filenames, images, where, fixes):
    first = images[0].shape[:2]
    for fname, img in zip(filenames, images, strict=True):
        if img.shape[:2] != first:
            raise InputError(
                f"images{where} have different sizes ({filenames[0]} is {_hw(first)}, {fname} "
                f"is {_hw(img.shape)}); {fixes}"
            )


def _summarise(events, n):
    """One line per kind of event, in the order of the reading, e.g. '3 of 5 images ...'."""
    counts = {}
    for ev in events:
        for e in dict.fromkeys(ev):  # an event counts once per image
            counts[e] = counts.get(e, 0) + 1
    lines = []
    # by kind, in the order the reader applies them, then in the order first met
    for event, k in sorted(counts.items(), key=lambda item: _KINDS.index(item[0][0])):
        kind, *rest = event
        of = f"{k} of {n} images"
        if kind == "frames":
            lines.append(f"{of}: first frame read (multi-frame files)")
        elif kind == "depth":
            lines.append(f"{of} converted from {rest[0]} to uint8 (skimage.util.img_as_ubyte)")
        elif kind == "alpha" and rest[0] == "dropped":
            lines.append(f"{of}: alpha channel dropped (fully opaque)")
        elif kind == "alpha":
            lines.append(f"{of}: alpha channel composited onto a white background")
        elif kind == "color":
            lines.append(f"{of} converted from {rest[0]} to {rest[1]}")
        else:
            lines.append(f"{of} resized from {_hw(rest[0])} to {_hw(rest[1])} "
                         "(skimage.transform.resize, anti-aliased)")
    return lines


_KINDS = ("frames", "depth", "alpha", "color", "resize")


def _hw(shape):
    return f"{shape[0]}x{shape[1]}"


# --------------------------------------------------------------------------- arguments
def check_size(image_shape, name="image_shape"):
    """``(H, W)`` of two positive ints up to ``_MAX_SIDE``, as a tuple; anything else is
    named."""
    if len(image_shape) != 2 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and 1 <= s <= _MAX_SIDE
        for s in image_shape
    ):
        raise InputError(f"{name} must be (H, W) with two positive ints (at most "
                         f"{_MAX_SIDE}); got {tuple(image_shape)!r}")
    return tuple(int(s) for s in image_shape)


# A side past this is a typo, not an image to classify: refused before any memory is asked for.
_MAX_SIDE = 16384
# Pixels a file may announce: where Pillow refuses one (twice Image.MAX_IMAGE_PIXELS), for
# every format.
_MAX_PIXELS = 2 * 89_478_485


def _check_target(image_shape, color):
    """``(size, color)`` from ``image_shape`` (H, W) or (H, W, C) and ``color``."""
    if image_shape is None:
        return None, color
    image_shape = tuple(image_shape)
    if len(image_shape) != 3:
        return check_size(image_shape), color
    size, channels = check_size(image_shape[:2]), image_shape[2]
    from_c = None
    if isinstance(channels, numbers.Integral) and not isinstance(channels, bool):
        from_c = {1: "gray", 3: "rgb"}.get(int(channels))
    if from_c is None:
        raise InputError(f"image_shape=(H, W, C) takes C = 1 (grayscale) or 3 (RGB); got "
                         f"{image_shape!r}")
    if color is not None and color != from_c:
        raise InputError(f"image_shape={image_shape!r} asks for {channels} channel(s), but "
                         f"color={color!r}; drop one of them")
    return size, from_c


def expected_image_shape(model):
    """``(H, W, C)`` of the images a fitted ``model`` expects (a Pipeline, a search, a step).

    The first step decides: its ``image_shape_`` (every step and network of this package), or
    its ``n_features_in_`` read as square grayscale (any scikit-learn estimator fitted on flat
    rows of images).
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    name = type(model).__name__
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise InputError(f"like={name}(...) is not fitted; fit it first, or pass "
                         "image_shape=(H, W) and color= instead") from None
    except TypeError:  # not an estimator at all
        raise InputTypeError(f"like must be a fitted model; got {name}") from None
    first = _first_step(model)
    shape = getattr(first, "image_shape_", None)
    if shape is not None:
        return tuple(int(s) for s in shape)
    n_features = getattr(first, "n_features_in_", getattr(model, "n_features_in_", None))
    if n_features is None:
        raise InputError(f"like={name}(...) is not an image model: its first step "
                         f"({type(first).__name__}) records neither image_shape_ nor "
                         "n_features_in_; pass image_shape=(H, W) and color= instead")
    try:
        return image_shape_from_flat(int(n_features))
    except InputError:
        raise InputError(f"like={name}(...) expects {n_features} features per sample, which is "
                         "not a square grayscale image; pass image_shape=(H, W) or (H, W, C) "
                         "instead") from None


def as_model_input(model, images):
    """``images`` as a fitted ``model`` takes them: flat rows for a model fitted on flat rows
    (its first step records ``n_features_in_`` but no ``image_shape_``: any scikit-learn
    estimator), the images as they are otherwise."""
    first = _first_step(model)
    if getattr(first, "image_shape_", None) is None and hasattr(first, "n_features_in_"):
        return images.reshape(len(images), -1)
    return images


def _first_step(model):
    while True:
        model = getattr(model, "best_estimator_", model)  # a fitted search
        steps = getattr(model, "steps", None)
        if not steps:
            return model
        model = next((s for _, s in steps if s not in (None, "passthrough")), steps[-1][1])


def list_image_paths(paths, *, recursive=False, extensions=IMAGE_EXTENSIONS):
    """The image files named by ``paths`` (a path, a folder, a glob, or a list of them), in order.

    A folder gives its image files (by extension), sorted; a glob its matching image files,
    sorted; a file is taken as named (whatever its extension).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []
    for i, item in enumerate(paths):
        if not isinstance(item, (str, os.PathLike)):
            raise InputTypeError(f"paths takes paths, folders or glob patterns; item {i} of the "
                                 f"list is {item!r}")
        item = os.fspath(item)
        if os.path.isdir(item):
            found = _folder_images(item, recursive, extensions)
            if not found:
                deeper = not recursive and _folder_images(item, True, extensions)
                hint = ("; its sub-folders hold some: read them with recursive=True "
                        "(skimgclf predict -r)" if deeper else "")
                raise InputError(f"folder {item} holds no image files "
                                 f"({', '.join(extensions)}){hint}")
            files += found
        elif os.path.isfile(item):
            files.append(item)
        elif any(c in item for c in _GLOB_CHARS):
            matched = sorted(_walk_glob(item) if recursive and "**" in item
                             else glob.glob(item))
            found = [f for f in matched if os.path.isfile(f) and f.lower().endswith(extensions)]
            if not matched:
                raise FileNotFoundError(f"no file matches the pattern {item}")
            if not found:
                raise InputError(f"the pattern {item} matches {len(matched)} path(s), but no "
                                 f"image file ({', '.join(extensions)})")
            files += found
        else:
            raise FileNotFoundError(f"no such file or folder: {item}")
    if not files:
        raise InputError("paths is empty; pass image files, folders or glob patterns")
    return files


def _walk_glob(pattern):
    """``glob.glob(pattern, recursive=True)``, without following links to folders.

    glob follows them, so a link to a parent folder (``up -> ..``) makes ``**`` walk the same
    folders again and again, for as long as the paths stay short enough: here each folder is
    walked once (``os.walk``) and every path matched against the pattern. As in glob, names
    that start with a dot are matched only by components that do too.
    """
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = next(i for i, part in enumerate(parts) if any(c in part for c in _GLOB_CHARS))
    root = "/".join(parts[:fixed]) or ("/" if pattern.startswith("/") else "")
    regex = re.compile("".join(
        ("(?:[^/]*/)*" if i < len(parts) - 1 else ".*") if part == "**"
        else _component_regex(part) + ("/" if i < len(parts) - 1 else "")
        for i, part in enumerate(parts[fixed:], start=fixed)
    ))
    prefix = "" if not root else root.rstrip("/") + "/"
    hidden_ok = any(part.startswith(".") for part in parts[fixed:])
    found = []
    for folder, dirs, names in os.walk(root or ".", followlinks=False):
        dirs[:] = sorted(d for d in dirs if hidden_ok or not d.startswith("."))
        rel = os.path.relpath(folder, root or ".").replace(os.sep, "/")
        rel = "" if rel == "." else rel + "/"
        found += [prefix + rel + name for name in sorted(names)
                  if regex.fullmatch(rel + name) and (hidden_ok or not name.startswith("."))]
    return [path.replace("/", os.sep) for path in found]


def _component_regex(part):
    """One glob component (``*``, ``?``, ``[...]``) as a regex that stays within a folder."""
    out, i = [], 0
    while i < len(part):
        c = part[i]
        close = part.find("]", i + 2) if c == "[" else -1
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif close != -1:
            body = part[i + 1:close]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = close
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _folder_images(folder, recursive, extensions):
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        found += [os.path.join(root, f) for f in names
                  if not f.startswith(".") and f.lower().endswith(extensions)
                  and os.path.isfile(os.path.join(root, f))]
    return sorted(found, key=lambda f: os.path.relpath(f, folder).split(os.sep))


# --------------------------------------------------------------------------- public
@validate_params(
    {
        "paths": [str, os.PathLike, list, tuple],
        "like": [HasMethods(["fit"]), None],
        "image_shape": [tuple, list, None],
        "color": [StrOptions({"gray", "rgb"}), None],
        "recursive": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_images(paths, *, like=None, image_shape=None, color=None, recursive=False):
    """Read image files into one uint8 array, converted to the shape a fitted model expects.

    ``model.predict(load_images("photos/*.png", like=model).images)`` classifies files of any
    size and colour with a model fitted on, say, 28x28 grayscale digits. Every conversion made
    is listed in ``conversions`` (and logged to the ``skimgclf.datasets`` logger at INFO level).

    Parameters
    ----------
    paths : str, path-like, or list of them
        Image files (read whatever their extension), folders (their image files, by extension
        -- see ``IMAGE_EXTENSIONS`` -- sorted; hidden entries skipped) and glob patterns (their
        matching image files, sorted), alone or in a list. The images keep this order.
    like : fitted estimator or Pipeline, default=None
        A fitted model: the images are converted to the shape and colour its first step was
        fitted on (``image_shape_``, or ``n_features_in_`` read as square grayscale), and given
        as flat rows to a model fitted on flat rows (a first step without ``image_shape_``).
    image_shape : (H, W) or (H, W, C), default=None
        Resize every image to ``(H, W)`` (:func:`skimage.transform.resize`, anti-aliased); C,
        1 or 3, sets the colour. Overrides what ``like`` says.
    color : {"gray", "rgb"} or None, default=None
        ``"gray"``: luminance (:func:`skimage.color.rgb2gray`); ``"rgb"``: three channels (gray
        files repeated on them). None: what ``like`` or ``image_shape`` say, else as the files
        are (RGB when they mix grayscale and colour files). Overrides what ``like`` says.
    recursive : bool, default=False
        List the sub-folders of folders too, and let ``**`` in a glob match folders.

    Returns
    -------
    data : Bunch
        ``images`` uint8, ``(n, H, W)`` grayscale or ``(n, H, W, 3)`` RGB (``(n, H*W*C)``
        flat rows for a ``like`` fitted on flat rows); ``filenames``
        (list of str), the file of each image; ``conversions`` (list of str), one line per kind
        of conversion made, e.g. ``"3 of 5 images resized from 32x32 to 28x28 ..."``;
        ``DESCR``. Files of another depth than 8 bits are brought to uint8 by
        :func:`skimage.util.img_as_ubyte` (float pixels must lie within [0, 1]); an alpha
        channel is dropped when fully opaque, else composited onto white; multi-frame files
        give their first frame.

    Raises
    ------
    FileNotFoundError
        A path that does not exist, or a glob pattern that matches nothing.
    InputError
        A folder without image files, a file that cannot be read (all are named), images of
        different sizes without ``image_shape`` or ``like``, a malformed ``image_shape``, or a
        ``like`` that is not fitted or not an image model.

    See Also
    --------
    load_image_folder : A labelled folder, one sub-folder per class.
    skimage.io.imread : The reader (imageio) behind it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, skimage.io
    >>> from skimgclf.preprocessing import Normalizer
    >>> folder = tempfile.mkdtemp()
    >>> skimage.io.imsave(os.path.join(folder, "a.png"), np.zeros((32, 32), np.uint8),
    ...                   check_contrast=False)
    >>> skimage.io.imsave(os.path.join(folder, "b.png"), np.zeros((20, 24, 3), np.uint8),
    ...                   check_contrast=False)
    >>> model = Normalizer().fit(np.zeros((4, 28, 28), np.uint8))   # a 28x28 gray model
    >>> found = load_images(folder, like=model)
    >>> found.images.shape, [os.path.basename(f) for f in found.filenames]
    ((2, 28, 28), ['a.png', 'b.png'])
    >>> print("\\n".join(found.conversions))
    1 of 2 images converted from RGB to grayscale (skimage.color.rgb2gray)
    1 of 2 images resized from 32x32 to 28x28 (skimage.transform.resize, anti-aliased)
    1 of 2 images resized from 20x24 to 28x28 (skimage.transform.resize, anti-aliased)
    >>> model.transform(found.images).shape
    (2, 28, 28)
    """
    from sklearn.utils import Bunch

    size, color = _check_target(image_shape, color)
    if like is not None:
        h, w, c = expected_image_shape(like)
        if size is None:
            size = (h, w)
        if color is None:
            color = {1: "gray", 3: "rgb"}.get(c)
            if color is None:
                raise InputError(f"like={type(like).__name__}(...) expects images of {h}x{w}x"
                                 f"{c}; load_images gives 1 (gray) or 3 (RGB) channels")
    filenames = list_image_paths(paths, recursive=recursive)
    images, color, conversions = read_image_files(
        filenames, color, size,
        fixes="pass image_shape=(H, W) to resize them all, or like=model to convert them to "
              "what a fitted model expects")
    descr = (f"{len(filenames)} image files read as {images.shape[1]}x{images.shape[2]} "
             f"{'grayscale' if color == 'gray' else 'RGB'} uint8 images.\n")
    if like is not None:
        images = as_model_input(like, images)
    return Bunch(images=images, filenames=filenames, conversions=conversions, DESCR=descr)
