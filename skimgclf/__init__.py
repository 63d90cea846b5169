"""skimgclf: scikit-learn compatible image classification."""

__version__ = "0.1.0.dev0"
