"""Data-parallel training with torch.distributed: one process per device, launched by torchrun.

The engine is PyTorch's own: ``DistributedDataParallel`` averages the gradients of every step
across the processes (its all-reduce, overlapped with the backward pass) and keeps BatchNorm
buffers in step with process 0. What the estimators add is what DDP leaves to its user:

- every process draws the same seeds (process 0's), hence the same batch order, the same
  validation split and the same initial weights;
- each global batch of ``batch_size`` images is cut into one shard per process
  (``index[rank::world_size]``), so one epoch reads every image once across the processes;
- the training loss of each step is averaged over the processes, BatchNorm's running
  statistics are averaged at the end of every training epoch, and validation runs on the whole
  validation set in every process: ``history_`` and early stopping agree everywhere.

A process group of more than one process turns this on; :func:`init_distributed` starts one
from the environment that ``torchrun`` (or ``accelerate launch``) sets.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from .._sklearn_compat import validate_params

__all__ = ["init_distributed", "world", "same_seeds", "shard", "mean_over_processes",
           "average_buffers"]


@validate_params({"backend": [str, None]}, prefer_skip_nested_validation=True)
def init_distributed(backend=None):
    """Join the process group that ``torchrun`` describes in the environment (no-op without).

    Call it once at the start of a script launched with ``torchrun --nproc-per-node=N``: the
    networks fitted afterwards train data-parallel over the N processes. On CUDA each process
    takes the GPU of its ``LOCAL_RANK``.

    Parameters
    ----------
    backend : str or None, default=None
        ``"nccl"`` on CUDA and ``"gloo"`` on the CPU when None.

    Returns
    -------
    (rank, world_size) : tuple of int
        This process's number and the number of processes; ``(0, 1)`` outside torchrun.

    See Also
    --------
    CNNClassifier : Trains data-parallel once a process group of several processes exists.

    Examples
    --------
    >>> from skimgclf.neural import init_distributed
    >>> init_distributed()  # not launched by torchrun: a single process
    (0, 1)
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return world()
    if not dist.is_initialized():
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend or ("nccl" if cuda else "gloo"))
    return world()


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the current process group; ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def same_seeds(*seeds: int) -> tuple[int, ...]:
    """Process 0's ``seeds`` in every process (unchanged in a single process)."""
    if world()[1] == 1:
        return seeds
    values = torch.tensor(seeds, dtype=torch.int64, device=_collective_device())
    dist.broadcast(values, src=0)
    return tuple(int(v) for v in values.tolist())


def shard(index, n_global):
    """This process's part of one global batch (a slice or an index tensor); None when the
    batch is too small to give every process at least two images (BatchNorm needs two)."""
    rank, size = world()
    if size == 1:
        return index
    if isinstance(index, slice):
        index = torch.arange(index.start or 0, min(index.stop, n_global))
    if len(index) < 2 * size:
        return None
    return index[rank::size]


def mean_over_processes(value: torch.Tensor) -> torch.Tensor:
    """The mean of a scalar tensor over the processes (the value itself in one process)."""
    size = world()[1]
    if size == 1:
        return value
    out = value.detach().clone().to(_collective_device())
    dist.all_reduce(out)
    return (out / size).to(value.device)


def average_buffers(module: torch.nn.Module) -> None:
    """Average the float buffers (BatchNorm's running statistics) over the processes.

    Each process updates them on its own shard; averaged at the end of every training epoch,
    validation (and early stopping) sees the same network in every process.
    """
    size = world()[1]
    if size == 1:
        return
    for buffer in module.buffers():
        if buffer.is_floating_point():
            values = buffer.detach().to(_collective_device())
            dist.all_reduce(values)
            buffer.copy_(values / size)


def _collective_device():
    # NCCL moves CUDA tensors only; gloo moves CPU tensors.
    return torch.device("cuda", torch.cuda.current_device()) \
        if dist.get_backend() == "nccl" else torch.device("cpu")
