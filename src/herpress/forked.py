"""Work done in forked processes: the charts beside the reading, the second half of the PDF,
the Markdown workers of a cold read, and each build of ``herpress watch``.

Every process forked from one that imported this module is bound to its parent
(:func:`_bind_to_parent`, run by ``os.register_at_fork``, so no helper can be forked without it):
it is killed when the parent dies, however the parent dies (a SIGKILLed ``herpress pdf`` used to
leave its second-half process running for ever, blocked on a pipe no one read), and SIGTERM —
what ``multiprocessing``'s ``terminate`` sends — ends it at once, whatever handler the parent had
(the CLI turns SIGTERM into an interrupt; a helper that caught it could block at exit).
"""

from __future__ import annotations

import functools
import logging  # noqa: F401 -- its fork hooks registered before this module's: ours run around them
import os
import signal
import sys
import threading

from .errors import BookError

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_parent = {"pid": 0, "prctl": None}  # set in the parent just before each fork


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def detach_streams() -> None:
    """In a forked child: write nothing to the parent's stdout and stderr. A thread of the parent
    (the terminal spinner) may have held their locks at the fork, and the child would wait on them
    for ever when it flushes them at exit."""
    sys.stdout = sys.stderr = open(os.devnull, "w")


def in_child(work, *args) -> None:
    """Run ``work(*args)`` in a forked child, printing to the same streams, and wait for it;
    Ctrl-C reaches both. Where there is no fork, in this process."""
    if not hasattr(os, "fork"):
        work(*args)
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would print the parent's buffered lines again
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            work(*args)
        except KeyboardInterrupt:
            code = 130
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            os._exit(code)
    try:
        os.waitpid(pid, 0)
    except KeyboardInterrupt:
        try:  # the child may still be at work: let it finish, or (Ctrl-C) remove its temporary files
            os.waitpid(pid, 0)
        except ChildProcessError:  # it had ended as the signal came
            pass
        raise


def _before_fork() -> None:
    """In the parent: note who the parent is, and look ``prctl`` up here rather than in the child
    (loading a library after a fork can wait on a lock another thread held)."""
    _parent["pid"] = os.getpid()
    if _parent["prctl"] is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
            _parent["prctl"] = prctl
        except (OSError, AttributeError):
            _parent["prctl"] = False


