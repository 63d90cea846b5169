"""The public neural estimators: thin subclasses that fix defaults and document parameters.

Their parameters (signature, defaults, constraints, docs) come from the table in ``_params.py``.
"""

from __future__ import annotations

from ._base import _NeuralImageClassifier
from ._params import MLP_PARAMS, declare_parameters, parameters

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    classes_ : ndarray
        The labels seen in ``fit``, sorted.
    label_encoder_ : LabelEncoder
    n_features_in_ : int
        Pixels x channels per image.
    image_shape_ : tuple
        ``(H, W, C)`` of the training images.
    device_ : str
        The device the network lives on.
    class_weight_ : ndarray or None
        The loss weight of each class.
    input_scale_ : float
        The factor of the training pixels (``input_scale``; with ``"auto"``, 1/255 for integer
        images and 1 for floats).
    input_range_ : tuple of (float, float) or None
        The lowest and highest training pixel after that factor (None for floats read on
        demand). Integer images after a fit on floats, or floats after a fit on integers, are
        refused unless both are in [0, 1]: the network learned its input in these units.
    input_mean_, input_std_ : ndarray
        With ``normalize``: the mean and standard deviation of the scaled training pixels,
        per channel ``(C,)`` or per pixel ``(H, W, C)``, applied to every batch.
    interrupted_ : bool
        Whether Ctrl-C stopped the last training run: skorch then keeps the weights trained
        so far and returns from ``fit`` (:class:`~skimgclf.ensemble.BestOfNClassifier` stops).
    module_, criterion_, optimizer_, history_, callbacks_
        As in skorch (``history_`` holds the per-epoch losses).
"""


@declare_parameters(parameters())
class CNNClassifier(_NeuralImageClassifier):
    __doc__ = """Convolutional network classifier for images (a skorch ``NeuralNetClassifier``).

    Works on any layout of the image contract, with labels of any type, inside Pipelines,
    ``GridSearchCV`` (``architecture``, ``lr``, ``module__widths``, ...), ``cross_validate``
    and ``VotingClassifier``. The images stay in their own dtype (uint8 pixels are not copied
    on the CPU, and move to a GPU as uint8); each batch is sliced from them and converted on the
    device (scaling, ``normalize``, ``channels_last``), with augmentation on whole batches.

    The defaults (``bn_cnn``, AdamW with a one-cycle schedule, batch 128, 6 epochs, rotation
    +-10 degrees and shift +-2 px) reach 99.6 % on MNIST. Every parameter is checked at the
    start of ``fit``/``partial_fit`` against ``_parameter_constraints`` (scikit-learn's
    ``InvalidParameterError`` names the parameter and what it accepts).

    Parameters
    ----------
    {PARAMETERS}
""" + _ATTRIBUTES_DOC + """
    See Also
    --------
    TorchMLPClassifier : The same estimator with a fully connected network on flat rows.
    skimgclf.nets.get_net : The registered architectures (``architecture=...``).
    lr_find : Choose ``lr`` with a learning-rate range test.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.neural import CNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(40, 8, 8).astype(np.float32)
    >>> y = np.where(X[:, :4].mean(axis=(1, 2)) > X[:, 4:].mean(axis=(1, 2)), "top", "bottom")
    >>> clf = CNNClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['bottom', 'top'], dtype='<U6')
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).sum(axis=1).round(6)
    ((3,), array([1., 1., 1.]))
    >>> CNNClassifier(lr=-0.1).fit(X, y)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'lr' parameter of CNNClassifier
    must be a float in the range (0.0, inf). Got -0.1 instead.
    """


@declare_parameters(parameters(
    MLP_PARAMS,
    # The MLP's defaults that differ from the CNN's (the table's).
    architecture="mlp", lr=0.001, optimizer="adam", weight_decay=None, lr_schedule=None,
    max_epochs=20, augment=None,
))
class TorchMLPClassifier(_NeuralImageClassifier):
    __doc__ = """Fully connected network classifier (a skorch ``NeuralNetClassifier``).

    The same estimator as :class:`CNNClassifier` with an MLP on the flattened input: flat rows
    of any width are accepted (they need not be square images), e.g. HOG features. Its
    ``architecture`` is ``"mlp"`` or any registered network for flat rows; ``hidden_sizes``,
    ``activation`` and ``dropout`` reach it as its ``hidden``, ``activation`` and ``dropout``
    arguments (``module__*`` overrides them). A convolutional architecture is refused at fit
    (use :class:`CNNClassifier` for those).

    Parameters
    ----------
    {PARAMETERS}
""" + _ATTRIBUTES_DOC + """
    See Also
    --------
    CNNClassifier : The same estimator with a convolutional network on images.
    skimgclf.preprocessing.HOGFeatures : Descriptors it can take as flat rows.
    sklearn.neural_network.MLPClassifier : The MLP of scikit-learn, on the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.neural import TorchMLPClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(60, 5).astype(np.float32)
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = TorchMLPClassifier(hidden_sizes=(16,), max_epochs=30, lr=0.01, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.8
    True
    """

    _flat_batches = True
    _spatial = False
    # estimator parameter -> the architecture's argument it fills
    _module_params = {"hidden_sizes": "hidden", "activation": "activation", "dropout": "dropout"}
