"""Chunked (and optionally parallel) application of a per-chunk function to an image stack.

Per-image work that cannot be vectorised over the whole stack runs over chunks of images, each
chunk handled by one call, and the chunks spread over ``n_jobs`` joblib workers. Chunks keep the
temporary arrays small (cache friendly) and give every worker a large, cheap-to-ship piece of work.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

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
               chunk_size: int = DEFAULT_CHUNK_SIZE, **kwargs):
    """Fill ``out[start:stop] = func(images[start:stop], **kwargs)`` chunk by chunk.

    ``func`` may return a tuple of arrays; ``out`` is then a tuple of arrays filled in the same way.

    With ``n_jobs`` other than 1 the chunks are split evenly between the joblib workers (one
    contiguous block of chunks per task, so each worker receives its images once) and the results
    are copied into ``out`` in order, so the result does not depend on ``n_jobs``.

    Examples
    --------
    >>> out = np.empty(5)
    >>> map_chunks(lambda x: x * 2, np.arange(5.0), out, chunk_size=2)
    array([0., 2., 4., 6., 8.])
    """
    n = len(images)
    workers = min(effective_n_jobs(n_jobs), n)
    if workers <= 1:
        for start, stop in chunk_bounds(n, chunk_size):
            _store(out, start, stop, func(images[start:stop], **kwargs))
        return out
    blocks = chunk_bounds(n, -(-n // workers))
    results = Parallel(n_jobs=workers)(
        delayed(_serial_block)(func, images[start:stop], chunk_size, kwargs)
        for start, stop in blocks
    )
    for (start, stop), result in zip(blocks, results, strict=True):
        _store(out, start, stop, result)
    return out


def _store(out, start, stop, result):
    if isinstance(out, tuple):
        for dest, part in zip(out, result, strict=True):
            dest[start:stop] = part
    else:
        out[start:stop] = result


def _serial_block(func, images, chunk_size, kwargs):
    """One worker's share: its chunks in order, gathered into arrays sent back at once."""
    first = func(images[:chunk_size], **kwargs)
    parts = first if isinstance(first, tuple) else (first,)
    out = tuple(np.empty((len(images), *p.shape[1:]), dtype=p.dtype) for p in parts)
    _store(out, 0, len(parts[0]), parts)
    for start, stop in chunk_bounds(len(images), chunk_size)[1:]:
        _store(out, start, stop, _as_tuple(func(images[start:stop], **kwargs)))
    return out if isinstance(first, tuple) else out[0]


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)
