"""skimgclf.report: the Markdown report, its figures, parameter counts, fit time and versions."""

import re

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from skimgclf.datasets import load_digits_images
from skimgclf.exceptions import InputError
from skimgclf.report import ModelReport, library_versions, parameter_counts

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

SECTIONS = [
    "## Summary",
    "## Per-class metrics",
    "## Averages",
    "## Best and worst classes",
    "## Most confused pairs",
    "## Confusion matrix",
    "## Model complexity",
    "## Environment",
]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X[:1200], y[:1200], X[1200:], y[1200:]


class TinyConvNet(torch.nn.Module):
    """One 3x3 convolution over 8x8 images and a linear read-out."""

    def __init__(self, n_classes=10):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, n_classes)

    def forward(self, X):
        return self.fc(torch.relu(self.conv(X)).flatten(1))


def _to_tensor_images(X):
    return (np.asarray(X, dtype=np.float32) / 255).reshape(-1, 1, 8, 8)


@pytest.fixture(scope="module")
def cnn_pipeline(digits):
    X, y, _, _ = digits
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(
        TinyConvNet,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=4,
        batch_size=128,
        train_split=skorch.dataset.ValidSplit(5, stratified=True),
        verbose=0,
    )
    return make_pipeline(FunctionTransformer(_to_tensor_images), net).fit(X, y)


def test_linear_model_report_values_sections_and_files(digits, tmp_path):
    X, y, X_test, y_test = digits
    pipe = make_pipeline(
        FunctionTransformer(lambda a: a / 255), LogisticRegression(max_iter=300, random_state=7)
    ).fit(X, y)
    names = [f"digit {d}" for d in range(10)]
    report = ModelReport.from_estimator(pipe, X_test, y_test, target_names=names, fit_time=1.5)
    y_pred = pipe.predict(X_test)
    p, r, f, s = precision_recall_fscore_support(y_test, y_pred)
    assert_allclose(report.metrics["precision"], p)
    assert_allclose(report.metrics["f1"], f)
    assert report.metrics.accuracy_overall == pytest.approx(accuracy_score(y_test, y_pred))
    assert np.isfinite(report.metrics["area_ratio"]).all()  # from predict_proba
    assert report.parameters[0].count == 10 * 64 + 10
    assert report.random_state == {"logisticregression__random_state": 7}
    assert report.fit_time == 1.5 and report.curves is None and report.kernels is None
    md = report.to_markdown()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS
    assert "| digit 3 |" in md and "Fit time: 1.50 s (given by the caller)" in md
    assert "`logisticregression__random_state=7`" in md
    assert f"| scikit-learn | {sklearn.__version__} |" in md
    assert "Pipeline(functiontransformer: FunctionTransformer -> logisticregression" in md
    path = report.save(tmp_path / "out")
    assert path == tmp_path / "out" / "report.md"
    saved = path.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", saved)
    assert set(links) == {"confusion_matrix.png", "per_class.png", "worst_predictions.png"}
    for link in links:
        assert (path.parent / link).read_bytes()[:4] == b"\x89PNG"
    assert "## Worst predictions" in saved and "## Loss curves" not in saved


