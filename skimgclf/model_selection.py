"""Compare model families (logistic regression, MLP, CNN, ...) in one ``GridSearchCV``.

The studies compare families of models, each with its own grid and sometimes its own
preprocessing. In scikit-learn that is one Pipeline whose ``prep`` and ``clf`` steps are swapped by
a list of parameter grids; this module builds that search and reads its results back per family.
Preprocessing shared by several candidates is fitted once per fold: the Pipeline caches its
transformers with ``memory`` (see ``benchmarks/bench_model_selection.py`` for what it saves).
"""

from __future__ import annotations

import contextlib
import inspect
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import Pipeline, make_pipeline

from ._sklearn_compat import HasMethods, StrOptions, own_parameter_errors, validate_params
from .exceptions import InputError, InputTypeError

__all__ = ["make_comparison_search", "compare_models", "ComparisonTable", "ComparisonSearchCV"]


# What GridSearchCV takes besides the estimator and the grid that this module builds.
_SEARCH_PARAMS = sorted(
    set(inspect.signature(GridSearchCV).parameters) - {"estimator", "param_grid"}
)
_TRANSFORMER = HasMethods(["fit", "transform"])
_PREPROCESSING = [None, StrOptions({"passthrough"}), _TRANSFORMER, list, tuple, dict]


def _as_step(prep, family):
    """One Pipeline step from None ("passthrough"), a transformer, or a list of transformers."""
    if prep is None or (isinstance(prep, str) and prep == "passthrough"):
        return "passthrough"
    steps = list(prep) if isinstance(prep, (list, tuple)) else [prep]
    for i, step in enumerate(steps):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue  # make_pipeline takes these as no-op steps
        if not _TRANSFORMER.is_satisfied_by(step):
            where = f"step {i} of the preprocessing" if len(steps) > 1 else "the preprocessing"
            raise InputTypeError(
                f"{where} of model {family!r} is {step!r}, which is not a transformer (it needs "
                "fit and transform); pass transformers, a list of them, or None"
            )
    if len(steps) == 1 and not isinstance(prep, (list, tuple)):
        return prep
    return make_pipeline(*steps) if steps else "passthrough"


def _family_grids(models, preprocessing):
    if isinstance(preprocessing, dict):
        unknown = sorted(map(str, set(preprocessing) - set(models)))
        if unknown:
            raise InputError(
                f"preprocessing names {unknown}, which are not models; the models are "
                f"{list(models)} (a model missing from the dict gets raw input)"
            )
    grids = []
    for name, spec in models.items():
        if not isinstance(name, str):
            raise InputTypeError(f"model names must be str; got {name!r}")
        if isinstance(spec, tuple):
            if len(spec) != 2:
                raise InputError(
                    f"model {name!r} must be an estimator or an (estimator, param_grid) pair; "
                    f"got a tuple of length {len(spec)}"
                )
            estimator, grid = spec
        else:
            estimator, grid = spec, {}
        if not isinstance(estimator, BaseEstimator):
            raise InputTypeError(
                f"model {name!r} must be an estimator or an (estimator, param_grid) pair; "
                f"got {type(estimator).__name__}"
            )
        if not isinstance(grid, Mapping):
            raise InputTypeError(
                f"the grid of model {name!r} must be a dict of parameter name -> list of "
                f"values; got {type(grid).__name__}"
            )
        prep = preprocessing.get(name) if isinstance(preprocessing, dict) else preprocessing
        family = {"prep": [_as_step(prep, name)], "clf": [estimator]}
        own = estimator.get_params()
        for key, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise InputError(
                    f"grid of model {name!r}: {key!r} must be a list of values, got {values!r}"
                )
            values = list(values)
            if not values:
                raise InputError(
                    f"grid of model {name!r}: {key!r} is an empty list; give at least one value"
                )
            family[_search_name(key, own, family["prep"][0], name)] = values
        grids.append(family)
    return grids


