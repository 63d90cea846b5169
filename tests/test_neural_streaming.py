"""Images read on demand: a memmap, an image folder, a torch Dataset, batch by batch.

The networks and PretrainedFeatures take them besides arrays and read one batch at a time
(through a DataLoader with ``num_workers``), with the same augmentation, class weights,
validation split and early stopping; scikit-learn's searches cut them into folds as views.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.io import imsave
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from skimgclf import (
    CNNClassifier,
    HOGFeatures,
    Normalizer,
    PretrainedFeatures,
    TorchMLPClassifier,
)
from skimgclf.datasets import (
    ArrayImageDataset,
    ImageFolderDataset,
    TorchImageDataset,
    load_digits_images,
)

FAST = {"max_epochs": 3, "batch_size": 64, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X.reshape(-1, 8, 8), y  # uint8 0-255 pixels


@pytest.fixture(scope="module")
def memmap(digits, tmp_path_factory):
    path = tmp_path_factory.mktemp("mm") / "digits.npy"
    np.save(path, digits[0])
    return np.load(path, mmap_mode="r")


class _Recording(ArrayImageDataset):
    """Remembers how many images each read asked for (never the whole set, by design)."""

    reads: list

    def _read_many(self, rows):
        self.reads.append(len(rows))
        return super()._read_many(rows)


@pytest.mark.parametrize("cls", [CNNClassifier, TorchMLPClassifier])
def test_a_memmap_trains_and_predicts_as_the_array(cls, digits, memmap):
    X, y = digits
    in_memory = cls(**FAST).fit(X[:1000], y[:1000])
    streamed = cls(**FAST).fit(memmap[:1000], y[:1000])
    np.testing.assert_allclose(streamed.predict_proba(memmap[1000:]),
                               in_memory.predict_proba(X[1000:]), rtol=1e-5, atol=1e-6)


def test_an_image_set_is_read_one_batch_at_a_time(digits, monkeypatch):
    from skimgclf.preprocessing import _normalizer

    monkeypatch.setattr(_normalizer, "_CHUNK_ELEMENTS", 100 * 64)  # statistics: chunks of 100
    X, y = digits
    source = _Recording(X[:900], y[:900])
    source.reads = []
    clf = CNNClassifier(validation_fraction=0.2, early_stopping=2, normalize="channel",
                        **FAST).fit(source)
    clf.predict(source)
    assert source.reads[:9] == [100] * 9  # normalize's statistics, in one pass
    assert 0 < max(source.reads[9:]) <= FAST["batch_size"]  # then batches, never more
    assert "valid_loss" in clf.history_[-1] and len(clf.history_) >= 1


def test_workers_read_the_same_batches(digits, memmap):
    _, y = digits
    one = CNNClassifier(**FAST).fit(memmap[:600], y[:600])
    two = CNNClassifier(num_workers=2, **FAST).fit(memmap[:600], y[:600])
    np.testing.assert_allclose(two.predict_proba(memmap[600:800]),
                               one.predict_proba(memmap[600:800]), rtol=1e-5, atol=1e-6)


def test_a_torch_dataset_of_chw_tensors_with_its_labels(digits):
    X, y = digits
    pairs = torch.utils.data.TensorDataset(
        torch.from_numpy(X[:, None].astype(np.float32) / 255), torch.from_numpy(y))
    clf = CNNClassifier(class_weight="balanced", **FAST).fit(pairs)  # y from the pairs
    reference = CNNClassifier(class_weight="balanced", **FAST).fit(
        (X / 255).astype(np.float32), y)
    np.testing.assert_allclose(clf.predict_proba(TorchImageDataset(pairs)),
                               reference.predict_proba((X / 255).astype(np.float32)),
                               rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, digits):
    """Two classes of PNG files (zeros and ones of the digits), 100 each."""
    X, y = digits
    root = tmp_path_factory.mktemp("folder")
    for label, name in ((0, "zero"), (1, "one")):
        (root / name).mkdir()
        for i, image in enumerate(X[y == label][:100]):
            imsave(root / name / f"{i:03d}.png", image, check_contrast=False)
    return ImageFolderDataset(root)


def test_an_image_folder_trains_with_validation_and_class_weights(folder):
    clf = CNNClassifier(validation_fraction=0.25, early_stopping=3, class_weight="balanced",
                        **{**FAST, "max_epochs": 10, "lr": 0.01}).fit(folder)
    assert clf.image_shape_ == (8, 8, 1)
    assert sorted(clf.classes_.tolist()) == [0, 1]
    assert clf.score(folder, folder.targets) > 0.8  # zeros and ones: easy


@pytest.mark.slow
def test_searches_cut_an_image_set_into_folds(folder):
    pipe = Pipeline([("cnn", CNNClassifier(**{**FAST, "max_epochs": 8}))])
    search = GridSearchCV(pipe, {"cnn__lr": [0.003, 0.01]}, cv=2).fit(folder, folder.targets)
    assert search.best_score_ > 0.75
    scores = cross_validate(TorchMLPClassifier(**FAST), folder, folder.targets, cv=2)
    assert len(scores["test_score"]) == 2


def test_pretrained_features_of_an_image_set_are_those_of_the_array(digits, memmap):
    X, _ = digits
    features = PretrainedFeatures(weights=None, image_size=16, batch_size=50)
    expected = features.fit(X[:120]).transform(X[:120])
    np.testing.assert_allclose(features.transform(memmap[:120]), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(features.transform(ArrayImageDataset(X[:120])), expected,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("step", [Normalizer(), HOGFeatures()], ids=lambda s: type(s).__name__)
def test_steps_that_need_arrays_say_so(step, digits):
    with pytest.raises(TypeError, match="needs the images as an array in memory.*read on demand"):
        step.fit(ArrayImageDataset(digits[0][:20]))
    pipe = Pipeline([("step", step), ("cnn", CNNClassifier(**FAST))])
    with pytest.raises(TypeError, match="normalize='channel'"):
        pipe.fit(ArrayImageDataset(digits[0][:20], digits[1][:20]))


def test_bad_image_sets_are_named(digits, tmp_path):
    X, y = digits
    with pytest.raises(ValueError, match="requires y to be passed"):
        CNNClassifier(**FAST).fit(ArrayImageDataset(X[:50]))  # no labels anywhere
    wide = np.lib.format.open_memmap(tmp_path / "u16.npy", mode="w+", dtype=np.uint16,
                                     shape=(20, 8, 8))
    with pytest.raises(ValueError, match="input_scale=1 / "):
        CNNClassifier(**FAST).fit(wide, y[:20])
    clf = CNNClassifier(**FAST).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="images of shape 4x4x1, but CNNClassifier was fitted "
                                         "on 8x8x1"):
        clf.predict(ArrayImageDataset(X[:10, :4, :4]))


@pytest.mark.parametrize("view", [slice(None), slice(100, None), slice(5, None, 3),
                                  slice(None, None, -1)], ids=["whole", "tail", "step", "rev"])
def test_memmap_rows_are_read_from_the_file_not_through_the_mapping(view, tmp_path, monkeypatch):
    # Read through the mapping, an epoch would leave every page of the file mapped into the
    # process (its resident memory would grow to the file's size); read with preadv, the pages
    # stay in the kernel's page cache only. Both must give the same images.
    import os

    X = np.random.RandomState(0).randint(0, 256, (600, 5, 7, 3)).astype(np.uint8)
    np.save(tmp_path / "x.npy", X)  # a header before the data: the file offset matters
    mm, expected = np.load(tmp_path / "x.npy", mmap_mode="r")[view], X[view]
    reads = []
    real = os.preadv
    monkeypatch.setattr(os, "preadv", lambda *a: reads.append(1) or real(*a))
    rows = np.array([7, 3, 3, 50, 0, len(expected) - 1])
    np.testing.assert_array_equal(ArrayImageDataset(mm).read(rows), expected[rows])
    # a negative stride cannot be read row by row from the file: the mapping serves it
    assert len(reads) == (0 if view.step == -1 else len(rows))
