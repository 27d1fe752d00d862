"""herpress.forked: an interrupt that comes while ``os.fork`` runs its hooks is not lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A hook of another library's, registered before herpress's (as logging's is), that is running
# when the signal is handled: Python prints an exception raised there and drops it.
SCRIPT = """
import os, signal, sys, time
os.register_at_fork(after_in_parent=lambda: (os.kill(os.getpid(), signal.SIGINT), sum(range(1000))))
if sys.argv[1] == "herpress":
    from herpress.forked import interrupt
    signal.signal(signal.SIGINT, interrupt)
pid = os.fork()
if pid == 0:
    os._exit(0)
try:
    os.waitpid(pid, 0)
    time.sleep(2)
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="no fork hooks")
@pytest.mark.parametrize("handler, said", [("python", "not interrupted"), ("herpress", "interrupted")])
def test_an_interrupt_during_a_forks_hooks_is_raised_after_it(handler, said):
    """Python's own handler (the control: the interrupt is lost, the script sleeps on) and
    herpress's (held, then raised once the fork has returned)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, "-c", SCRIPT, handler], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.strip() == said, run.stderr
    assert ("Exception ignored" in run.stderr) == (handler == "python"), run.stderr
