"""skimgclf.metrics: hand-computed confusion-matrix arithmetic and agreement with scikit-learn."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import classification_report as sk_report
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.metrics import (
    COLUMNS,
    METRIC_COLUMNS,
    ConfusedPair,
    MetricColumn,
    classification_report,
    most_confused,
    per_class_metrics,
    top_classes,
)

# Class 2 is never predicted. Confusion matrix (rows true 0/1/2, columns predicted 0/1/2):
#   [[2, 1, 0],
#    [1, 1, 0],
#    [1, 2, 0]]          N = 8, 3 correct.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 0, 1, 1, 0, 0, 1, 1])


def test_hand_computed_values_with_a_class_never_predicted():
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
    assert_array_equal(m.confusion_matrix, [[2, 1, 0], [1, 1, 0], [1, 2, 0]])
    # one-vs-rest counts (TP, FP, FN, TN): class 0 (2, 2, 1, 3), class 1 (1, 3, 1, 3),
    # class 2 (0, 0, 3, 5)
    assert_allclose(m["ovr_accuracy"], [5 / 8, 4 / 8, 5 / 8])
    assert_allclose(m["precision"], [2 / 4, 1 / 4, 0.0])
    assert_allclose(m["recall"], [2 / 3, 1 / 2, 0 / 3])
    assert_allclose(m["f1"], [4 / 7, 1 / 3, 0.0])
    assert_allclose(m["bcr"], [(1 / 2 + 2 / 3) / 2, (1 / 4 + 1 / 2) / 2, 0.0])
    assert_allclose(
        m["aggregate"],
        [
            (5 / 8 + 1 / 2 + 2 / 3 + 7 / 12) / 4,
            (4 / 8 + 1 / 4 + 1 / 2 + 3 / 8) / 4,
            (5 / 8 + 0 + 0 + 0) / 4,
        ],
    )
    assert_array_equal(m["support"], [3, 2, 3])
    assert "area_ratio" not in m.columns  # no scores given: no column of NaN
    assert m.accuracy_overall == pytest.approx(3 / 8)
    assert m.averages["macro"]["precision"] == pytest.approx((1 / 2 + 1 / 4 + 0) / 3)
    assert m.averages["weighted"]["recall"] == pytest.approx((3 * 2 / 3 + 2 * 1 / 2 + 0) / 8)
    assert m.averages["weighted"]["support"] == 8
    # the mean one-vs-rest accuracy is tied to the overall error: every error is one FP + one FN
    assert m.averages["macro"]["ovr_accuracy"] == pytest.approx(1 - 2 * (1 - 3 / 8) / 3)


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
def test_zero_division_flows_into_bcr_and_aggregate(zero_division):
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=zero_division)
    p2 = m["precision"][2]
    if np.isnan(zero_division):
        assert np.isnan(p2) and np.isnan(m["bcr"][2]) and np.isnan(m["aggregate"][2])
        # NaN is left out of the averages, as scikit-learn does
        assert m.averages["macro"]["precision"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    else:
        assert p2 == zero_division
        assert m["bcr"][2] == pytest.approx((zero_division + 0) / 2)
        assert m["aggregate"][2] == pytest.approx(
            (5 / 8 + zero_division + 0 + zero_division / 2) / 4
        )
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            Y_TRUE, Y_PRED, average=average, zero_division=zero_division
        )
        got = m.averages[average]
        assert_allclose([got["precision"], got["recall"], got["f1"]], [p, r, f])


@pytest.mark.parametrize("zero_division", [0.0, np.nan])
def test_averages_where_only_unsupported_classes_have_a_score_match_sklearn(zero_division):
    # class 0 is never predicted (its precision is zero_division), class 1 has no support
    y_true, y_pred = [0, 0, 0], [1, 1, 1]
    m = per_class_metrics(y_true, y_pred, zero_division=zero_division)
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=zero_division)
        got = m.averages[average]
        assert_allclose([got["precision"], got["recall"], got["f1"]], [p, r, f])


def test_warn_is_sklearns_default_and_acts_as_zero():
    with pytest.warns(UndefinedMetricWarning):
        m = per_class_metrics(Y_TRUE, Y_PRED)
    assert m["precision"][2] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)


@pytest.fixture(scope="module")
def random_predictions():
    rng = np.random.default_rng(0)
    n, k = 300, 5
    y_true = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y_true]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_pred = proba.argmax(axis=1)
    return y_true, y_pred, proba


def test_agrees_with_scikit_learn(random_predictions):
    y_true, y_pred, proba = random_predictions
    m = per_class_metrics(y_true, y_pred, y_score=proba, labels=np.arange(5))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None)
    assert_allclose(m["precision"], p)
    assert_allclose(m["recall"], r)
    assert_allclose(m["f1"], f)
    assert_array_equal(m["support"], s)
    for i in range(5):
        assert m["area_ratio"][i] == pytest.approx(2 * roc_auc_score(y_true == i, proba[:, i]) - 1)
    for average in ("macro", "weighted"):
        auc = roc_auc_score(y_true, proba, multi_class="ovr", average=average)
        assert m.averages[average]["area_ratio"] == pytest.approx(2 * auc - 1)
    sk = sk_report(y_true, y_pred, output_dict=True)
    ours = classification_report(y_true, y_pred, y_score=proba, output_dict=True)
    for name in ["0", "1", "2", "3", "4", "macro avg", "weighted avg"]:
        assert ours[name]["precision"] == pytest.approx(sk[name]["precision"])
        assert ours[name]["recall"] == pytest.approx(sk[name]["recall"])
        assert ours[name]["f1"] == pytest.approx(sk[name]["f1-score"])
        assert ours[name]["support"] == sk[name]["support"]
    assert ours["accuracy"] == pytest.approx(sk["accuracy"])


def test_binary_one_dimensional_scores():
    y = np.array([0, 0, 1, 1, 1, 0])
    score = np.array([0.1, 0.6, 0.4, 0.8, 0.9, 0.2])
    m = per_class_metrics(y, (score > 0.5).astype(int), y_score=score)
    expected = 2 * roc_auc_score(y, score) - 1
    assert_allclose(m["area_ratio"], [expected, expected])
    with pytest.raises(ValueError, match="only meaningful for 2 classes"):
        per_class_metrics([0, 1, 2], [0, 1, 2], y_score=[0.1, 0.2, 0.3])


def test_class_absent_from_y_true_and_y_pred():
    labels = ["a", "b", "c"]
    proba = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    y_true, y_pred = ["a", "b", "a", "b"], ["a", "b", "a", "b"]
    m = per_class_metrics(y_true, y_pred, y_score=proba, labels=labels, zero_division=0.0)
    assert m.names == labels and m["support"][2] == 0
    assert m["ovr_accuracy"][2] == 1.0  # no sample is "c" and none is predicted "c"
    assert np.isnan(m["area_ratio"][2])  # AUC undefined without positives
    assert m["area_ratio"][0] == pytest.approx(1.0)
    # a zero-support class carries no weight
    assert m.averages["weighted"]["recall"] == pytest.approx(1.0)
    assert m.averages["macro"]["recall"] == pytest.approx(2 / 3)


def test_clear_errors():
    with pytest.raises(ValueError, match="y_score has shape"):
        per_class_metrics([0, 1, 2], [0, 1, 2], y_score=np.ones((3, 4)))
    with pytest.raises(ValueError, match="target_names has 2 names"):
        per_class_metrics([0, 1, 2], [0, 1, 2], target_names=["x", "y"])
    with pytest.raises(ValueError, match="y_pred has 2"):
        per_class_metrics([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="1-D class labels"):
        per_class_metrics(np.eye(3), np.eye(3))
    with pytest.raises(ValueError, match="empty"):
        per_class_metrics([], [])
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
    with pytest.raises(InvalidParameterError, match="'by' parameter of top_classes must be a "
                       "column name of .*METRIC_COLUMNS .*'recall'.* Got 'speed'"):
        top_classes(m, by="speed")
    with pytest.raises(InvalidParameterError, match=r"'k' parameter of top_classes must be an int "
                       r"in the range \[1, inf\)"):
        top_classes(m, 0)
    with pytest.raises(KeyError, match="unknown column"):
        m["speed"]


# Bad labels: (y_true, y_pred, keyword arguments, the words the message must hold).
BAD_LABELS = {
    "mixed int and str in y_true": (
        [0, 1, "a"], [0, 1, 1], {},
        r"y_true mixes str and number labels \(y_true\[0\] = 0, y_true\[2\] = 'a'\); use one "
        r"type for every label",
    ),
    "mixed int and str in an object array": (
        np.array([0, "a", 1], dtype=object), [0, 1, 1], {}, r"y_true mixes str and number",
    ),
    "int truth, str predictions": (
        [0, 1, 2], ["0", "1", "2"], {},
        r"y_true holds number labels \(e\.g\. 0\) but y_pred holds str labels \(e\.g\. '0'\)",
    ),
    "NaN in y_true": (
        [0.0, np.nan, 1.0], [0, 1, 1], {},
        r"y_true holds 1 missing label\(s\) \(NaN or None\) at index \[1\]; drop those samples",
    ),
    "None in y_pred": ([0, 1, 1], [0, None, 1], {}, r"y_pred holds 1 missing label\(s\)"),
    "NaN among str labels": (["a", "b"], ["a", np.nan], {}, r"y_pred holds 1 missing label"),
    "probabilities given as predictions": (
        [0, 1, 1], [0.2, 0.9, 0.7], {},
        r"y_pred holds values that are not class labels \(y_pred\[0\] = 0\.2\); pass the "
        r"predicted classes \(estimator\.predict\)",
    ),
    "lengths differ": ([0, 1], [0, 1, 1], {}, r"y_true has 2 samples but y_pred has 3"),
    "empty": ([], [], {}, r"y_true and y_pred are empty; the metrics need at least one sample"),
    "complex labels": ([1 + 1j, 2], [1, 2], {}, r"y_true has dtype complex128, which cannot"),
    "ragged labels": ([[0, 1], [2]], [0, 1], {}, r"y_true is a ragged nested sequence"),
    "a dict as a label": ([{"a": 1}, 2], [1, 2], {}, r"y_true\[0\] is a dict"),
    "2-D labels": (np.eye(3), np.eye(3), {}, r"y_true must be 1-D class labels; got .*\(3, 3\)"),
    "str labels= for int data": (
        [0, 1, 1], [0, 1, 1], {"labels": ["a", "b"]},
        r"y_true holds number labels \(e\.g\. 0\) but labels holds str labels",
    ),
    "labels= none of which is in y_true": (
        [0, 1, 1], [0, 1, 1], {"labels": [5, 6]},
        r"none of labels \[5, 6\] occurs in y_true, whose classes are \[0, 1\]",
    ),
    "labels= with a duplicate": (
        [0, 1, 1], [0, 1, 1], {"labels": [0, 1, 0]}, r"labels names \[0\] more than once",
    ),
    "empty labels=": ([0, 1, 1], [0, 1, 1], {"labels": []}, r"labels is empty; pass the classes"),
    "y_score with a column too few": (
        [0, 1, 2], [0, 1, 2], {"y_score": np.ones((3, 2))},
        r"y_score has shape \(3, 2\) but there are 3 samples and 3 classes \[0, 1, 2\]; give "
        r"one column per class and pass labels=estimator\.classes_",
    ),
    "y_score with a row too many": (
        [0, 1], [0, 1], {"y_score": np.ones((3, 2))}, r"y_score has shape \(3, 2\) but there are 2",
    ),
    "y_score with NaN": (
        [0, 1, 1], [0, 1, 1], {"y_score": [[0.5, 0.5], [np.nan, 1.0], [0.0, 1.0]]},
        r"y_score holds NaN or infinite scores in row\(s\) \[1\]",
    ),
    "y_score of strings": (
        [0, 1], [0, 1], {"y_score": [["a", "b"], ["c", "d"]]},
        r"y_score has dtype <U1; it must hold real-valued scores",
    ),
    "complex y_score": (
        [0, 1], [0, 1], {"y_score": np.ones((2, 2)) * 1j}, r"y_score has dtype complex128",
    ),
    "ragged y_score": ([0, 1], [0, 1], {"y_score": [[0.1, 0.9], [1.0]]}, r"y_score is ragged"),
    "1-D y_score with 3 classes": (
        [0, 1, 2], [0, 1, 2], {"y_score": [0.1, 0.2, 0.3]}, r"only meaningful for 2 classes",
    ),
    "a string as labels": (
        "abc", "abc", {}, r"'y_true' parameter of per_class_metrics must be an array-like",
    ),
    "bad zero_division": (
        [0, 1], [0, 1], {"zero_division": 2},
        r"'zero_division' parameter of per_class_metrics must be a float among \{0\.0, 1\.0\}",
    ),
    "bytes labels": (
        np.array([b"a", b"b"]), ["a", "b"], {},
        r"y_true holds bytes \(dtype \|S1\); class labels are ints or strs: decode them",
    ),
    "bytes labels=": (
        ["a", "b"], ["a", "b"], {"labels": np.array([b"a", b"b"])}, r"labels holds bytes",
    ),
    "target_names given twice": (
        [0, 1], [0, 1], {"target_names": ["a", "a"]},
        r"target_names names two classes 'a' \(target_names\[0\] and target_names\[1\]\)",
    ),
    "target_names of a summary row": (
        [0, 1], [0, 1], {"target_names": ["b", "macro avg"]},
        r"target_names\[1\] is 'macro avg', a key of the summary rows",
    ),
    "a label named as a summary row": (
        ["accuracy", "b"], ["b", "b"], {}, r"labels\[0\] is 'accuracy', a key of the summary",
    ),
    "target_names as one string": (
        [0, 1], [0, 1], {"target_names": "ab"},
        r"'target_names' parameter of per_class_metrics must be an array-like or None",
    ),
}


@pytest.mark.parametrize("y_true, y_pred, kwargs, match", BAD_LABELS.values(), ids=BAD_LABELS)
def test_bad_labels_are_named(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        per_class_metrics(y_true, y_pred, **kwargs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: most_confused([0, "a"], [0, 1]), r"y_true mixes str and number"),
        (lambda: most_confused([0, 1], [0, 1, 1]), r"y_true has 2 samples but y_pred has 3"),
        (lambda: most_confused([0, 1], [0, 1], labels=[7]), r"none of labels \[7\] occurs"),
        (lambda: most_confused([0, 1], [0, 1], k=0), r"'k' parameter of most_confused"),
        (lambda: classification_report([0, 1], [0, 1], digits=-1),
         r"'digits' parameter of classification_report must be an int in the range \[0, inf\)"),
        (lambda: classification_report([0, None], [0, 1]), r"y_true holds 1 missing label"),
        (lambda: classification_report([0, 1], [0, 1], output_dict="yes"),
         r"'output_dict' parameter of classification_report"),
        (lambda: top_classes("not metrics"),
         r"'metrics' parameter of top_classes must be an instance of .*PerClassMetrics"),
        (lambda: per_class_metrics([0, 1], [0, 1]).to_text(digits=-1),
         r"'digits' parameter of PerClassMetrics\.to_text"),
        (lambda: per_class_metrics([0, 1], [0, 1]).most_confused(0),
         r"'k' parameter of PerClassMetrics\.most_confused"),
    ],
)
def test_bad_input_of_the_other_metrics(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_labels_that_scikit_learn_reads_are_accepted():
    # whole-number floats and object arrays of numbers are ordinary class labels
    m = per_class_metrics([0.0, 1.0, 2.0], np.array([0, 1, 1], dtype=object), zero_division=0.0)
    assert m["support"].tolist() == [1, 1, 1] and m["recall"].tolist() == [1.0, 1.0, 0.0]
    # a column of labels (n, 1) reads as (n,), as in scikit-learn
    assert per_class_metrics([[0], [1]], [[0], [1]]).accuracy_overall == 1.0
    # a class absent from the data gets a row of its own with support 0 (scikit-learn's way)
    m = per_class_metrics(["a", "b"], ["a", "b"], labels=["a", "b", "c"], zero_division=0.0)
    assert m.names == ["a", "b", "c"] and m["support"].tolist() == [1, 1, 0]


def test_scores_need_not_sum_to_one():
    # the area ratio ranks each column on its own: decision_function values serve as well
    y = np.array([0, 1, 2, 0, 1, 2])
    logits = np.array([[3.0, 0, 0], [0, 2, 1], [0, 1, 4], [1, 0, 0], [0, 5, 0], [2, 0, 3]])
    m = per_class_metrics(y, logits.argmax(axis=1), y_score=logits, zero_division=0.0)
    for i in range(3):
        assert m["area_ratio"][i] == pytest.approx(2 * roc_auc_score(y == i, logits[:, i]) - 1)


def test_inputs_are_not_modified(random_predictions):
    y_true, y_pred, proba = random_predictions
    copies = [a.copy() for a in (y_true, y_pred, proba)]
    per_class_metrics(y_true, y_pred, y_score=proba)
    for a, b in zip((y_true, y_pred, proba), copies, strict=True):
        assert_array_equal(a, b)


def test_top_classes_order_ties_and_nan():
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=np.nan, target_names=["x", "y", "z"])
    assert top_classes(m, 3, by="precision").names == ["x", "y", "z"]  # NaN last
    assert top_classes(m, 3, by="precision", worst=True).names == ["y", "x", "z"]
    # classes 0 and 2 tie on one-vs-rest accuracy (5/8): the original order is kept
    assert top_classes(m, 2, by="ovr_accuracy").names == ["x", "z"]
    best = m.top_classes(1, by="support", worst=True)
    assert best.names == ["y"] and best["support"].tolist() == [2]
    assert len(top_classes(m, 10)) == 3
    table = top_classes(m, 2).to_markdown()
    assert "macro avg" not in table and table.count("\n| ") == 2  # two rows below the header


def test_most_confused_pairs_and_rates():
    pairs = most_confused(Y_TRUE, Y_PRED, k=10)
    # off-diagonal cells (true, pred, count): (2,1,2), (0,1,1), (1,0,1), (2,0,1)
    assert pairs == [
        ConfusedPair(2, 1, 2, 2 / 3),
        ConfusedPair(0, 1, 1, 1 / 3),
        ConfusedPair(1, 0, 1, 1 / 2),
        ConfusedPair(2, 0, 1, 1 / 3),
    ]
    assert per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0).most_confused(2) == pairs[:2]
    assert most_confused([1, 2], [1, 2]) == []


def test_most_confused_rate_is_over_every_sample_of_the_true_class():
    # labels= picks the pairs; 3 of the 4 samples of class 0 went to class 2, left out of them
    expected = [ConfusedPair(0, 1, 1, 1 / 4)]
    assert most_confused([0, 0, 0, 0], [1, 2, 2, 2], labels=[0, 1]) == expected
    m = per_class_metrics([0, 0, 0, 0], [1, 2, 2, 2], labels=[0, 1], zero_division=0.0)
    assert m.most_confused() == expected


def test_every_class_keeps_its_row_in_to_dict():
    m = per_class_metrics([0, 1, 1], [0, 1, 0], target_names=["accuracy class", "b"])
    assert list(m.to_dict()) == ["accuracy class", "b", "macro avg", "weighted avg", "accuracy"]
    columns = {"recall": np.array([1.0, 0.5])}
    with pytest.raises(ValueError, match=r"names names two classes 'x' \(names\[0\] and"):
        type(m)(labels=np.array([0, 1]), names=["x", "x"], columns=columns)
    with pytest.raises(ValueError, match=r"names\[0\] is 'weighted avg'"):
        type(m)(labels=np.array([0, 1]), names=["weighted avg", "x"], columns=columns)
    with pytest.raises(ValueError, match=r"target_names\[0\] is 'accuracy'"):
        classification_report([0, 1], [0, 1], target_names=["accuracy", "b"], output_dict=True)


def test_text_and_markdown_reports():
    text = classification_report(
        Y_TRUE, Y_PRED, target_names=["cat", "dog", "owl"], zero_division=0.0, digits=3
    )
    lines = text.splitlines()
    # recall (the class's accuracy in the usual sense) and precision first; no area ratio
    # without scores
    assert lines[0].split() == ["recall", "precision", "F1", "support", "BCR", "one-vs-rest",
                                "accuracy", "aggregate"]
    owl = next(line for line in lines if line.strip().startswith("owl"))
    assert owl.split() == ["owl", "0.000", "0.000", "0.000", "3", "0.000", "0.625", "0.156"]
    assert any(line.strip().startswith("macro avg") for line in lines)
    assert "overall accuracy (fraction correct): 0.375" in text
    md = per_class_metrics(["a|b", "c"], ["a|b", "c"]).to_markdown()
    assert "| a\\|b |" in md and "**weighted avg**" in md
    assert set(per_class_metrics(Y_TRUE, Y_PRED, zero_division=0).columns) == set(COLUMNS) - {
        "area_ratio"}


# --- the column table --------------------------------------------------------------------------


def test_recall_and_precision_come_first_in_every_table():
    assert COLUMNS[:4] == ("recall", "precision", "f1", "support")
    assert [c.name for c in METRIC_COLUMNS] == list(COLUMNS)
    m = per_class_metrics(Y_TRUE, Y_PRED, y_score=np.eye(3)[Y_PRED], zero_division=0.0)
    assert list(m.columns)[:2] == ["recall", "precision"]
    assert list(m.to_dict()["0"])[:2] == ["recall", "precision"]
    assert m.to_text().split()[:2] == ["recall", "precision"]
    assert m.to_markdown().startswith("| class | recall | precision | F1 | support |")
    # the one-vs-rest accuracy is named as such, never plain "accuracy"
    assert "| one-vs-rest accuracy |" in m.to_markdown()
    assert "ovr_accuracy" in m.columns and "accuracy" not in m.columns


def test_a_column_that_needs_scores_is_left_out_without_them():
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
    assert [c.name for c in METRIC_COLUMNS if c.needs_scores] == ["area_ratio"]
    assert "area_ratio" not in m.columns
    assert all("area_ratio" not in values for values in m.averages.values())
    assert "area ratio" not in m.to_text() and "area ratio" not in m.to_markdown()
    assert "area_ratio" not in m.to_dict()["0"] and "nan" not in m.to_text()
    with pytest.raises(KeyError, match="needs scores; pass y_score="):
        m["area_ratio"]
    with pytest.raises(InvalidParameterError, match="'by' parameter"):
        top_classes(m, by="speed")
    with pytest.raises(KeyError, match="needs scores"):
        top_classes(m, by="area_ratio")
    # with scores it is there, in table order (last)
    scored = per_class_metrics(Y_TRUE, Y_PRED, y_score=np.eye(3)[Y_PRED], zero_division=0.0)
    assert list(scored.columns)[-1] == "area_ratio"
    assert scored.to_text().splitlines()[0].rstrip().endswith("area ratio")


def test_the_old_accuracy_key_warns_and_answers_the_one_vs_rest_accuracy():
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
    expected = m["ovr_accuracy"]
    match = r"'accuracy' was renamed 'ovr_accuracy' in 0\.1 .* removed in 0\.3"
    uses = {
        "m[...]": lambda: m["accuracy"],
        "columns[...]": lambda: m.columns["accuracy"],
        "columns.get": lambda: m.columns.get("accuracy"),
        "averages": lambda: m.averages["macro"]["accuracy"],
        "to_dict": lambda: m.to_dict()["0"]["accuracy"],
        "top_classes": lambda: top_classes(m, 3, by="accuracy")["ovr_accuracy"],
    }
    for where, use in uses.items():
        with pytest.warns(FutureWarning, match=match) as caught:
            value = use()
        assert caught[0].filename == __file__, where  # points at the line using the old name
        reference = {"averages": m.averages["macro"]["ovr_accuracy"],
                     "to_dict": expected[0],
                     "top_classes": np.sort(expected)[::-1]}.get(where, expected)
        assert_allclose(value, reference, err_msg=where)
    # the new name is silent, and an unknown name is still an error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m["ovr_accuracy"], m.to_dict(), m.to_text(), top_classes(m, by="ovr_accuracy")
    assert m.columns.get("speed") is None


def test_adding_a_column_is_one_entry(monkeypatch):
    import skimgclf.metrics as metrics_module

    miss = MetricColumn("miss_rate", "miss rate", lambda t: 1 - t["recall"],
                        "share of the class's samples predicted as another class")
    scored = MetricColumn("mean_score", "mean score",
                          lambda t: np.array([t.y_score[t.y_true == c, i].mean()
                                              for i, c in enumerate(t.labels)]),
                          "mean score of the class's samples", needs_scores=True)
    monkeypatch.setattr(metrics_module, "METRIC_COLUMNS", (*METRIC_COLUMNS, miss, scored))
    m = per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
    assert_allclose(m["miss_rate"], 1 - m["recall"])
    assert m.averages["macro"]["miss_rate"] == pytest.approx(1 - m.averages["macro"]["recall"])
    assert "mean_score" not in m.columns  # needs scores, none given
    assert m.to_text().splitlines()[0].rstrip().endswith("miss rate")
    assert "| miss rate |" in m.to_markdown() and "mean score" not in m.to_markdown()
    assert top_classes(m, 1, by="miss_rate").names == ["2"]
    assert "miss_rate" in m.to_dict()["macro avg"]
    proba = np.eye(3)[Y_PRED]
    with_scores = per_class_metrics(Y_TRUE, Y_PRED, y_score=proba, zero_division=0.0)
    assert_allclose(with_scores["mean_score"], [2 / 3, 1 / 2, 0.0])
    assert with_scores.to_text().splitlines()[0].rstrip().endswith("mean score")


def test_a_column_must_give_one_value_per_class(monkeypatch):
    import skimgclf.metrics as metrics_module

    bad = MetricColumn("scalar", "scalar", lambda t: np.float64(1.0), "one number")
    monkeypatch.setattr(metrics_module, "METRIC_COLUMNS", (*METRIC_COLUMNS, bad))
    with pytest.raises(ValueError, match=r"'scalar' computed values of shape \(\)"):
        per_class_metrics(Y_TRUE, Y_PRED, zero_division=0.0)
