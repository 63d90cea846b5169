"""The command line's glue to the data layer (:func:`skimgclf._datasource.load_data`): the data
of a command's options, its class names, and the checks of data against a model or a
cross-validation that scikit-learn would make with a plain ``ValueError`` (which would read as
a bug, see :func:`~skimgclf._cli._errors.classify_error`)."""

from __future__ import annotations

import collections
import os
import re

from ._errors import UserError

_MISSING = object()


def image_shape(args):
    """``--image-shape`` as the data layer takes it, checked by the image contract's rule
    (:func:`skimgclf._images.normalize_image_shape`: positive sizes, one of H and W may be
    -1); None when not given. The parser only read the text: the rule runs here, when the
    command runs, so that ``--help`` imports nothing of it."""
    shape = getattr(args, "image_shape", None)
    if shape is None:
        return None
    from .._images import normalize_image_shape
    from ..exceptions import InputError

    try:
        normalize_image_shape(shape)
    except InputError:
        raise UserError(f"--image-shape {'x'.join(map(str, shape))}: give HxW or HxWxC with "
                        "positive sizes (one of H, W may be -1, read from the row width), "
                        "e.g. 32x32x3") from None
    return shape


def load(args, subset, *, class_names=_MISSING, model=None):
    """The data of ``args``: a Bunch of ``images``, ``target``, ``target_names``, ``source``,
    ``n_total`` (see :func:`skimgclf._datasource.load_data`). Image folders scored by a fitted
    ``model`` are read at its size and colour unless --image-shape or --color say otherwise,
    as ``predict`` reads files."""
    from .._datasource import canonical_spec, load_data

    names = class_names_option(args) if class_names is _MISSING else class_names
    shape = image_shape(args)
    color = getattr(args, "color", None)
    if model is not None and args.data.startswith("folder:") and shape is None:
        from ..datasets._read_images import expected_image_shape

        shape = expected_image_shape(model)
        color = color or ("gray" if shape[2] == 1 else "rgb")
        shape = shape[:2]
    try:
        return load_data(
            args.data,
            subset=subset,
            data_home=args.data_home,
            download=not args.offline,
            image_shape=shape,
            color=color,
            class_names=names,
            limit=args.limit,
            random_state=args.random_state,
        )
    except FileNotFoundError as exc:
        missing = re.match(r"(\S+) is not in the cache", str(exc))
        if not (args.offline and missing):
            raise
        from ..datasets._download import data_home_path

        name = canonical_spec(args.data)
        name = "emnist" if name.startswith("emnist-") else name
        home = data_home_path(args.data_home)
        raise UserError(
            f"{data_name(args)} is not in the cache ({missing.group(1)} is missing) and "
            f"--offline forbids downloading; drop --offline, or run 'skimgclf datasets fetch "
            f"{name}' on a machine with a network and copy the cache folder, or put a copy of "
            f"the official files (whole, or in .partKKofNN parts) in {home / name}"
        ) from exc


def class_names_option(args):
    """The names of ``--class-names``: ``a,b,c`` or ``@FILE`` (one name per line)."""
    text = getattr(args, "class_names", None)
    if text is None:
        return None
    if text.startswith("@"):
        path = text[1:]
        if os.path.isdir(path):
            raise UserError(f"--class-names {text}: {path} is a directory; give a text file "
                            "with one class name per line")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"class names file not found: {path}")
        try:
            with open(path, encoding="utf-8") as f:
                names = [line.strip() for line in f if line.strip()]
        except UnicodeDecodeError:
            raise UserError(f"--class-names {text}: {path} is not a UTF-8 text file") from None
    else:
        names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise UserError(f"--class-names {text!r}: give NAME,NAME,... or @FILE with one name "
                        "per line, no empty name")
    if len(set(names)) != len(names):
        twice = sorted(n for n, k in collections.Counter(names).items() if k > 1)
        raise UserError(f"--class-names: the names {twice} appear more than once; each class "
                        "needs a name of its own")
    return names


def data_name(args):
    """How messages name the data of ``args``: ``mnist (test)``, ``d.npz``."""
    from .._datasource import describe

    return describe(args.data, args.subset)


def counted(data):
    """``300 of 60000 images`` after --limit, else ``60000 images``."""
    n = len(data.target)
    return f"{n} of {data.n_total} images" if n < data.n_total else f"{n} images"


def require_classes(y, args):
    """Training needs two classes at least (scikit-learn's classifiers say so with a plain
    ValueError)."""
    import numpy as np

    classes = np.unique(y)
    if len(classes) < 2:
        raise UserError(
            f"{data_name(args)} holds labels of one class only ({classes[0].item()!r}); training "
            "needs at least 2"
        )


def check_folds(y, cv, what, where):
    """Stratified ``cv``-fold cross-validation of labels ``y`` must be possible: scikit-learn
    refuses more folds than images, or than the images of the largest class, with a plain
    ValueError in the middle of the search. ``what`` names the option (``--cv 5``), ``where``
    the data."""
    import numpy as np

    _, counts = np.unique(y, return_counts=True)
    if cv > len(y):
        raise UserError(f"{what}: {where} holds {len(y)} images, fewer than the folds; give "
                        f"at most {len(y)} folds, or more images")
    if cv > counts.max():
        raise UserError(f"{what}: the largest class of {where} holds {counts.max()} images, "
                        f"fewer than the folds (each fold takes images of every class); give "
                        f"at most {counts.max()} folds, or more images (--limit)")