def _search_name(key, own, prep, family):
    """The name in the search's ``prep``/``clf`` Pipeline of a family grid's parameter name:
    the classifier's own (``C``), or already the search's (``clf__C``, ``prep__...``)."""
    if key in own:
        return f"clf__{key}"
    if key.startswith("prep__"):
        if isinstance(prep, str):  # "passthrough"
            raise InputError(
                f"grid of model {family!r}: {key!r} names a preprocessing parameter, but "
                f"model {family!r} has no preprocessing"
            )
        return key
    if key.startswith("clf__"):
        return key
    return f"clf__{key}"  # unknown: GridSearchCV names it when it sets it


def _check_search_params(search_params):
    unknown = sorted(set(search_params) - set(_SEARCH_PARAMS))
    if unknown:
        raise InputTypeError(
            f"unexpected keyword argument(s) {unknown}: the extra keywords go to GridSearchCV, "
            f"which takes {', '.join(_SEARCH_PARAMS)}"
        )


@validate_params(
    {
        "models": [dict],
        "preprocessing": _PREPROCESSING,
        "memory": [None, str, HasMethods(["cache"])],
    },
    prefer_skip_nested_validation=True,
)
def make_comparison_search(models, *, preprocessing=None, memory=None, **search_params):
    """A ``GridSearchCV`` that swaps whole model families, each with its own sub-grid.

    The searched estimator is a Pipeline of ``prep`` (a family's preprocessing) and ``clf``
    (its classifier); each family is one grid of the list, so its parameters are only
    combined with its own. :class:`ComparisonTable` reads the fitted search back by family.

    Parameters
    ----------
    models : dict of str -> estimator or (estimator, dict)
        Each family's classifier and its grid, each value a non-empty list. Grid names are the
        classifier's own parameter names (``C``), or their names in the searched Pipeline,
        whose steps are ``prep`` and ``clf``: ``clf__C`` for the classifier (the same), and
        ``prep__...`` for the family's preprocessing (``prep__orientations`` for one
        transformer, ``prep__hog__orientations`` for a step named ``hog`` of a Pipeline).
    preprocessing : transformer, list of transformers, "passthrough", or dict of str -> those
        The steps before the classifier: one for all families, or one per family name (a family
        missing from the dict gets raw input; a name that is not a family is an error).
    memory : str, joblib.Memory or None
        Cache for the fitted preprocessing (``Pipeline(memory=...)``), so that the candidates of a
        family do not recompute it for each fold. :func:`compare_models` provides a temporary one.
    **search_params
        Passed to ``GridSearchCV`` (``cv``, ``scoring``, ``n_jobs``, ``refit``, ``verbose``,
        ...). ``verbose`` shows the search's progress as scikit-learn does: 1 the number of
        fits, 2 a line per fit with its time, 3 with its score too.
        ``error_score`` defaults to ``"raise"``: a family that cannot fit (say, a classifier
        given image arrays it cannot take) stops the search with its error instead of filling
        the table with NaN scores.

    Returns
    -------
    ComparisonSearchCV
        A ``GridSearchCV``, unfitted; its ``family_names`` parameter lists the families in
        grid order.

    See Also
    --------
    compare_models : Build the search, fit it and tabulate it in one call.
    ComparisonTable : Read the fitted search, one row per candidate.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skimgclf.datasets import load_digits_images
    >>> from skimgclf.preprocessing import Normalizer
    >>> X, y = load_digits_images(return_X_y=True)
    >>> search = make_comparison_search(
    ...     {"logreg": (LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}),
    ...      "tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [4, 8]})},
    ...     preprocessing=Normalizer(mode="scale"), cv=3)
    >>> _ = search.fit(X[:600], y[:600])
    >>> table = ComparisonTable.from_search(search)
    >>> [row["family"] for row in table.best_per_family()]
    ['logreg', 'tree']
    """
    if not models:
        raise InputError("models is empty: give at least one estimator to compare")
    _check_search_params(search_params)
    grids = _family_grids(models, {} if preprocessing is None else preprocessing)
    first = grids[0]
    pipe = Pipeline([("prep", first["prep"][0]), ("clf", first["clf"][0])], memory=memory)
    return ComparisonSearchCV(pipe, grids, family_names=list(models),
                              **{"error_score": "raise", **search_params})


