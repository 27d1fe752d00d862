"""herpress.framestack: deep work runs where CPython's frame stack does not map and unmap
memory on every call (python/cpython#142183)."""

from __future__ import annotations

import resource

import pytest

from herpress import framestack


def _leaf() -> None:
    return None


def _calls_at(depth: int, calls: int) -> None:
    if depth:
        return _calls_at(depth - 1, calls)
    for _ in range(calls):
        _leaf()


def _sweep() -> None:
    """Many calls at every depth up to 400: some of these depths sit on a chunk boundary."""
    for depth in range(400):
        _calls_at(depth, 50)


def _minor_faults(work) -> int:
    """Page faults: each chunk CPython maps afresh is new memory, faulted in when first written."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    work()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_deep_work_run_roomy_maps_no_chunk_per_call():
    _sweep(), framestack.roomy(_sweep)()  # warm up: code caches, the roomy chunk's own first faults
    bare = _minor_faults(_sweep)
    if bare < 500:
        pytest.skip(f"this Python does not thrash its frame stack ({bare} page faults in the sweep)")
    roomy = _minor_faults(framestack.roomy(_sweep))
    assert roomy < 50 < 500 <= bare


def test_roomy_passes_arguments_results_and_errors_through():
    @framestack.roomy
    def divide(a, b=1):
        """Divide."""
        return a / b

    assert divide(6, b=3) == 2 and divide.__name__ == "divide" and divide.__doc__ == "Divide."
    with pytest.raises(ZeroDivisionError):
        divide(1, 0)
