"""Image sets read on demand (skimgclf._sources and ImageFolderDataset).

Each is a map-style data set (``ds[i]`` is one image) and an array-like for scikit-learn
(``shape``; indexing by rows gives a view, nothing read), reads only what a batch asks for, and
pickles small enough for DataLoader workers.
"""

from __future__ import annotations

import copy
import os
import pickle

import numpy as np
import pytest
import skimage.io
import torch
from sklearn.model_selection import KFold, train_test_split
from sklearn.utils import check_consistent_length, indexable
from torch.utils.data import DataLoader, Dataset, TensorDataset

from skimgclf._sources import (
    ArrayImageDataset,
    ImageDataset,
    TorchImageDataset,
    as_image_source,
    is_image_source,
)
from skimgclf.datasets import ImageFolderDataset, load_image_folder

# --------------------------------------------------------------------------- arrays
N = 10


@pytest.fixture
def images():
    """Ten 4x3 RGB images whose every pixel holds the image's index, and their labels."""
    x = np.broadcast_to(np.arange(N, dtype=np.uint8)[:, None, None, None], (N, 4, 3, 3)).copy()
    return x, np.arange(N) % 3


@pytest.fixture
def ds(images):
    return ArrayImageDataset(*images)


def _ids(batch):
    """The index each image of a batch was made from (see ``images``)."""
    return np.asarray(batch)[:, 0, 0, 0].tolist()


def test_shape_dtype_and_items(ds, images):
    x, y = images
    assert ds.shape == (N, 4, 3, 3) and ds.ndim == 4 and len(ds) == N
    assert ds.dtype == np.uint8 and ds.image_shape == (4, 3, 3)
    assert repr(ds) == "ArrayImageDataset(10 images of 4x3x3)"
    np.testing.assert_array_equal(ds[2], x[2])
    np.testing.assert_array_equal(ds.targets, y)
    assert [int(img[0, 0, 0]) for img in ds] == list(range(N))
    assert isinstance(ds, ImageDataset) and is_image_source(ds) and as_image_source(ds) is ds


def test_gray_images_get_one_channel():
    gray = ArrayImageDataset(np.zeros((3, 5, 6), dtype=np.float32))
    assert gray.shape == (3, 5, 6, 1) and gray[0].shape == (5, 6, 1)
    assert gray.read([2, 0]).shape == (2, 5, 6, 1) and gray.targets is None


@pytest.mark.parametrize("key", [3, -1, np.int64(4), -N])
def test_an_integer_reads_one_image(ds, images, key):
    np.testing.assert_array_equal(ds[key], images[0][key])


@pytest.mark.parametrize("key", [
    slice(2, 8, 3), slice(None, None, -1), [5, 1, 5], np.array([9, -2, 0]),
    np.arange(N) % 4 == 0, [True] * N, (np.array([3, 1]), Ellipsis), (np.array([7]),), [],
], ids=["slice", "reversed", "list-repeated", "array-negative", "mask", "list-mask",
        "tuple-ellipsis", "tuple-1", "empty"])
def test_a_row_index_gives_a_view_as_an_array_would(ds, images, key):
    x, y = images
    rows = key[0] if isinstance(key, tuple) else key
    view = ds[key]
    assert isinstance(view, ArrayImageDataset) and view is not ds
    expected = x[rows]
    assert view.shape == expected.shape
    np.testing.assert_array_equal(view.read(np.arange(len(view))), expected)
    np.testing.assert_array_equal(view.targets, y[np.arange(N)[rows]])
    assert len(ds) == N and ds._indices is None  # the source is left as it was


@pytest.mark.parametrize("key, match", [
    (N, "image 10 is out of range for 10 images"),
    (-N - 1, "image -11 is out of range"),
    ([1, N + 5, 2], "index 15 is out of range for 10 images"),
    ([4, -N - 3], "index -13 is out of range"),
    (np.ones(N - 1, dtype=bool), r"a boolean mask of shape \(9,\) cannot index 10 images"),
    (1.0, "indexed by integers, slices or masks, got float64"),
    ([0.0, 2.0], "indexed by integers, slices or masks, got float64"),
    (np.zeros((2, 2), dtype=int), r"a 1-d array of rows, got shape \(2, 2\)"),
    ((slice(None), 0), "indexed by rows only"),
    ((0, 1, 2), "indexed by rows only"),
], ids=["past-end", "before-start", "array-past-end", "array-negative", "bad-mask", "float",
        "float-array", "2d", "column", "three-axes"])
