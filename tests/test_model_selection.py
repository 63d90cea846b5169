"""The family-comparison search: grids, results table, cached preprocessing."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import load_digits_images
from skimgclf.model_selection import ComparisonTable, compare_models, make_comparison_search
from skimgclf.preprocessing import Normalizer

FIT_CALLS = []


class CountingScaler(TransformerMixin, BaseEstimator):
    """Scales to 0-1 and records each fit, to see what the cache saves."""

    def fit(self, X, y=None):
        FIT_CALLS.append(len(X))
        return self

    def transform(self, X):
        return np.asarray(X, dtype=np.float64) / 255.0


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X[:500], y[:500]


def test_grid_has_one_entry_per_family_with_prefixed_params():
    search = make_comparison_search(
        {
            "logreg": (LogisticRegression(), {"C": [0.1, 1.0], "l1_ratio": [0.0, 1.0]}),
            "tree": DecisionTreeClassifier(),
        },
        preprocessing={"logreg": [CountingScaler()]},
        cv=2,
    )
    assert isinstance(search, GridSearchCV)
    assert search.family_names == ["logreg", "tree"]
    logreg, tree = search.param_grid
    assert logreg["clf__C"] == [0.1, 1.0] and logreg["clf__l1_ratio"] == [0.0, 1.0]
    assert tree["prep"] == ["passthrough"] and set(tree) == {"prep", "clf"}


def test_table_maps_every_candidate_to_its_family(digits):
    X, y = digits
    search, table = compare_models(
        {
            "logreg": (LogisticRegression(max_iter=300), {"C": [0.01, 1.0]}),
            "tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3, 8]}),
        },
        X,
        y,
        preprocessing=CountingScaler(),
        cv=3,
    )
    assert [r["rank"] for r in table.rows] == sorted(r["rank"] for r in table.rows)
    assert sorted(r["family"] for r in table.rows) == ["logreg"] * 2 + ["tree"] * 3
    for row in table.rows:  # the family's parameters, not another family's
        expected = {"logreg": {"C"}, "tree": {"max_depth"}}[row["family"]]
        assert set(row["params"]) == expected
    best = table.best_per_family()
    assert best[0]["mean"] == pytest.approx(search.best_score_)
    assert best[0]["family"] == "logreg"  # linear beats depth-limited trees on digits
    md = table.to_markdown(best_only=True)
    assert md.count("\n") == 3 and "| logreg |" in md
    # the refitted model does not point at the deleted cache folder
    assert search.best_estimator_.memory is None
    assert search.predict(X[:5]).shape == (5,)


def test_cache_fits_shared_preprocessing_once_per_fold(digits):
    X, y = digits
    models = {"logreg": (LogisticRegression(max_iter=200), {"C": [0.01, 0.1, 1.0, 10.0]})}
    FIT_CALLS.clear()
    compare_models(models, X, y, preprocessing=CountingScaler(), cv=3, cache=False)
    uncached = len(FIT_CALLS)
    FIT_CALLS.clear()
    compare_models(models, X, y, preprocessing=CountingScaler(), cv=3, cache=True)
    cached = len(FIT_CALLS)
    assert uncached == 4 * 3 + 1  # every candidate on every fold, plus the refit
    assert cached == 3 + 1  # once per fold, plus the refit on all the data


def test_the_cache_of_compare_models_is_gone_from_what_it_returns(digits):
    X, y = digits
    search, _ = compare_models({"logreg": LogisticRegression(max_iter=200)}, X / 255, y, cv=2)
    assert search.estimator.memory is None and search.best_estimator_.memory is None


def test_a_comparison_search_is_saved_and_opened_like_a_grid_search(digits, tmp_path):
    from skimgclf.persistence import load_model, save_model

    X, y = digits
    search, table = compare_models({"lr": LogisticRegression(max_iter=200)}, X / 255, y, cv=2)
    loaded = load_model(save_model(search, tmp_path / "search.skimgclf"))  # no trusted= needed
    assert loaded.family_names == ["lr"]
    assert ComparisonTable.from_search(loaded).rows == table.rows
    np.testing.assert_array_equal(loaded.predict(X / 255), search.predict(X / 255))


def test_clones_keep_the_family_names(digits):
    """Nested cross-validation clones the search: its table still names the families, two of
    which share a classifier class here."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    X, y = digits
    search = make_comparison_search(
        {"weak": (LogisticRegression(C=0.01, max_iter=200), {"tol": [1e-4]}),
         "strong": (LogisticRegression(C=10.0, max_iter=200), {"tol": [1e-4]})}, cv=2)
    assert clone(search).family_names == ["weak", "strong"]
    fitted = cross_validate(search, X / 255, y, cv=2, return_estimator=True)["estimator"]
    for inner in fitted:
        families = [row["family"] for row in ComparisonTable.from_search(inner).rows]
        assert sorted(families) == ["strong", "weak"]


def test_a_family_that_cannot_fit_stops_the_search(digits):
    X, y = digits
    images = X.reshape(len(X), 8, 8)  # LogisticRegression takes no 3-D arrays
    with pytest.raises(ValueError, match="Found array with dim 3"):
        compare_models({"lr": LogisticRegression()}, images, y, cv=2)


