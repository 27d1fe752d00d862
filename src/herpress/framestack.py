"""Room on CPython's frame stack for deep work (a WeasyPrint layout, a PDF's drawing).

CPython 3.11 and 3.12 keep Python frames in 16 KiB chunks: a chunk is mapped when a call
crosses into it and unmapped as soon as that call returns (python/cpython#142183; later
3.13 and 3.14 releases keep one chunk back). A layout makes hundreds of thousands of calls
at the same few depths, so when a chunk boundary falls among them every one of those calls
maps and unmaps memory. Where the boundary falls depends on how deep the caller already is:
under the typer CLI, laying out a 150-page book made ~170,000 mmap/munmap pairs and took
~25 % longer than the same call from a short script (``bench/README.md``).

A function decorated with :func:`roomy` runs at the base of a chunk of its own, 1 MiB, whose
upper half holds every frame the work stacks above it: no boundary is crossed. The lower
half is reserved but never written, so it costs address space, not memory.
"""

from __future__ import annotations

import functools
import sys

SLOTS = 1 << 16  # 512 KiB of reserved slots: CPython maps the next power of two, 1 MiB


def _call(function, args, kwargs):
    return function(*args, **kwargs)


if sys.implementation.name == "cpython":  # a frame's size is its code's locals plus its stack size
    _call.__code__ = _call.__code__.replace(co_stacksize=_call.__code__.co_stacksize + SLOTS)


def roomy(function):
    """Decorate ``function`` to run with room above it on the frame stack."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return _call(function, args, kwargs)
    return wrapper