class ComparisonSearchCV(GridSearchCV):
    """A ``GridSearchCV`` that knows the name of the model family each of its grids searches.

    ``family_names`` is a parameter: ``clone`` (nested cross-validation,
    ``cross_validate(return_estimator=True)``) keeps it, and :class:`ComparisonTable` reads it
    back. :func:`make_comparison_search` builds one.

    Parameters
    ----------
    estimator : estimator object
        The searched estimator, as in ``GridSearchCV``.
    param_grid : dict or list of dict
        One grid per family, as in ``GridSearchCV``.
    family_names : list of str or None, default=None
        The name of each grid's family, in order.
    scoring : str, callable, list, tuple, dict or None, default=None
        As in ``GridSearchCV``.
    n_jobs : int or None, default=None
        As in ``GridSearchCV``.
    refit : bool, str or callable, default=True
        As in ``GridSearchCV``.
    cv : int, cross-validation generator, iterable or None, default=None
        As in ``GridSearchCV``.
    verbose : int, default=0
        As in ``GridSearchCV``.
    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.
    error_score : "raise" or float, default=np.nan
        As in ``GridSearchCV``.
    return_train_score : bool, default=False
        As in ``GridSearchCV``.

    See Also
    --------
    make_comparison_search : Build one from a dict of model families.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from sklearn.linear_model import LogisticRegression
    >>> search = make_comparison_search({"logreg": LogisticRegression()})
    >>> type(search).__name__, clone(search).family_names
    ('ComparisonSearchCV', ['logreg'])
    """

    _parameter_constraints = {**GridSearchCV._parameter_constraints,
                              "family_names": [list, None]}

    def __init__(self, estimator, param_grid, *, family_names=None, scoring=None, n_jobs=None,
                 refit=True, cv=None, verbose=0, pre_dispatch="2*n_jobs", error_score=np.nan,
                 return_train_score=False):
        super().__init__(estimator, param_grid, scoring=scoring, n_jobs=n_jobs, refit=refit,
                         cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                         error_score=error_score, return_train_score=return_train_score)
        self.family_names = family_names