def test_skorch_network_report_has_curves_layers_kernels(cnn_pipeline, digits, tmp_path):
    _, _, X_test, y_test = digits
    net = cnn_pipeline[-1]
    report = ModelReport.from_estimator(cnn_pipeline, X_test, y_test, n_worst=9)
    assert_allclose(report.curves["valid_loss"], net.history[:, "valid_loss"])
    rows = {r.name: r for r in report.parameters}
    assert rows["conv"].count == 4 * 1 * 3 * 3 + 4 and rows["conv"].kind == "Conv2d"
    assert rows["fc"].count == 4 * 8 * 8 * 10 + 10
    assert rows["conv"].shapes == "weight 4x1x3x3, bias 4"
    assert report.fit_time == pytest.approx(sum(net.history[:, "dur"]))
    assert report.fit_time_source == "sum of the network's epoch durations"
    assert report.kernels.shape == (4, 1, 3, 3)
    # the nine worst images are the raw flat test rows, seen as 8x8 images
    worst = report.worst
    assert worst["images"].shape == (9, 8, 8, 1)
    proba = cnn_pipeline.predict_proba(X_test)
    loss = -np.log(proba[np.arange(len(y_test)), y_test])
    assert_allclose(
        np.sort(loss)[::-1][:9], -np.log(worst["y_proba"][np.arange(9), worst["y_true"]]), rtol=1e-5
    )
    path = report.save(tmp_path)
    md = path.read_text()
    for heading in ("## Loss curves", "## First-layer kernels", "## Worst predictions"):
        assert heading in md
    assert "| **total** | | | **" + f"{40 + 2570:,}" + "** |" in md
    # output shapes from one sample pushed through the pipeline's transformer
    assert report.output_shapes == {"conv": "(None, 4, 8, 8)", "fc": "(None, 10)"}
    assert "| conv | Conv2d | weight 4x1x3x3, bias 4 | 40 | (None, 4, 8, 8) |" in md
    assert "4 epochs recorded." in md
    assert "Best validation epoch (lowest validation loss): " in md
    assert "| epoch | train loss | validation loss | validation accuracy |" in md
    for png in ("loss_curves", "conv_kernels", "worst_predictions", "confusion_matrix"):
        assert (tmp_path / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_parameter_counts_of_mlp_and_unknown_models(digits):
    X, y, _, _ = digits
    mlp = MLPClassifier(hidden_layer_sizes=(7,), max_iter=3, random_state=0)
    with pytest.warns(Warning):  # not converged in 3 iterations
        mlp.fit(X[:200] / 255, y[:200])
    rows = parameter_counts(mlp)
    assert [r.count for r in rows] == [64 * 7 + 7, 7 * 10 + 10]
    assert rows[0].shapes == "weight 64x7, bias 7"
    assert parameter_counts(DummyClassifier().fit(X, y)) is None
    frozen = torch.nn.Linear(3, 2)
    frozen.bias.requires_grad_(False)
    assert parameter_counts(frozen)[0][3:] == (8, 6)


def test_search_refit_time_decision_scores_and_non_image_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))  # 3 features: not an image
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    search = GridSearchCV(LinearSVC(random_state=0), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    report = ModelReport.from_estimator(search, X, y)
    assert report.fit_time == pytest.approx(search.refit_time_)
    assert report.estimator_name == "GridSearchCV(best: LinearSVC)"
    assert report.worst is None  # neither images nor probabilities
    scores = search.decision_function(X)
    from sklearn.metrics import roc_auc_score

    assert_allclose(report.metrics["area_ratio"], 2 * roc_auc_score(y, scores) - 1)
    assert "estimator__random_state=0" in report.to_markdown()


def test_never_predicted_classes_and_string_labels():
    X = np.zeros((6, 4))
    y = np.array(["cat", "cat", "cat", "dog", "owl", "owl"])
    report = ModelReport.from_estimator(DummyClassifier().fit(X, y), X, y)
    assert report.never_predicted == ["dog", "owl"]
    md = report.to_markdown()
    assert "Never predicted (precision undefined, shown as the zero_division value): dog, owl" in md
    assert report.metrics["precision"].tolist() == [0.5, 0.0, 0.0]
    assert "random_state: none set" in md
    assert "| owl | cat | 2 | 1.000 |" in md  # most confused pairs
    figures = report.make_figures()
    assert sorted(figures) == ["confusion_matrix", "per_class", "worst_predictions"]


def test_report_counts_samples_of_classes_the_model_does_not_know(digits):
    X, y, X_test, y_test = digits
    clf = LogisticRegression(max_iter=300).fit(X[y < 2] / 255, y[y < 2])
    report = ModelReport.from_estimator(clf, X_test / 255, y_test, n_worst=4)
    m = report.metrics
    assert m.labels.tolist() == list(range(10))
    assert_array_equal(m["support"], np.bincount(y_test))  # every test sample counted
    assert m.confusion_matrix.sum() == len(y_test)
    assert m.accuracy_overall == pytest.approx(accuracy_score(y_test, clf.predict(X_test / 255)))
    assert_array_equal(m["area_ratio"][2:], 0.0)  # no score for a class it does not know
    # log-loss needs the probability of the true class: only samples of 0 and 1 are ranked
    assert set(report.worst["y_true"].tolist()) <= {0, 1} and len(report.worst["y_true"]) == 4
    md = report.to_markdown(figures={"worst_predictions": "worst_predictions.png"})
    assert ("Samples of classes the model does not know (2, 3, 4, 5, 6, 7, 8, 9) are left out"
            in md)
    assert "worst_predictions" in report.make_figures(dpi=30)


def test_report_refuses_an_image_shape_that_does_not_fit_the_rows(digits):
    X, y, X_test, y_test = digits
    clf = LogisticRegression(max_iter=300).fit(X / 255, y)
    with pytest.raises(InputError, match=r"X has 64 features per sample, but "
                       r"image_shape=\(3, 3\) holds 9 pixels"):
        ModelReport.from_estimator(clf, X_test / 255, y_test, image_shape=(3, 3))
    report = ModelReport.from_estimator(clf, X_test / 255, y_test, image_shape=(4, 16), n_worst=2)
    assert report.worst["images"].shape == (2, 4, 16, 1)


def test_save_into_a_file_is_refused(tmp_path):
    dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
    report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2], n_worst=0)
    a_file = tmp_path / "report.md"
    a_file.write_text("keep me")
    with pytest.raises(InputError, match=r"report\.md'?: it is a file; the report is a folder"):
        report.save(a_file)
    with pytest.raises(InputError, match=r"it lies under .*report\.md', a file"):
        report.save(a_file / "sub")
    assert a_file.read_text() == "keep me"
    assert report.save(tmp_path / "new" / "folder").name == "report.md"


