"""Chunked (and optionally parallel) application of a per-chunk function to an image stack.

Per-image work that cannot be vectorised over the whole stack runs over chunks of images, each
chunk handled by one call, and the chunks spread over ``n_jobs`` joblib workers. Chunks keep the
temporary arrays small (cache friendly) and give every worker a large, cheap-to-ship piece of work.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from numpy.lib.format import open_memmap

_SHARED_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

#: Images per chunk when nothing better is known: large enough to amortise Python overhead,
#: small enough that a chunk's temporaries (labels, masks) stay in a few megabytes.
DEFAULT_CHUNK_SIZE = 512


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n)`` in pieces of at most ``chunk_size``.

    Examples
    --------
    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    chunk_size = max(int(chunk_size), 1)
    return [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]


def map_chunks(func, images: np.ndarray, out, *, n_jobs=None,
               chunk_size: int = DEFAULT_CHUNK_SIZE, progress=None, **kwargs):
    """Fill ``out[start:stop] = func(images[start:stop], **kwargs)`` chunk by chunk.

    ``func`` may return a tuple of arrays; ``out`` is then a tuple of arrays filled in the same way.

    With ``n_jobs`` other than 1 the chunks are split evenly between the joblib workers (one
    contiguous block of chunks per task), which read the images from and write the results to
    shared memory-mapped files; each chunk's result is the same whatever ``n_jobs`` is.

    ``progress`` (a label such as ``"HOG"``) shows a tqdm bar over the images, on standard
    error; None shows nothing.

    Examples
    --------
    >>> out = np.empty(5)
    >>> map_chunks(lambda x: x * 2, np.arange(5.0), out, chunk_size=2)
    array([0., 2., 4., 6., 8.])
    """
    n = len(images)
    workers = min(effective_n_jobs(n_jobs), n)
    bar = _bar(progress, n)
    if workers <= 1:
        for start, stop in chunk_bounds(n, chunk_size):
            _store(out, start, stop, func(images[start:stop], **kwargs))
            bar.update(stop - start)
        bar.close()
        return out
    # Workers read the images from, and write their results into, memory-mapped files (in
    # /dev/shm where there is one): nothing large is pickled through the worker pipes, which
    # otherwise costs as much as the work itself for fast per-image steps.
    outs = out if isinstance(out, tuple) else (out,)
    with tempfile.TemporaryDirectory(dir=_SHARED_DIR, ignore_cleanup_errors=True) as folder:
        shared_in = open_memmap(os.path.join(folder, "in.npy"), mode="w+", dtype=images.dtype,
                                shape=images.shape)
        shared_in[:] = images
        shared_out = tuple(
            open_memmap(os.path.join(folder, f"out{i}.npy"), mode="w+", dtype=o.dtype,
                        shape=o.shape)
            for i, o in enumerate(outs)
        )
        # One contiguous block per worker; with a progress bar, one task per chunk instead, so
        # that the bar moves as chunks finish (results land in place, in any order).
        block = chunk_size if progress is not None else -(-n // workers)
        done = Parallel(n_jobs=workers, return_as="generator_unordered")(
            delayed(_fill_block)(func, shared_in, shared_out, start, stop, chunk_size, kwargs)
            for start, stop in chunk_bounds(n, block)
        )
        for count in done:
            bar.update(count)
        bar.close()
        for dest, source in zip(outs, shared_out, strict=True):
            dest[...] = source
        del shared_in, shared_out
    return out


def _fill_block(func, images, outs, start, stop, chunk_size, kwargs):
    """One worker's share: its chunks in order, written straight into the shared outputs."""
    for begin, end in chunk_bounds(stop - start, chunk_size):
        result = func(images[start + begin:start + end], **kwargs)
        _store(outs, start + begin, start + end, _as_tuple(result))
    return stop - start


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _bar(label, total):
    if label is None:
        return _NoBar()
    from tqdm.auto import tqdm  # only when asked: tqdm is imported lazily

    return tqdm(total=total, desc=label, unit="image")


def _store(out, start, stop, result):
    if isinstance(out, tuple):
        for dest, part in zip(out, result, strict=True):
            dest[start:stop] = part
    else:
        out[start:stop] = result


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)