def test_table_with_several_scorers_needs_a_name(digits):
    X, y = digits
    search = make_comparison_search(
        {"tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 4]})},
        cv=2,
        scoring=["accuracy", "f1_macro"],
        refit="accuracy",
    ).fit(X, y)
    with pytest.raises(ValueError, match="pass scorer= one of \\['accuracy', 'f1_macro'\\]"):
        ComparisonTable.from_search(search)
    assert len(ComparisonTable.from_search(search, scorer="f1_macro").rows) == 2


@pytest.mark.parametrize(
    "models, kwargs, match",
    [
        ({}, {}, "models is empty"),
        ([LogisticRegression()], {}, "'models' parameter of make_comparison_search must be an "
                                     "instance of 'dict'"),
        ({"x": ("not an estimator", {})}, {}, "model 'x' must be an estimator"),
        ({"x": "not an estimator"}, {}, "model 'x' must be an estimator .* got str"),
        ({"x": (LogisticRegression(),)}, {}, "an \\(estimator, param_grid\\) pair; got a tuple "
                                            "of length 1"),
        ({"x": (LogisticRegression(), [0.1, 1])}, {}, "the grid of model 'x' must be a dict"),
        ({"x": (LogisticRegression(), {"C": 1.0})}, {}, "'C' must be a list of values"),
        ({"x": (LogisticRegression(), {"C": []})}, {}, "'C' is an empty list"),
        ({1: LogisticRegression()}, {}, "model names must be str; got 1"),
        ({"x": LogisticRegression()}, {"preprocessing": {"y": CountingScaler()}},
         "preprocessing names \\['y'\\], which are not models; the models are \\['x'\\]"),
        ({"x": LogisticRegression()}, {"preprocessing": "scale"},
         "'preprocessing' parameter of make_comparison_search must be None, a str among "
         "\\{'passthrough'\\}, an object implementing 'fit' and 'transform'"),
        ({"x": LogisticRegression()}, {"preprocessing": [CountingScaler(), "scale"]},
         "step 1 of the preprocessing of model 'x' is 'scale', which is not a transformer"),
        ({"x": LogisticRegression()}, {"preprocessing": {"x": LogisticRegression()}},
         "the preprocessing of model 'x' is LogisticRegression\\(\\), which is not a transformer"),
        ({"x": LogisticRegression()}, {"memory": 3},
         "'memory' parameter of make_comparison_search"),
        ({"x": LogisticRegression()}, {"cvv": 3}, "unexpected keyword argument\\(s\\) \\['cvv'\\]: "
                                                  "the extra keywords go to GridSearchCV, which "
                                                  "takes cv, "),
    ],
)
def test_bad_comparisons_are_named(models, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_comparison_search(models, **kwargs)


def test_passthrough_steps_are_kept_as_no_ops():
    search = make_comparison_search(
        {"x": LogisticRegression()}, preprocessing=[CountingScaler(), "passthrough"]
    )
    assert search.param_grid[0]["prep"][0].steps[1][1] == "passthrough"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cache": "yes"}, "'cache' parameter of compare_models must be an instance of 'bool'"),
        ({"X": "images.npz"}, "'X' parameter of compare_models must be an array-like or a sparse"),
        ({"y": None}, "'y' parameter of compare_models must be an array-like"),
    ],
)
def test_bad_compare_models_arguments_are_named(digits, kwargs, match):
    X, y = digits
    call = {"models": {"tree": DecisionTreeClassifier()}, "X": X, "y": y, **kwargs}
    with pytest.raises(ValueError, match=match):
        compare_models(**call)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"models": {"lr": LogisticRegression(C=-1.0)}},
         r"The 'C' parameter of LogisticRegression \(fitted by compare_models\) must be"),
        ({"models": {"lr": (LogisticRegression(), {"C": [1.0, -1.0]})}},
         r"'C' parameter of LogisticRegression \(fitted by compare_models\)"),
        ({"preprocessing": Normalizer(mode="bogus")},
         r"The 'mode' parameter of Normalizer \(fitted by compare_models\) must be"),
    ],
)
def test_a_bad_parameter_of_a_compared_model_is_refused_and_named(digits, kwargs, match):
    # The models are fitted with their own parameter checks (not skipped as nested), and the
    # error names the model, not compare_models alone.
    X, y = digits
    call = {"models": {"lr": LogisticRegression()}, "X": X / 255, "y": y, "cv": 2, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        compare_models(**call)


# ------------------------------------------------------------- ComparisonTable on any search
def _search_table(search, X, y):
    search.fit(X, y)
    table = ComparisonTable.from_search(search)
    assert len(table.rows) == len(search.cv_results_["params"])
    assert [r["rank"] for r in table.rows] == sorted(r["rank"] for r in table.rows)
    assert table.rows[0]["mean"] == pytest.approx(search.best_score_)
    table.to_markdown()  # renders
    return table


def test_table_of_a_plain_grid_search_over_an_estimator(digits):
    X, y = digits
    table = _search_table(GridSearchCV(DecisionTreeClassifier(random_state=0),
                                       {"max_depth": [2, 4, 8]}, cv=2), X, y)
    assert {r["family"] for r in table.rows} == {"DecisionTreeClassifier"}
    assert sorted(r["params"]["max_depth"] for r in table.rows) == [2, 4, 8]


def test_table_of_a_pipeline_without_a_clf_step_and_a_list_of_grids(digits):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = digits
    pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=200))])
    grids = [{"model__C": [0.1, 1.0]},
             {"model": [DecisionTreeClassifier(random_state=0)], "model__max_depth": [3],
              "scale": ["passthrough", StandardScaler()]}]
    table = _search_table(GridSearchCV(pipe, grids, cv=2), X, y)
    families = sorted(r["family"] for r in table.rows)
    assert families == ["DecisionTreeClassifier"] * 2 + ["LogisticRegression"] * 2
    tree = [r for r in table.rows if r["family"] == "DecisionTreeClassifier"]
    assert all("model" not in r["params"] and r["params"]["model__max_depth"] == 3 for r in tree)
    md = table.to_markdown()
    assert "scale=StandardScaler" in md and "scale='passthrough'" in md  # estimators by name


