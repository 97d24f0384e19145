"""Worker processes of the corpus tools: how many by default, and how they start.

One worker per core this process may run on: ``os.sched_getaffinity`` respects CPU pinning
(containers, ``taskset``), which ``os.cpu_count`` does not. Workers start from a fork server
rather than by forking the caller, because the caller may be running threads (the command
line's progress bar) and a fork copies their held locks into the child::

    >>> default_workers() >= 1
    True
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext


def default_workers() -> int:
    """One worker per available core."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_context() -> BaseContext:
    """The start method for worker pools: a fork server where the platform has one, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
