"""Every public docstring passes numpydoc's validation, with scikit-learn's choice of checks.

Modelled on scikit-learn's ``sklearn/tests/test_docstrings.py``: the public classes, their
methods and properties, and the public functions are discovered (not listed by hand), each is
checked with ``numpydoc.validate.validate``, and the errors scikit-learn does not enforce are
filtered out (``IGNORED`` and ``ignored`` below). A failing object is one parametrized case whose
message shows its docstring and the errors left.

Public: a class or function defined in skimgclf, listed in the ``__all__`` of a public module
(no part of its dotted name starts with "_"), named under its most specific public module; and
the methods and properties of such a class whose names do not start with "_" and that skimgclf
defines (a method inherited unchanged from skorch, scikit-learn or torch is theirs, documented
there, and skipped). The Sphinx build can run the same checks (``numpydoc_validation_checks``
in ``docs/conf.py``, with the codes of ``IGNORED`` and ``CLASS_AND_FUNCTION_ONLY`` left out).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import skimgclf

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# Error codes never reported, with scikit-learn's reasons.
IGNORED = {
    "RT02": "the first line of Returns may name the returned object",
    "GL01": "the summary may start on the line of the opening quotes",
    "GL02": "a short docstring (a property's) may close on the line of its last text",
}
# Error codes reported only for classes and functions, not their methods and properties.
CLASS_AND_FUNCTION_ONLY = {
    "ES01": "a method's one-line summary may be all it needs",
    "SA01": "See Also belongs to the class, not to each of its methods",
    "EX01": "the class's Examples show its methods",
}

# Objects whose files other changes in progress are editing; the lead empties this set.
PENDING: set[str] = set()  # objects whose file was being edited (none)


def _public_modules():
    """(name, module or the ImportError) of skimgclf and each public module below it."""
    names = ["skimgclf"] + sorted(
        info.name
        for info in pkgutil.walk_packages(skimgclf.__path__, prefix="skimgclf.")
        if not any(part.startswith("_") for part in info.name.split("."))
    )
    for name in names:
        try:
            yield name, importlib.import_module(name)
        except ImportError as exc:  # an optional extra (skimgclf.cluster needs dask)
            yield name, exc


def _ours(obj) -> bool:
    """Whether skimgclf defines ``obj`` (a class, function, method or property)."""
    if isinstance(obj, property):
        obj = obj.fget
    module = getattr(inspect.unwrap(obj), "__module__", None) or ""
    return module == "skimgclf" or module.startswith("skimgclf.")


def _members(cls):
    """``{name: static attribute}`` of the public methods and properties skimgclf defines."""
    members = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if not isinstance(attr, property):
            # the function behind a descriptor: a classmethod's, scikit-learn's available_if's
            attr = getattr(cls, name, None)
            if not inspect.isroutine(attr):
                continue  # a class attribute (a constant, a nested class)
        if _ours(attr):
            members[name] = attr
    return members


def _public_objects():
    """``{public name: (object, owning class or None)}`` and the modules that did not import."""
    found, skipped = {}, []
    for module_name, module in _public_modules():
        if isinstance(module, ImportError):
            skipped.append((module_name, module))
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants (DEMO_MODELS, __version__) carry no docstring of their own
            if not _ours(obj):
                continue
            key = id(obj)
            # skimgclf.CNNClassifier is skimgclf.neural.CNNClassifier: keep the latter
            if key not in found or len(module_name) > len(found[key][0].rsplit(".", 1)[0]):
                found[key] = (f"{module_name}.{name}", obj)
    objects = {}
    for public_name, obj in found.values():
        objects[public_name] = (obj, None)
        if inspect.isclass(obj):
            for name, attr in _members(obj).items():
                objects[f"{public_name}.{name}"] = (attr, obj)
    return dict(sorted(objects.items())), skipped


PUBLIC_OBJECTS, UNIMPORTABLE = _public_objects()


def _overrides_documented_base(cls, name) -> bool:
    """Whether ``cls.name`` overrides a documented method of a base class skimgclf does not
    define (a skorch hook such as ``train_step``, torch's ``forward``), whose contract -- and,
    for ``inspect.getdoc`` and autodoc, whose docstring -- is the base's."""
    for base in cls.__mro__[1:]:
        attr = base.__dict__.get(name)
        if attr is not None and not _ours(attr):
            return bool(inspect.getdoc(attr))
    return False


def ignored(code, name, obj, owner) -> str | None:
    """Why error ``code`` of ``name`` is not reported, or None when it is."""
    if code in IGNORED:
        return IGNORED[code]
    if owner is not None and code in CLASS_AND_FUNCTION_ONLY:
        return CLASS_AND_FUNCTION_ONLY[code]
    if owner is not None and isinstance(obj, property) and code in ("GL08", "PR02"):
        # the class's Attributes section documents its properties (scikit-learn's rule)
        return "a property is documented in the class's Attributes section"
    if owner is not None and code == "GL08" and _overrides_documented_base(
            owner, name.rsplit(".", 1)[1]):
        return "an undocumented override of a third-party hook keeps the base's docstring"
    return None


def _repr_errors(name, obj, result, errors) -> str:
    """The object, its docstring and its errors, as scikit-learn's test shows them."""
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):  # a property has no signature
        signature = ""
    lines = [f"{result['file']}:{result['file_line']}", f"{name}{signature}",
             result["docstring"], "# Errors"]
    lines += [f" - {code}: {message}" for code, message in errors]
    return "\n\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:])


def _cases():
    for name, (obj, owner) in PUBLIC_OBJECTS.items():
        marks = ()
        if name in PENDING:
            marks = pytest.mark.xfail(reason="its file is being edited by another change",
                                      strict=False)
        yield pytest.param(name, obj, owner, id=name, marks=marks)


def test_discovery_finds_the_objects_of_every_area():
    assert len(PUBLIC_OBJECTS) > 150
    for name in (
        "skimgclf.neural.CNNClassifier",
        "skimgclf.neural.CNNClassifier.fit",
        "skimgclf.neural.CNNClassifier.predict_proba",
        "skimgclf.preprocessing.HOGFeatures.transform",
        "skimgclf.plotting.ConfusionMatrixDisplay.from_estimator",
        "skimgclf.metrics.per_class_metrics",
        "skimgclf.report.ModelReport",
        "skimgclf.show_versions",
    ):
        assert name in PUBLIC_OBJECTS, name
    assert "skimgclf.CNNClassifier" not in PUBLIC_OBJECTS  # one entry per object
    # skorch's and scikit-learn's own methods are not ours to document
    for name in ("get_params_for", "score", "set_fit_request", "history", "save_params"):
        assert f"skimgclf.neural.CNNClassifier.{name}" not in PUBLIC_OBJECTS, name
    assert PENDING <= set(PUBLIC_OBJECTS), PENDING - set(PUBLIC_OBJECTS)
    # a module may only be left out when it needs an optional extra, and says which
    for module_name, exc in UNIMPORTABLE:
        assert "pip install" in str(exc), f"{module_name} does not import: {exc}"


@pytest.mark.parametrize("name, obj, owner", list(_cases()))
def test_docstring(name, obj, owner):
    result = numpydoc_validate.validate(name)
    errors = [(code, message) for code, message in result["errors"]
              if ignored(code, name, obj, owner) is None]
    if errors:
        raise AssertionError(_repr_errors(name, obj, result, errors))