def test_bad_indices_are_named(ds, key, match):
    with pytest.raises(IndexError, match=match):
        ds[key]


def test_views_compose_and_targets_follow(ds, images):
    x, y = images
    view = ds[np.array([8, 6, 4, 2, 0])][1:4][[2, 0]]  # rows 2 and 6 of the source, in that order
    np.testing.assert_array_equal(view._indices, [2, 6])
    assert _ids(view.read([0, 1])) == [2, 6] and int(view[-1][0, 0, 0]) == 6
    np.testing.assert_array_equal(view.targets, y[[2, 6]])
    # the intermediate views are unchanged by the next cut (copy.copy, new indices)
    middle = ds[np.array([8, 6, 4, 2, 0])][1:4]
    middle_copy = copy.copy(middle)
    middle_copy._indices = middle_copy._indices[:1]
    assert len(middle) == 3 and len(middle_copy) == 1


def test_read_returns_the_asked_rows_in_the_asked_order(ds):
    assert _ids(ds.read([7, 2, 7, 0, 9])) == [7, 2, 7, 0, 9]
    assert _ids(ds.read(np.array([-1, 3]))) == [9, 3]
    assert _ids(ds[::2].read([4, 0, 4])) == [8, 0, 8]
    assert ds.read([]).shape == (0, 4, 3, 3)


