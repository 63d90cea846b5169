"""The learning-rate range test (skimgclf.neural.lr_find) on tiny problems and real MNIST."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import stratified_subset
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from skorch.callbacks import Callback

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.neural import CNNClassifier, LRFinderResult, TorchMLPClassifier, lr_find


@pytest.fixture(scope="module")
def rows():
    """96 flat rows, two classes split by the first feature (6 batches of 16)."""
    rng = np.random.RandomState(0)
    X = rng.rand(96, 16).astype(np.float32)
    return X, (X[:, 0] > 0.5).astype(int)


def _mlp(**params):
    return TorchMLPClassifier(hidden_sizes=(16,), batch_size=16, random_state=0, **params)


def _rate_recorder(seen):
    """A callback that appends the rate of every optimizer parameter group at the end of each
    training batch to ``seen`` (lr_find trains a copy, so the list outlives the copies)."""

    class GroupRates(Callback):
        def on_batch_end(self, net, training=None, **kwargs):
            if training:
                seen.append([g["lr"] for g in net.optimizer_.param_groups])

    return GroupRates()


def test_the_rate_rises_exponentially_over_num_steps_batches(rows):
    result = lr_find(_mlp(), *rows, start_lr=1e-5, end_lr=1e-1, num_steps=20,
                     diverge_factor=None)
    assert isinstance(result, LRFinderResult)
    assert len(result.lrs) == len(result.losses) == len(result.smoothed_losses) == 20
    assert not result.diverged
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-5, 1e-1, 20))
    assert np.all(np.diff(result.lrs) > 0)
    assert np.all(np.isfinite(result.losses))
    assert result.min_loss_lr in result.lrs
    assert result.suggested_lr == result.min_loss_lr / 10
    assert result.smoothed_losses[0] == pytest.approx(result.losses[0])  # the bias correction
    assert "n_steps=20" in repr(result)


def test_every_parameter_group_gets_the_rate(rows):
    # A lower rate for the first layer (skorch's param_groups) is overridden too, and a user's
    # one-cycle settings do not stop the test (its scheduler is turned off).
    seen = []
    clf = _mlp(optimizer__param_groups=[("layers.0.*", {"lr": 1e-6})], lr_schedule="onecycle",
               callbacks=[("rates", _rate_recorder(seen))],
               callbacks__lr_scheduler__pct_start=0.2)
    result = lr_find(clf, *rows, start_lr=1e-4, end_lr=1e-2, num_steps=8)
    assert len(result.lrs) == 8
    rates = np.array(seen)
    assert rates.shape == (8, 2)
    np.testing.assert_allclose(rates, np.repeat(result.lrs[:, None], 2, axis=1))


def test_divergence_stops_the_test_early(rows):
    result = lr_find(_mlp(), *rows, start_lr=1e-3, end_lr=1e4, num_steps=60)
    assert result.diverged
    assert len(result.lrs) < 60
    # it stopped at the first batch whose smoothed loss passed 4 x its minimum (or a NaN loss)
    before = result.smoothed_losses[:-1]
    assert np.all(before <= 4.0 * np.minimum.accumulate(before))
    assert result.suggested_lr < result.lrs[-1]


def test_same_random_state_gives_the_same_curve(rows):
    one, two = (lr_find(_mlp(), *rows, start_lr=1e-5, end_lr=1.0, num_steps=15)
                for _ in range(2))
    np.testing.assert_array_equal(one.losses, two.losses)
    other = lr_find(_mlp().set_params(random_state=1), *rows, start_lr=1e-5, end_lr=1.0,
                    num_steps=15)
    assert not np.array_equal(one.losses, other.losses)


def test_the_given_estimator_is_left_unchanged(rows):
    clf = _mlp(lr_schedule="onecycle", early_stopping=2, validation_fraction=0.2, max_epochs=3)
    before = clf.get_params(deep=False)
    lr_find(clf, *rows, start_lr=1e-4, end_lr=1.0, num_steps=10)
    assert clf.get_params(deep=False) == before
    assert not clf.initialized_
    assert not hasattr(clf, "label_encoder_")
    X, y = rows
    clf.fit(X, y)  # still usable as given
    fitted = clf.module_.layers[0].weight.detach().clone()
    lr_find(clf, X, y, start_lr=1e-4, end_lr=1.0, num_steps=10)
    assert np.array_equal(clf.module_.layers[0].weight.detach(), fitted)  # not refitted


def test_a_cnn_and_a_pipeline(rows):
    X, y = rows
    images = X.reshape(-1, 4, 4)
    cnn = CNNClassifier(batch_size=16, module__widths=(4, 8, 8), augment=None, random_state=0)
    result = lr_find(cnn, images, y, start_lr=1e-5, end_lr=1.0, num_steps=10)
    assert len(result.lrs) == 10 or result.diverged

    scaler = StandardScaler()
    pipe = make_pipeline(scaler, _mlp())
    piped = lr_find(pipe, X, y, start_lr=1e-5, end_lr=1.0, num_steps=12)
    assert not hasattr(scaler, "mean_")  # the Pipeline's steps are copied, not fitted
    direct = lr_find(_mlp(), StandardScaler().fit_transform(X), y, start_lr=1e-5, end_lr=1.0,
                     num_steps=12)
    np.testing.assert_allclose(piped.losses, direct.losses, rtol=1e-5)
    # a Pipeline of the network alone
    alone = lr_find(make_pipeline(_mlp()), X, y, start_lr=1e-5, end_lr=1.0, num_steps=12)
    assert len(alone.lrs) == 12 or alone.diverged


@pytest.mark.parametrize(
    "estimator, kwargs, error, match",
    [
        (_mlp(), {"start_lr": 1.0, "end_lr": 0.5}, ValueError,
         r"needs start_lr < end_lr; got start_lr=1.0, end_lr=0.5"),
        (_mlp(), {"start_lr": 0.1, "end_lr": 0.1}, ValueError, r"start_lr < end_lr"),
        (_mlp(), {"num_steps": 1}, InvalidParameterError,
         r"'num_steps' parameter of lr_find must be an int in the range \[2, inf\)"),
        (_mlp(), {"num_steps": True}, InvalidParameterError, r"'num_steps'"),
        (_mlp(), {"start_lr": 0}, InvalidParameterError, r"'start_lr' parameter of lr_find"),
        (_mlp(), {"smoothing": 0}, InvalidParameterError, r"'smoothing' parameter of lr_find"),
        (_mlp(), {"diverge_factor": 1.0}, InvalidParameterError,
         r"'diverge_factor' parameter of lr_find"),
        (TorchMLPClassifier(lr=-1.0), {}, InvalidParameterError,
         r"The 'lr' parameter of TorchMLPClassifier \(fitted by lr_find\) must be"),
        (LogisticRegression(), {}, TypeError,
         r"lr_find needs a CNNClassifier or TorchMLPClassifier .*got LogisticRegression"),
        (make_pipeline(StandardScaler(), LogisticRegression()), {}, TypeError,
         r"a Pipeline whose last step 'logisticregression' is LogisticRegression"),
        (make_pipeline(StandardScaler(), "passthrough"), {}, TypeError,
         r"last step 'passthrough' is 'passthrough'"),
    ],
)
def test_bad_arguments(rows, estimator, kwargs, error, match):
    with pytest.raises(error, match=match):
        lr_find(estimator, *rows, **kwargs)


def test_bad_data_goes_through_the_estimators_checks(rows):
    X, y = rows
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        lr_find(_mlp(), X, y[:-1], num_steps=5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        lr_find(_mlp(), X, np.zeros(len(X)), num_steps=5)
    with pytest.raises(ValueError, match="(?i)nan"):
        lr_find(_mlp(), np.full_like(X, np.nan), y, num_steps=5)
    with pytest.raises(ValueError, match="(?i)image|feature|shape"):
        lr_find(make_pipeline(FunctionTransformer(lambda Z: Z[:, :0]), _mlp()), X, y,
                num_steps=5)


def test_result_checks_its_arrays():
    with pytest.raises(ValueError, match="same non-zero length"):
        LRFinderResult([1e-3, 1e-2], [1.0])
    result = LRFinderResult(np.geomspace(1e-4, 1, 5), [2.0, 1.0, 0.5, 3.0, 9.0], smoothing=1.0)
    np.testing.assert_array_equal(result.smoothed_losses, result.losses)  # no smoothing
    assert result.min_loss_lr == pytest.approx(1e-2)
    assert result.suggested_lr == pytest.approx(1e-3)


def test_plot(rows, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = lr_find(_mlp(), *rows, start_lr=1e-4, end_lr=1e3, num_steps=30)
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax
        assert ax.get_xscale() == "log"
        suggestion = [line for line in ax.get_lines()
                      if np.allclose(line.get_xdata(), result.suggested_lr)]
        assert suggestion, "the suggested rate is not marked"
        assert "suggested lr" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
        fig.canvas.draw()
        plt.figure()
        assert result.plot() is plt.gca()  # ax=None draws on the current Axes
    finally:
        plt.close("all")


@pytest.mark.slow
def test_default_cnn_on_mnist_suggests_a_rate_that_trains(mnist_train, mnist_test):
    X_train, y_train = stratified_subset(*mnist_train, 4_000, random_state=0)
    X_test, y_test = stratified_subset(*mnist_test, 1_000, random_state=0)
    clf = CNNClassifier(random_state=0, device="cpu")
    result = lr_find(clf, X_train, y_train)
    # Measured (CPU, 1 thread): the smoothed loss bottoms out at 0.35 before diverging at step
    # 88, suggestion 0.035; 2 epochs at that rate reach 0.967 test accuracy (0.983 at the
    # default 0.003). 11 s + 8 s on 2 busy cores.
    assert 1e-4 <= result.suggested_lr <= 1.0, result
    short = clone(clf).set_params(lr=result.suggested_lr, max_epochs=2)
    accuracy = short.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy > 0.9, f"accuracy {accuracy:.3f} after 2 epochs at lr={result.suggested_lr}"
