"""Scaling searches past one machine with Dask, through joblib's backend.

A ``GridSearchCV`` over skimgclf estimators needs nothing special to run on a
``dask.distributed`` cluster::

    from dask.distributed import Client
    import joblib

    client = Client("tcp://scheduler:8786")
    client.register_plugin(TorchThreads(1))          # one torch thread per worker process
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)

Each candidate x fold is one task. The estimators keep no state on disk during ``fit`` (early
stopping keeps the best weights in memory), so parallel jobs cannot collide on files.

GPUs: start one worker per GPU, each seeing only its own device (``dask-cuda``'s
``LocalCUDACluster`` does this by setting ``CUDA_VISIBLE_DEVICES`` per worker, or start
``dask worker --nthreads 1`` processes by hand with ``CUDA_VISIBLE_DEVICES=i``); the neural
estimators' ``device="auto"`` then picks ``cuda``, which on each worker is its own GPU.
"""

from __future__ import annotations

from numbers import Integral

from .exceptions import InputError

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "skimgclf.cluster needs dask.distributed: pip install 'skimgclf[dask]'"
    ) from exc

__all__ = ["TorchThreads"]


class TorchThreads(WorkerPlugin):
    """A Dask worker plugin that sets the number of torch threads in every worker.

    Without it each worker process lets torch use every core of its machine, so two workers on
    one machine each start as many threads as there are cores and slow each other down.

    Parameters
    ----------
    n_threads : int, default=1
        Intra-op threads per worker (``torch.set_num_threads``).

    See Also
    --------
    skimgclf.model_selection.make_comparison_search : A search to run on the cluster with
        ``joblib.parallel_config(backend="dask")``.

    Examples
    --------
    >>> plugin = TorchThreads(2)
    >>> plugin.n_threads, plugin.name
    (2, 'skimgclf-torch-threads')
    """

    name = "skimgclf-torch-threads"

    def __init__(self, n_threads: int = 1):
        if not (isinstance(n_threads, Integral) and not isinstance(n_threads, bool)
                and n_threads >= 1):
            raise InputError(f"n_threads must be an int of at least 1, got {n_threads!r}")
        self.n_threads = int(n_threads)

    def setup(self, worker):
        """Set the torch threads of ``worker``'s process (Dask calls it on each worker).

        Parameters
        ----------
        worker : distributed.Worker
            The worker the plugin is registered on (not used: the setting is per process).
        """
        import torch

        torch.set_num_threads(self.n_threads)