def _bind_to_parent() -> None:
    """In the child, first thing: die with the parent, and let SIGTERM end it."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # not forked from the main thread: it keeps the default it had
        pass
    prctl = _parent["prctl"]
    if not prctl or prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        # no prctl: watch for the parent's end (an orphan is adopted: its parent changes)
        threading.Thread(target=_watch_parent, args=(_parent["pid"],), daemon=True).start()
    if os.getppid() != _parent["pid"]:  # the parent died before the binding took hold
        os._exit(1)


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


_forking: list[bool] = []  # not empty while os.fork runs its hooks (:func:`interrupt`)
_held: list[int] = []  # the interrupts that came meanwhile


def interrupt(signum, frame) -> None:
    """Ctrl-C and SIGTERM as :class:`KeyboardInterrupt` — except while ``os.fork`` runs its
    hooks: an exception raised in one is printed ("Exception ignored in … _releaseLock …
    KeyboardInterrupt", logging's hook) and lost, and the process went on as if never
    interrupted (the preview's SIGTERM test failed so 1 run in 4–6). There the interrupt is held
    and raised a millisecond later (SIGALRM), once the fork has returned."""
    if _forking:
        _held.append(signum)
        signal.signal(signal.SIGALRM, _raise_held)
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return
    raise KeyboardInterrupt


def _raise_held(signum, frame) -> None:
    if not _held:
        return
    if _forking:  # still in the hooks
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return
    _held.clear()
    raise KeyboardInterrupt


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_bind_to_parent)
    # registered last: the first "before" hook to run and the last "after" one; written in C
    # (bound methods), so no interrupt can be raised inside them. A child drops what was held:
    # the interrupt was its parent's.
    os.register_at_fork(before=functools.partial(_forking.append, True), after_in_parent=_forking.clear,
                        after_in_child=_forking.clear)
    os.register_at_fork(after_in_child=_held.clear)


class Workers:
    """``count`` forked processes, each running ``work(task)`` on the tasks :meth:`run` hands it.

    The work and everything it reads are the parent's, copied at the fork: a task is only what
    differs (small, pickled). Pipes, not queues (a queue's feeder thread waits at exit until the
    other side has read all, and a child blocked there outlived its parent); a process that dies
    closes its end, and the parent hears it. Ctrl-C is the parent's: it ends the workers (SIGTERM)
    when it stops waiting. Where there is one core or no fork, the work runs in this process.

        with Workers(lay_out, cores()) as workers:
            workers.stream(items, make, done)  # each task made when a worker is free for it
    """

    def __init__(self, work, count: int):
        self.work, self.count = work, max(1, count)
        self.processes: list = []
        self.ends: list = []

    def __enter__(self) -> "Workers":
        import gc
        import multiprocessing

        if self.count < 2 or not hasattr(os, "fork"):
            return self
        gc.freeze()  # what the parent made is read, not collected, in the workers: not copied either
        context = multiprocessing.get_context("fork")
        for _ in range(self.count):
            mine, theirs = context.Pipe(duplex=True)
            process = context.Process(target=_serve, args=(self.work, theirs, mine), daemon=True)
            process.start()
            theirs.close()
            self.processes.append(process)
            self.ends.append(mine)
        return self

    def stream(self, items: list, make, done) -> None:
        """For each item in order, once a worker is free for it: ``task = make(item)`` (``None``:
        nothing to do), sent to that worker, and ``done(item, result)`` when it comes back. A task
        is made only when it can start, so it is made knowing every result that came back before.
        The tasks' errors are raised once all are done (:func:`_raise_any`)."""
        from multiprocessing.connection import wait

        errors: list = []
        waiting = list(items)[::-1]
        if not self.processes:
            while waiting:
                item = waiting.pop()
                task = make(item)
                if task is None:
                    continue
                try:
                    done(item, self.work(task))
                except BookError as error:  # the author hears of every part's problems at once
                    errors.append(error)
            _raise_any(errors)
            return
        busy: dict = {}  # end -> the item its worker is at

        def hand_out(end) -> None:
            while waiting:
                item = waiting.pop()
                task = make(item)
                if task is not None:
                    end.send(task)
                    busy[end] = item
                    return

        for end in self.ends:
            hand_out(end)
        while busy:
            for end in wait(list(busy)):
                item = busy.pop(end)
                try:
                    kind, value = end.recv()
                except EOFError:  # every end of the pipe it wrote to is closed: the worker is gone
                    process = self.processes[self.ends.index(end)]
                    process.join()
                    raise RuntimeError(f"a process laying out the book ended without a word "
                                       f"(exit code {process.exitcode})") from None
                if kind == "error":
                    errors.append(value)
                else:
                    done(item, value)
                hand_out(end)
        _raise_any(errors)

    def __exit__(self, *exc) -> None:
        import gc

        for end in self.ends:
            try:
                end.send(None)  # done: the worker returns
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=None if exc[0] is None else 0)
            if process.is_alive():
                process.terminate()
                process.join()
        for end in self.ends:
            end.close()
        if self.processes:
            gc.unfreeze()
        self.processes, self.ends = [], []


def _raise_any(errors: list) -> None:
    """The problems in the book's files the tasks found, together; else the first other error."""
    from .errors import Problems

    other = [error for error in errors if not isinstance(error, BookError)]
    if other:
        raise other[0]
    problems = Problems()
    for error in errors:
        problems.add(error)
    problems.raise_any()


def _serve(work, end, parents_end) -> None:
    """In a worker: run each task received, send back ("done", result) or ("error", the error)."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parents_end.close()
    detach_streams()
    while True:
        try:
            task = end.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        try:
            answer = ("done", work(task))
        except BaseException as error:  # sent to the parent, which raises it
            answer = ("error", portable(error))
        gc.collect()  # the task's layout is garbage now: free it before the next one
        end.send(answer)


def portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