def test_mismatched_lengths_and_non_images_are_refused():
    with pytest.raises(ValueError, match="5 images but 4 targets"):
        ArrayImageDataset(np.zeros((5, 2, 2)), targets=[0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"array of shape \(n, H, W\) or \(n, H, W, C\); got "
                       r"\(5, 4\)"):
        ArrayImageDataset(np.zeros((5, 4)))


# --------------------------------------------------------------------------- memmaps
class _RecordingRows:
    """An array whose every indexing is recorded: what a data set reads, and nothing more."""

    def __init__(self, array):
        self.array, self.keys = array, []
        self.shape, self.ndim, self.dtype = array.shape, array.ndim, array.dtype

    def __len__(self):
        return len(self.array)

    def __getitem__(self, key):
        self.keys.append(np.array(key).tolist())
        return self.array[key]


def test_a_memmap_is_read_only_at_the_asked_rows(tmp_path, images):
    x, y = images
    path = tmp_path / "images.u8"
    x.tofile(path)
    mm = np.memmap(path, dtype=np.uint8, mode="r", shape=x.shape)
    assert is_image_source(mm)
    ds = as_image_source(mm, y)
    assert isinstance(ds, ArrayImageDataset) and ds.shape == x.shape
    assert _ids(ds[[9, 1]].read([0, 1, 0])) == [9, 1, 9]
    np.testing.assert_array_equal(ds[3], x[3])

    recording = _RecordingRows(mm)
    view = ArrayImageDataset(recording, y)[N // 2:]
    assert recording.keys == []  # a view reads nothing
    assert _ids(view.read([3, 0, 3, 1])) == [8, 5, 8, 6]
    assert recording.keys == [[5, 6, 8, 8]]  # one read, of those rows only, in file order
    assert view.targets.tolist() == y[N // 2:].tolist() and len(recording.keys) == 1


def test_a_memmap_view_pickles_as_its_indices(tmp_path, images):
    x, _ = images
    path = tmp_path / "images.u8"
    x.tofile(path)
    view = ArrayImageDataset(np.memmap(path, dtype=np.uint8, mode="r", shape=x.shape))[[4, 2]]
    loaded = pickle.loads(pickle.dumps(view))
    assert _ids(loaded.read([0, 1])) == [4, 2] and len(loaded) == 2


# --------------------------------------------------------------------------- scikit-learn
def test_scikit_learn_sees_an_array_like(ds, images):
    x, y = images
    check_consistent_length(ds, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_consistent_length(ds, y[:-1])
    X_checked, y_checked = indexable(ds, y)
    assert X_checked is ds and y_checked is y


def test_train_test_split_and_kfold_cut_views(ds, images):
    x, y = images
    X_train, X_test, y_train, y_test = train_test_split(ds, y, test_size=3, random_state=0)
    assert isinstance(X_train, ArrayImageDataset) and len(X_train) == 7 and len(X_test) == 3
    np.testing.assert_array_equal(X_train.targets, y_train)
    np.testing.assert_array_equal(X_test.targets, y_test)
    assert sorted(_ids(X_train.read(range(7))) + _ids(X_test.read(range(3)))) == list(range(N))
    for train, test in KFold(n_splits=3, shuffle=True, random_state=0).split(ds, y):
        np.testing.assert_array_equal(ds[train].read(np.arange(len(train))), x[train])
        np.testing.assert_array_equal(ds[test].targets, y[test])


# --------------------------------------------------------------------------- torch data sets
class _Images(Dataset):
    """Images only (no labels), as (H, W) arrays; counts the items read."""

    def __init__(self, shapes, targets=None):
        self.shapes, self.reads = shapes, 0
        if targets is not None:
            self.targets = targets

    def __len__(self):
        return len(self.shapes)

    def __getitem__(self, i):
        self.reads += 1
        return np.full(self.shapes[i], i, dtype=np.uint8)


def test_a_tensor_dataset_of_chw_tensors_and_labels():
    x = torch.arange(4 * 3 * 5 * 2, dtype=torch.float32).reshape(4, 3, 5, 2) / 100
    labels = torch.tensor([1, 0, 1, 1])
    ds = TorchImageDataset(TensorDataset(x, labels))
    assert ds.shape == (4, 5, 2, 3) and ds.dtype == np.float32 and ds.ndim == 4
    np.testing.assert_array_equal(ds[1], x[1].permute(1, 2, 0).numpy())
    assert ds.targets.tolist() == [1, 0, 1, 1] and ds[[3, 1]].targets.tolist() == [1, 0]
    np.testing.assert_array_equal(ds[1:].read([2, 0]), x[[3, 1]].permute(0, 2, 3, 1).numpy())
    assert is_image_source(TensorDataset(x, labels))
    assert isinstance(as_image_source(TensorDataset(x, labels), [0, 0, 0, 0]), TorchImageDataset)


def test_images_only_with_targets_given_or_carried():
    given = TorchImageDataset(_Images([(3, 2)] * 5), targets=[0, 1, 2, 1, 0])
    assert given.shape == (5, 3, 2, 1) and given[[4, 2]].targets.tolist() == [0, 2]
    assert _ids(given.read([4, 2])) == [4, 2]
    carried = _Images([(3, 2)] * 4, targets=[3, 3, 1, 1])
    ds = TorchImageDataset(carried)
    reads = carried.reads
    assert ds[2:].targets.tolist() == [1, 1] and carried.reads == reads  # labels read no image
    assert TorchImageDataset(_Images([(3, 2)] * 2)).targets is None  # no labels anywhere


def test_torch_dataset_errors():
    ds = TorchImageDataset(_Images([(3, 2), (3, 2), (4, 2)]))
    assert ds[1].shape == (3, 2, 1)
    with pytest.raises(ValueError, match=r"item 2 of _Images is an image of 4x2x1, but item 0 "
                       r"is 3x2x1; every image must have one shape"):
        ds.read([0, 2])
    with pytest.raises(ValueError, match="_Images holds no items"):
        TorchImageDataset(_Images([]))
    with pytest.raises(TypeError, match="is not a map-style data set"):
        TorchImageDataset(iter([np.zeros((2, 2))]))
    with pytest.raises(TypeError, match="list is not an image set read on demand"):
        as_image_source([np.zeros((2, 2))])
    assert not is_image_source(np.zeros((2, 2, 2)))


# --------------------------------------------------------------------------- image folders
def _save(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    skimage.io.imsave(path, image, check_contrast=False)


def _pattern(seed, shape):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.fixture
def rgb_folder(tmp_path):
    """Two classes of 12x10 RGB PNGs (written out of order), and clutter that is ignored."""
    root = tmp_path / "rgb"
    written = {}
    for i, (label, name) in enumerate([("zebra", "b.png"), ("ant", "c.png"), ("zebra", "a.png"),
                                       ("ant", "a.PNG")]):
        written[f"{label}/{name}"] = _pattern(i, (12, 10, 3))
        _save(root / label / name, written[f"{label}/{name}"])
    (root / "ant" / "notes.txt").write_text("not an image")
    (root / "ant" / ".hidden.png").write_bytes(b"not read")
    (root / ".cache").mkdir()
    (root / "README.md").write_text("a file beside the class folders")
    return root, written


@pytest.fixture
def gray_folder(tmp_path):
    root = tmp_path / "gray"
    written = {}
    for i, label in enumerate(["one", "two", "two"]):
        written[f"{label}/{i}.png"] = _pattern(10 + i, (9, 7))
        _save(root / label / f"{i}.png", written[f"{label}/{i}.png"])
    return root, written


def _relative(ds, root):
    return [os.path.relpath(f, root).replace(os.sep, "/") for f in ds.files]


def test_folder_lists_sorted_classes_and_files(rgb_folder):
    root, written = rgb_folder
    ds = ImageFolderDataset(root)
    assert ds.classes == ["ant", "zebra"]
    assert _relative(ds, root) == ["ant/a.PNG", "ant/c.png", "zebra/a.png", "zebra/b.png"]
    assert ds.targets.tolist() == [0, 0, 1, 1] and ds.targets.dtype == np.int64
    assert ds.shape == (4, 12, 10, 3) and ds.dtype == np.uint8 and ds.color == "rgb"
    assert repr(ds) == "ImageFolderDataset(4 images of 12x10x3)"
    for i, name in enumerate(_relative(ds, root)):
        np.testing.assert_array_equal(ds[i], written[name])  # PNG is lossless
    # the same pixels as the eager loader, which shares the reader
    np.testing.assert_array_equal(ds.read(range(4)), load_image_folder(root).images)


def test_folder_views_cut_files_and_targets(rgb_folder):
    root, written = rgb_folder
    ds = ImageFolderDataset(root)
    zebras = ds[ds.targets == 1]
    assert _relative(zebras, root) == ["zebra/a.png", "zebra/b.png"]
    assert zebras.targets.tolist() == [1, 1] and zebras.classes == ["ant", "zebra"]
    np.testing.assert_array_equal(zebras[::-1][0], written["zebra/b.png"])
    assert len(ds.files) == 4  # the source keeps its files
    X_train, X_test = train_test_split(ds, test_size=2, stratify=ds.targets, random_state=0)
    assert sorted(X_train.targets.tolist()) == [0, 1] and sorted(X_test.files + X_train.files) \
        == sorted(ds.files)


def test_folder_color_as_the_files_are_or_converted(rgb_folder, gray_folder):
    gray_root, gray_written = gray_folder
    gray = ImageFolderDataset(gray_root)  # gray files stay one channel
    assert gray.color == "gray" and gray.shape == (3, 9, 7, 1) and gray.classes == ["one", "two"]
    np.testing.assert_array_equal(gray[2][..., 0], gray_written["two/2.png"])
    as_rgb = ImageFolderDataset(gray_root, color="rgb")
    assert as_rgb.shape == (3, 9, 7, 3)
    np.testing.assert_array_equal(as_rgb[2], np.repeat(gray[2], 3, axis=2))

    rgb_root, _ = rgb_folder
    as_gray = ImageFolderDataset(rgb_root, color="gray")
    assert as_gray.shape == (4, 12, 10, 1) and as_gray.color == "gray"
    np.testing.assert_array_equal(as_gray.read(range(4))[..., 0],
                                  load_image_folder(rgb_root, color="gray").images)


def test_folder_resizes_as_the_eager_loader(rgb_folder):
    root, _ = rgb_folder
    ds = ImageFolderDataset(root, image_shape=[6, 5])
    assert ds.shape == (4, 6, 5, 3) and ds.image_shape == (6, 5, 3)
    np.testing.assert_array_equal(ds.read([3, 0]),
                                  load_image_folder(root, image_shape=(6, 5)).images[[3, 0]])


def test_folder_of_mixed_sizes_needs_image_shape(tmp_path):
    _save(tmp_path / "a" / "small.png", _pattern(0, (8, 8, 3)))
    _save(tmp_path / "b" / "large.png", _pattern(1, (16, 12, 3)))
    ds = ImageFolderDataset(tmp_path)
    assert ds.shape == (2, 8, 8, 3) and ds[0].shape == (8, 8, 3)  # the first file's size
    with pytest.raises(ValueError, match=r"large\.png is an image of 16x12 pixels, but the first "
                       r"image \(.*small\.png\) is 8x8; pass image_shape=\(H, W\)"):
        ds[1]
    assert ImageFolderDataset(tmp_path, image_shape=(8, 8)).read([0, 1]).shape == (2, 8, 8, 3)


# imageio tries its every plugin on a broken file, one of which warns of its own deprecation
@pytest.mark.filterwarnings("ignore:The legacy `DICOM` plugin:DeprecationWarning")
def test_folder_names_unreadable_files(rgb_folder, tmp_path):
    root, _ = rgb_folder
    (root / "zebra" / "broken.png").write_bytes(b"\x89PNG not really")
    ds = ImageFolderDataset(root)  # listing reads the first file only
    assert len(ds) == 5 and ds[0].shape == (12, 10, 3)
    with pytest.raises(ValueError, match=r"could not read an image: .*zebra.broken\.png \("):
        ds[ds.files.index(str(root / "zebra" / "broken.png"))]
    (tmp_path / "first" / "a").mkdir(parents=True)
    (tmp_path / "first" / "a" / "0.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match=r"could not read an image: .*a.0\.jpg"):
        ImageFolderDataset(tmp_path / "first")


def test_folder_argument_errors(tmp_path, rgb_folder):
    with pytest.raises(FileNotFoundError, match="image folder not found: .*nope"):
        ImageFolderDataset(tmp_path / "nope")
    (tmp_path / "a_file.png").write_bytes(b"")
    with pytest.raises(NotADirectoryError, match=r"a_file\.png is a file"):
        ImageFolderDataset(tmp_path / "a_file.png")
    (tmp_path / "flat").mkdir()
    _save(tmp_path / "flat" / "0.png", _pattern(0, (4, 4)))
    with pytest.raises(ValueError, match="has no sub-folders; expected one sub-folder per class"):
        ImageFolderDataset(tmp_path / "flat")
    root, _ = rgb_folder
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match=r"class folder\(s\) empty under .* hold no image files"):
        ImageFolderDataset(root)
    with pytest.raises(ValueError, match=r"class folder\(s\) ant, empty, zebra .*\(\.jpg\)"):
        ImageFolderDataset(root, extensions=".JPG")
    with pytest.raises(ValueError, match="color must be 'gray', 'rgb' or None; got 'hsv'"):
        ImageFolderDataset(root, color="hsv")
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W\) with two positive ints"):
        ImageFolderDataset(root, image_shape=(0, 4))
    with pytest.raises(ValueError, match="extensions must be file name endings"):
        ImageFolderDataset(root, extensions=())


def test_folder_extensions_choose_the_files(rgb_folder):
    root, _ = rgb_folder
    (root / "ant" / "notes.txt").unlink()
    _save(root / "ant" / "extra.gif", _pattern(7, (12, 10, 3)))
    ds = ImageFolderDataset(root, extensions=(".png", ".GIF"))
    assert _relative(ds, root) == ["ant/a.PNG", "ant/c.png", "ant/extra.gif", "zebra/a.png",
                                   "zebra/b.png"]
    assert len(ImageFolderDataset(root)) == 5  # .gif is an image extension by default too


def test_folder_pickles_as_paths(rgb_folder):
    root, written = rgb_folder
    ds = ImageFolderDataset(root)
    data = pickle.dumps(ds)
    assert len(data) < sum(map(len, ds.files)) + 600  # the paths and a few attributes
    assert not any(image.tobytes() in data for image in written.values())  # no pixels
    loaded = pickle.loads(data)
    np.testing.assert_array_equal(loaded.read([3, 1]), ds.read([3, 1]))
    view = pickle.loads(pickle.dumps(ds[[2, 0]]))
    assert view.files == [ds.files[2], ds.files[0]] and view.targets.tolist() == [1, 0]
    shallow = copy.copy(ds)[1:]
    assert len(shallow) == 3 and len(ds) == 4


def test_folder_through_a_dataloader_with_workers(rgb_folder):
    root, _ = rgb_folder
    ds = ImageFolderDataset(root, image_shape=(6, 5))[[3, 0, 2, 1]]
    loader = DataLoader(ds, batch_size=3, num_workers=2)
    batches = [b.numpy() for b in loader]
    assert [len(b) for b in batches] == [3, 1]
    np.testing.assert_array_equal(np.concatenate(batches), ds.read(range(4)))


@pytest.mark.slow  # a spawned worker imports torch and skimgclf afresh: about 4 s
def test_folder_reaches_a_spawned_worker(rgb_folder):
    # spawn (the default on macOS and Windows) pickles the data set into a new interpreter
    root, _ = rgb_folder
    ds = ImageFolderDataset(root)[[1, 3]]
    loader = DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn")
    np.testing.assert_array_equal(next(iter(loader)).numpy(), ds.read([0, 1]))