def test_table_of_a_randomized_search(digits):
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV

    X, y = digits
    search = RandomizedSearchCV(LogisticRegression(max_iter=200), {"C": loguniform(1e-2, 1)},
                                n_iter=3, cv=2, random_state=0)
    table = _search_table(search, X, y)
    assert {r["family"] for r in table.rows} == {"LogisticRegression"}
    assert all(set(r["params"]) == {"C"} for r in table.rows)


def test_table_of_an_unfitted_search_says_so():
    with pytest.raises(ValueError, match="the GridSearchCV is not fitted"):
        ComparisonTable.from_search(GridSearchCV(LogisticRegression(), {"C": [1.0]}))


def test_family_grids_may_name_the_preprocessing_and_clf_prefixes(digits):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = digits
    prep = Pipeline([("std", StandardScaler())])
    search, table = compare_models(
        {"lr": (LogisticRegression(max_iter=200), {"clf__C": [0.1, 1.0],
                                                   "prep__std__with_mean": [True, False]})},
        X, y, preprocessing=prep, cv=2)
    grid = search.param_grid[0]
    assert grid["clf__C"] == [0.1, 1.0] and grid["prep__std__with_mean"] == [True, False]
    assert {frozenset(r["params"]) for r in table.rows} == {frozenset({"C",
                                                                      "prep__std__with_mean"})}
    with pytest.raises(ValueError, match="names a preprocessing parameter, but model 'lr' has no"):
        make_comparison_search({"lr": (LogisticRegression(), {"prep__std__with_mean": [True]})})


def test_verbose_goes_to_the_search(digits, capsys):
    X, y = digits
    compare_models({"tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3]})},
                   X, y, cv=2, verbose=2)
    out = capsys.readouterr().out
    assert "Fitting 2 folds for each of 2 candidates, totalling 4 fits" in out
    assert out.count("[CV] END") == 4


@pytest.mark.slow
def test_logreg_mlp_cnn_comparison_on_mnist(mnist_train):
    """The study's comparison on real digits: an LR grid (C x l1/l2), an MLP and a CNN."""
    import warnings

    from conftest import stratified_subset
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import FunctionTransformer

    from skimgclf import CNNClassifier, Normalizer, TorchMLPClassifier
    from skimgclf.preprocessing import flatten_images

    X, y = stratified_subset(*mnist_train, 1500, random_state=0)
    models = {
        "logreg": (
            LogisticRegression(max_iter=100, solver="saga", tol=1e-2, random_state=0),
            {"C": [0.1, 1.0], "l1_ratio": [0.0, 1.0]},
        ),
        "mlp": (
            TorchMLPClassifier(hidden_sizes=(128,), max_epochs=10, random_state=0),
            {"lr": [1e-3, 3e-3]},
        ),
        "cnn": (CNNClassifier(max_epochs=5, batch_size=32, random_state=0), {}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search, table = compare_models(
            models,
            X,  # (n, 28, 28) images: scikit-learn's LogisticRegression needs flat rows
            y,
            preprocessing={
                "logreg": [Normalizer(mode="scale"), FunctionTransformer(flatten_images)],
                "mlp": Normalizer(mode="scale"),
                "cnn": Normalizer(mode="scale"),
            },
            cv=StratifiedKFold(3, shuffle=True, random_state=0),
        )
    best = {row["family"]: row["mean"] for row in table.best_per_family()}
    assert sorted(best) == ["cnn", "logreg", "mlp"]
    assert len(table.rows) == 4 + 2 + 1
    assert best["logreg"] > 0.8 and best["mlp"] > 0.8
    assert best["cnn"] > 0.9 and table.rows[0]["family"] == "cnn"  # convolutions win on digits
    assert search.best_estimator_.named_steps["clf"].__class__ is CNNClassifier