def test_a_save_stopped_while_drawing_leaves_the_earlier_report_as_it_was(tmp_path,
                                                                           monkeypatch):
    dummy = DummyClassifier().fit([[0], [0], [0]], [1, 1, 2])
    report = ModelReport.from_estimator(dummy, [[0], [0]], [1, 2])
    report.save(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    import matplotlib.figure

    drawn = []

    def savefig(fig, target, **kwargs):  # Ctrl-C while the second figure is drawn
        drawn.append(target)
        if len(drawn) == 2:
            raise KeyboardInterrupt
        return real(fig, target, **kwargs)

    real = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    other = ModelReport.from_estimator(dummy, [[0], [0], [0]], [1, 1, 2])  # other figures
    with pytest.raises(KeyboardInterrupt):
        other.save(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_library_versions():
    versions = library_versions()
    assert versions["scikit-learn"] == sklearn.__version__
    assert versions["numpy"] == np.__version__
    assert versions["torch"].split("+")[0] == torch.__version__.split("+")[0]
    assert {"python", "skimgclf", "skorch", "matplotlib"} <= set(versions)


# --- the per-class columns come from one table ---------------------------------------------


class _LabelsOnly(DummyClassifier):
    """A classifier that gives labels and no scores (no predict_proba, no decision_function)."""

    def __getattribute__(self, name):
        if name in ("predict_proba", "predict_log_proba", "decision_function"):
            raise AttributeError(name)
        return super().__getattribute__(name)


def _per_class_section(md):
    return md[md.index("## Per-class metrics"):md.index("## Averages")]


def test_per_class_section_order_definitions_and_no_nan_column_without_scores():
    X = np.zeros((6, 4))
    y = np.array([0, 0, 0, 1, 1, 2])
    report = ModelReport.from_estimator(_LabelsOnly(strategy="most_frequent").fit(X, y), X, y)
    md = report.to_markdown()
    section = _per_class_section(md)
    header = next(line for line in section.splitlines() if line.startswith("| class |"))
    assert header == ("| class | recall | precision | F1 | support | BCR | one-vs-rest accuracy "
                      "| aggregate |")
    # no scores: no area ratio anywhere, rather than a column of nan
    assert "area ratio" not in md and "nan" not in section
    averages = md[md.index("## Averages"):md.index("## Best")]
    assert "| average | recall | precision | F1 | BCR | one-vs-rest accuracy | aggregate |" in (
        averages)
    # each column shown is defined once, from its entry of the table
    assert "- **recall**: share of the class's samples predicted as the class" in section
    assert "- **one-vs-rest accuracy**: (TP + TN) / N" in section
    assert sorted(report.make_figures()) == ["confusion_matrix", "per_class"]


def test_a_column_added_to_the_table_reaches_metrics_markdown_and_plot(monkeypatch):
    from matplotlib.figure import Figure

    import skimgclf.metrics as metrics_module
    from skimgclf.metrics import METRIC_COLUMNS, MetricColumn, per_class_metrics
    from skimgclf.plotting import PerClassMetricsDisplay

    miss = MetricColumn("miss_rate", "miss rate", lambda t: 1 - t["recall"],
                        "share of the class's samples predicted as another class")
    monkeypatch.setattr(metrics_module, "METRIC_COLUMNS", (*METRIC_COLUMNS, miss))
    X = np.zeros((6, 4))
    y = np.array([0, 0, 0, 1, 1, 2])
    # the metrics table
    m = per_class_metrics(y, np.zeros(6, dtype=int), zero_division=0.0)
    assert_allclose(m["miss_rate"], [0.0, 1.0, 1.0])
    # the Markdown report: per-class table, its definition, the averages, the best/worst tables
    report = ModelReport.from_estimator(DummyClassifier().fit(X, y), X, y)
    md = report.to_markdown()
    section = _per_class_section(md)
    assert "| aggregate | area ratio | miss rate |" in section
    assert "- **miss rate**: share of the class's samples predicted as another class." in section
    assert "| average |" in md and "| miss rate |\n|---|" in md[md.index("## Averages"):]
    assert md.count("| miss rate |") == 4  # per-class, averages, best and worst tables
    # the plot's choices, with the column's label
    disp = PerClassMetricsDisplay.from_metrics(m, columns=["recall", "miss_rate"],
                                               sort_by="miss_rate", ax=Figure().subplots())
    assert [t.get_text() for t in disp.legend_.get_texts()] == ["recall", "miss rate"]
    assert_allclose([b.get_height() for b in disp.bars_["miss_rate"]], [1.0, 1.0, 0.0])
    assert disp.ax_.get_xlabel() == "class (sorted by miss rate)"


# --- 4-D images are read as every step reads them ---------------------------------------------


def _flatten(a):
    return np.asarray(a).reshape(len(a), -1)


def _index_of(proba, row):
    """The sample whose predicted probabilities are ``row`` (random images: all differ)."""
    return int(np.flatnonzero(np.all(proba == row, axis=1))[0])


def test_report_reads_4d_images_as_the_estimator_does():
    from skimgclf.preprocessing import Normalizer

    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 10)
    # (n, 1, 8, 8): 8x8 grayscale images to Normalizer, so to the report
    X = rng.integers(0, 256, (20, 1, 8, 8), dtype=np.uint8)
    assert Normalizer().fit(X).image_shape_ == (8, 8, 1)
    pipe = make_pipeline(Normalizer(), FunctionTransformer(_flatten),
                         LogisticRegression(max_iter=200)).fit(X, y)
    report = ModelReport.from_estimator(pipe, X, y, n_worst=4)
    assert report.worst["images"].shape == (4, 8, 8, 1)
    i = _index_of(pipe.predict_proba(X), report.worst["y_proba"][0])
    assert_allclose(report.worst["images"][0, ..., 0], X[i, 0])
    # (n, 3, 4, 4) reads both ways; the Normalizer fitted channels-first decides, at fit time
    X = rng.integers(0, 256, (20, 3, 4, 4), dtype=np.uint8)
    pipe = make_pipeline(Normalizer(channels_first=True), FunctionTransformer(_flatten),
                         LogisticRegression(max_iter=200)).fit(X, y)
    assert pipe[0].image_shape_ == (4, 4, 3)
    report = ModelReport.from_estimator(pipe, X, y, n_worst=4)
    assert report.worst["images"].shape == (4, 4, 4, 3)
    i = _index_of(pipe.predict_proba(X), report.worst["y_proba"][0])
    assert_allclose(report.worst["images"][0], np.moveaxis(X[i], 0, 2))
    # the caller's answer stands
    report = ModelReport.from_estimator(pipe, X, y, n_worst=4, channels_first=False)
    assert report.worst["images"].shape == (4, 3, 4, 4)
