"""How the training and evaluation commands use this machine's CPU."""
from __future__ import annotations

import ctypes
import ctypes.util

import torch

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Keeps memory that tensors free inside the process for the next ones, where the C library is
    glibc; returns whether it could. By default glibc serves large blocks with fresh mmap pages and
    hands a freed heap top back to the system, so a batch of tens of MB comes back as new pages at
    every step, each zero-filled on a page fault. On the project's 2-core virtual machines those
    faults took half of each training epoch (28.6-31.9 s against 14.3-15.1 s, the same losses to the
    printed digit: models/training/README.md). The price is that memory stays at its peak until exit."""
    name = ctypes.util.find_library('c')
    mallopt = getattr(ctypes.CDLL(name), 'mallopt', None) if name else None
    if mallopt is None:
        return False
    # Blocks up to 1 GiB come from the heap, and the heap's free top is never trimmed.
    return bool(mallopt(_M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))


def use_cpu(threads: int) -> None:
    """torch on `threads` threads, with freed memory kept in the process (keep_freed_memory)."""
    torch.set_num_threads(threads)
    keep_freed_memory()