@validate_params(
    {
        "models": [dict],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "preprocessing": _PREPROCESSING,
        "cache": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def compare_models(models, X, y, *, preprocessing=None, cache=True, **search_params):
    """Fit the comparison search of :func:`make_comparison_search` and tabulate it.

    With ``cache=True`` the families' fitted preprocessing is cached in a temporary folder for
    the time of the search, so that a family's candidates share it within each fold.

    Parameters
    ----------
    models : dict of str -> estimator or (estimator, dict)
        Each family's classifier and its grid, as in :func:`make_comparison_search`.
    X : array-like or sparse matrix
        Training images (every layout of the image contract) or features.
    y : array-like of shape (n_samples,)
        Labels.
    preprocessing : transformer, list of transformers, "passthrough", or dict of str -> those
        The steps before the classifier, as in :func:`make_comparison_search`.
    cache : bool, default=True
        Cache fitted preprocessing in a temporary folder, removed when the search is done.
    **search_params
        Passed to ``GridSearchCV``, as in :func:`make_comparison_search`.

    Returns
    -------
    search : GridSearchCV
        Fitted.
    table : ComparisonTable
        One row per candidate.

    See Also
    --------
    make_comparison_search : The search, unfitted.
    skimgclf.report.ModelReport : Report on the best model on held-out data.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skimgclf.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> search, table = compare_models(
    ...     {"logreg": (LogisticRegression(max_iter=500), {"C": [0.01, 1.0]})},
    ...     X[:300] / 255, y[:300], cv=2)
    >>> len(table.rows), table.rows[0]["family"], sorted(table.rows[0]["params"])
    (2, 'logreg', ['C'])
    """
    with contextlib.ExitStack() as stack:
        memory = stack.enter_context(tempfile.TemporaryDirectory()) if cache else None
        search = make_comparison_search(
            models, preprocessing=preprocessing, memory=memory, **search_params
        )
        with own_parameter_errors("compare_models"):
            search.fit(X, y)
        if cache:
            # Neither the search nor its refitted pipeline may point at a folder about to be
            # deleted (a later fit would make it again and leave it behind).
            search.estimator.set_params(memory=None)
            if hasattr(search, "best_estimator_"):
                search.best_estimator_.set_params(memory=None)
    return search, ComparisonTable.from_search(search)


@dataclass
class ComparisonTable:
    """Candidates of a comparison search: family, parameters, mean/std score, fit time, rank.

    Build it with :meth:`from_search`; ``rows`` are dicts sorted by rank.

    Parameters
    ----------
    rows : list of dict
        One dict per candidate, best first, with its ``family``, ``params`` (dict), ``mean``
        and ``std`` of the test score over the folds, mean ``fit_time`` in seconds and
        ``rank``.

    See Also
    --------
    compare_models : Fit a comparison search and return its table.
    make_comparison_search : The search whose ``family_names`` the table reads.

    Examples
    --------
    >>> table = ComparisonTable([
    ...     {"family": "svc", "params": {"C": 1.0}, "mean": 0.98, "std": 0.01,
    ...      "fit_time": 0.5, "rank": 1},
    ...     {"family": "logreg", "params": {}, "mean": 0.95, "std": 0.02,
    ...      "fit_time": 0.1, "rank": 2}])
    >>> print(table.to_markdown())
    | rank | model | parameters | mean score | std | fit time (s) |
    |---:|---|---|---:|---:|---:|
    | 1 | svc | C=1.0 | 0.9800 | 0.0100 | 0.50 |
    | 2 | logreg | defaults | 0.9500 | 0.0200 | 0.10 |
    >>> table.scores("svc")
    array([0.98])
    """

    rows: list

    @classmethod
    def from_search(cls, search, scorer=None):
        """Read a fitted search: one row per candidate.

        Any scikit-learn search with ``cv_results_`` works (``GridSearchCV``,
        ``RandomizedSearchCV``, the halving searches), over any estimator, with one grid or a
        list of them.

        Parameters
        ----------
        search : fitted search
            Built by :func:`make_comparison_search`, or any other.
        scorer : str, default=None
            With several scorers (``scoring`` a list or dict), the one to read.

        Returns
        -------
        ComparisonTable
            A candidate's ``family`` is its family's name for a search built by
            :func:`make_comparison_search`; otherwise it is the class of the final estimator
            that the candidate fits (the value of a parameter that swaps a Pipeline's last
            step, else the class of that step, or of the estimator). ``params`` are the
            family's classifier parameters (without ``clf__``) for a comparison search, else
            every searched parameter but the one that gave the family.

        Examples
        --------
        >>> from sklearn.model_selection import GridSearchCV
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklearn.svm import SVC
        >>> from skimgclf.datasets import load_digits_images
        >>> X, y = load_digits_images(return_X_y=True)
        >>> pipe = make_pipeline(StandardScaler(), SVC())
        >>> search = GridSearchCV(pipe, [{"svc__C": [0.1, 1.0]}, {"svc__kernel": ["linear"]}],
        ...                       cv=2).fit(X[:300], y[:300])
        >>> table = ComparisonTable.from_search(search)
        >>> sorted(table.rows[0]), {row["family"] for row in table.rows}, len(table.rows)
        (['family', 'fit_time', 'mean', 'params', 'rank', 'std'], {'SVC'}, 3)
        """
        res = getattr(search, "cv_results_", None)
        if res is None:
            raise InputError(
                f"the {type(search).__name__} is not fitted (it has no cv_results_); call "
                "fit first"
            )
        key = "score" if scorer is None else scorer
        if f"mean_test_{key}" not in res:
            raise InputError(
                f"the search has no 'mean_test_{key}' results; with several scorers pass "
                f"scorer= one of {sorted(k[10:] for k in res if k.startswith('mean_test_'))}"
            )
        families = _comparison_families(search, len(res["params"]))
        rows = []
        for i, params in enumerate(res["params"]):
            if families is not None:
                family = families[i]
                shown = {k[5:]: v for k, v in params.items() if k.startswith("clf__")}
                shown.update({k: v for k, v in params.items() if k.startswith("prep__")})
            else:
                family, swapped = _family_of(search.estimator, params)
                shown = {k: v for k, v in params.items() if k != swapped}
            rows.append(
                {
                    "family": family,
                    "params": shown,
                    "mean": float(res[f"mean_test_{key}"][i]),
                    "std": float(res[f"std_test_{key}"][i]),
                    "fit_time": float(res["mean_fit_time"][i]),
                    "rank": int(res[f"rank_test_{key}"][i]),
                }
            )
        rows.sort(key=lambda r: (r["rank"], r["family"]))
        return cls(rows)

    def best_per_family(self):
        """The best row of each family, best family first.

        Returns
        -------
        list of dict
            The first (best ranked) row of each family, in rank order.
        """
        seen, best = set(), []
        for row in self.rows:
            if row["family"] not in seen:
                seen.add(row["family"])
                best.append(row)
        return best

    def to_markdown(self, best_only=False):
        """A Markdown table (all candidates, or the best of each family).

        Parameters
        ----------
        best_only : bool, default=False
            Only the best candidate of each family (:meth:`best_per_family`).

        Returns
        -------
        str
            The table, one candidate per line, in rank order.
        """
        rows = self.best_per_family() if best_only else self.rows
        lines = [
            "| rank | model | parameters | mean score | std | fit time (s) |",
            "|---:|---|---|---:|---:|---:|",
        ]
        for r in rows:
            params = ", ".join(f"{k}={_shown(v)}" for k, v in r["params"].items()) or "defaults"
            lines.append(
                f"| {r['rank']} | {r['family']} | {params} | {r['mean']:.4f} | "
                f"{r['std']:.4f} | {r['fit_time']:.2f} |"
            )
        return "\n".join(lines)

    def scores(self, family):
        """Mean scores of one family's candidates, in rank order.

        Parameters
        ----------
        family : str
            A family name (the ``family`` of the rows).

        Returns
        -------
        ndarray of shape (n_candidates,)
            The ``mean`` of each of its rows; empty for an unknown family.
        """
        return np.array([r["mean"] for r in self.rows if r["family"] == family])


def _comparison_families(search, n_candidates):
    """The family name of each candidate of a search built by :func:`make_comparison_search`
    (its grids are the families, in order), or None for any other search."""
    names = getattr(search, "family_names", None)
    grids = getattr(search, "param_grid", None)
    if not names or grids is None:
        return None
    grids = grids if isinstance(grids, list) else [grids]
    if len(grids) != len(names):
        return None
    families = [name for name, grid in zip(names, grids, strict=True)
                for _ in range(len(ParameterGrid(grid)))]
    return families if len(families) == n_candidates else None


def _family_of(estimator, params):
    """``(class name of the final estimator a candidate fits, the parameter that swapped it
    or None)``."""
    steps = getattr(estimator, "steps", None)
    if steps:
        last, final = steps[-1]
        if last in params:
            return _shown(params[last]), last
        return type(final).__name__, None
    return type(estimator).__name__, None


def _shown(value):
    """A parameter value for the table: estimators by their class name."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    return repr(value)
