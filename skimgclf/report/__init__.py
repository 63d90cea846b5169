"""One report of a fitted classifier on test data: Markdown plus PNG figures beside it.

Usage::

    report = ModelReport.from_estimator(fitted, X_test, y_test, target_names=names)
    report.save("reports/lenet5")

writes ``reports/lenet5/report.md`` and its figures. Gathering the results
(``report/_gather.py``), drawing the figures with the Displays of :mod:`skimgclf.plotting`
(``report/_figures.py``) and rendering the Markdown (``report/_render.py``) are kept apart.
matplotlib is imported only when figures are made.
"""

# Their home is skimgclf.inspection and skimgclf.show_versions; importable here as before.
from .._versions import library_versions  # noqa: F401
from ..inspection import LayerParameters, parameter_counts  # noqa: F401
from ._model_report import ModelReport

__all__ = ["ModelReport"]