def shape_text(shape):
    return "x".join(str(int(s)) for s in shape)


def check_input(model, X, args):
    """The data's images must be the size the model was trained on."""
    import numpy as np

    first = model.steps[0][1] if hasattr(model, "steps") else model
    fitted = getattr(first, "image_shape_", None)
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None or int(np.prod(X.shape[1:])) == n_features:
        return
    trained = f"images of {shape_text(fitted)}" if fitted is not None else "rows"
    raise UserError(
        f"{args.model} was trained on {trained} ({n_features} values), but "
        f"{data_name(args)} holds images of {shape_text(X.shape[1:])} "
        f"({int(np.prod(X.shape[1:]))} values)"
    )


def scored_data(model, data, args):
    """``(X, y)`` of ``data`` as ``model`` is scored on them (``evaluate``, ``report``): images
    of the size it was fitted on (flat rows for a model fitted on flat rows), labels matched
    to its classes and all of them among its classes."""
    from ..datasets._read_images import as_model_input

    y = align_labels(model, data, args)
    check_input(model, data.images, args)
    check_labels(model, y, args)
    return as_model_input(model, data.images), y


def align_labels(model, data, args):
    """The data's labels as the model's classes, matched by name where both are named: a
    ``folder:`` set numbers its class folders in order, so one without a class the model
    knows would shift every label after it. The labels as they are otherwise, and where no
    name of the data is one of the model's (folders ``0``, ``1``, ... of a model whose classes
    are named ``zero``, ``one``, ...)."""
    import numpy as np

    y, data_names = data.target, data.target_names
    model_names = getattr(model, "class_names_", None)
    classes = getattr(model, "classes_", None)
    if (model_names is None or data_names is None or classes is None
            or len(model_names) != len(classes) or y.dtype.kind not in "iu" or not len(y)
            or y.min() < 0 or y.max() >= len(data_names)):
        return y
    by_name = {str(name): label for name, label in zip(model_names, classes, strict=True)}
    present = [str(data_names[i]) for i in np.unique(y)]
    unknown = [name for name in present if name not in by_name]
    if len(unknown) == len(present):
        return y
    if unknown:
        raise UserError(
            f"{data_name(args)} holds classes {args.model} was not trained on: "
            f"{_names_text(unknown)} (its classes: {_names_text(list(by_name))}); score it on "
            "data of its classes"
        )
    lookup = np.array([by_name.get(str(name), -1) for name in data_names])
    return lookup[y]


def check_labels(model, y, args):
    """The data's labels must be the model's classes, or the scores mean nothing (a label the
    model cannot predict would be counted wrong, or left out of the per-class table)."""
    import numpy as np

    classes = getattr(model, "classes_", None)
    if classes is None:
        return
    classes = np.asarray(classes)
    text_y, text_classes = y.dtype.kind in "US", classes.dtype.kind in "US"
    if text_y != text_classes or not np.isin(y, classes).any():
        shown = ", ".join(map(repr, classes[:5].tolist())) + (", ..." if len(classes) > 5 else "")
        raise UserError(
            f"no label of {data_name(args)} is one of the model's classes ({shown}); is it "
            "the data the model was trained for?"
        )
    unknown, counts = np.unique(y[~np.isin(y, classes)], return_counts=True)
    if len(unknown):
        raise UserError(
            f"{int(counts.sum())} of the {len(y)} images of {data_name(args)} have labels "
            f"{args.model} was not trained on: {_names_text(unknown.tolist())} (its classes: "
            f"{_classes_text(classes)}); score it on data of its classes"
        )


def _names_text(names):
    shown = ", ".join(map(str, names[:8]))
    return shown + (f", ... ({len(names)} in all)" if len(names) > 8 else "")


def model_class_names(model, data, args):
    """Names of the model's classes, in ``classes_`` order: those of --class-names, else the
    ones saved with the model by ``train``, else the data's; None when nothing names them."""
    import numpy as np

    from .._datasource import class_names_for

    classes = getattr(model, "classes_", None)
    if classes is None:
        return None
    given = class_names_option(args)
    if given is not None:
        classes = np.asarray(classes)
        if classes.dtype.kind in "US":
            raise UserError(f"--class-names: the classes of {args.model} are strings "
                            f"({classes[0]!r}, ...), which name themselves; drop --class-names")
        names = class_names_for(classes, given)
        if names is None or len(given) != int(classes.max()) + 1:
            raise UserError(f"--class-names gives {len(given)} names, but the classes of "
                            f"{args.model} are {_classes_text(classes)}: give "
                            f"{int(classes.max()) + 1}, the name of class i in place i")
        return names
    saved = getattr(model, "class_names_", None)
    if saved is not None and len(saved) == len(classes):
        return [str(n) for n in saved]
    return class_names_for(classes, data.target_names) if data is not None else None


def _classes_text(classes):
    values = [str(c) for c in classes.tolist()]
    return ", ".join(values) if len(values) <= 6 else f"{values[0]}, ..., {values[-1]}"
