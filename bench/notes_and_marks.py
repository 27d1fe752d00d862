"""What authors write many of — footnotes, index marks, glossary uses, cross-references — at
2,000 and 20,000 of each: does ten times as many cost about ten times as much? (Issue 15, item 7.)

    python bench/notes_and_marks.py [--label after] [--sizes 2000,20000] [--kinds footnotes,index,...]
                                    [--formats epub,pdf] [--repeat N] [--timeout 1800] [--keep DIR] [--source DIR]
    python bench/notes_and_marks.py --write-only   # the table again from the JSON

For each kind and size a book is made from a fresh ``herpress init`` (its sample chapters replaced
by 20 chapters of ten sections, each sentence carrying one of the kind), and ``herpress epub`` and
``herpress pdf`` are each run on it cold (``build/`` deleted), once or ``--repeat`` times going
round the sizes (the median kept): wall seconds, the peak RSS of the largest process (GNU time)
and the peak PSS of the whole process tree (sampled every 50 ms, bench/run.py's sampler). ``all`` is one book with N of every kind. Results are kept per label
(``before``, ``after``…) in ``bench/results/notes-and-marks.json``, and the table of every label is
written to ``bench/results/notes-and-marks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import tree_pss_kib  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent
HERPRESS = [str(VENV / "herpress")]
RESULTS = REPO / "bench" / "results"
KINDS = ("footnotes", "index", "glossary", "xrefs", "all")
CHAPTERS, SECTIONS, PER_PARAGRAPH = 20, 10, 5
SYLLABLES = ("ba", "ke", "li", "mo", "nu", "ra", "si", "to", "ve", "za",
             "do", "fi", "gu", "ha", "jo", "pe", "cu", "wo", "xa", "yu")
WORDS = ("the reader turns to the page and finds the place where the voice had been before the "
         "silence of the morning came over the city and its window light").split()


def name(k: int) -> str:
    """A distinct word for each ``k`` (under 8,000), its first letter varying fastest."""
    return (SYLLABLES[k % 20] + SYLLABLES[k // 20 % 20] + SYLLABLES[k // 400 % 20]).capitalize()


def make_book(folder: Path, kind: str, n: int, chapters: int = CHAPTERS) -> dict:
    """A fresh ``herpress init`` book in ``folder`` with ``n`` of ``kind`` in ``chapters`` chapters;
    what it holds."""
    subprocess.run(HERPRESS + ["init", str(folder)], check=True, stdout=subprocess.DEVNULL)
    manuscript = folder / "manuscript"
    for old in manuscript.glob("*.md"):
        old.unlink()
    rng = random.Random(f"{kind}-{n}")
    kinds = ("footnotes", "index", "glossary", "xrefs") if kind == "all" else (kind,)
    entries, terms = max(50, n // 10), max(20, n // 20)
    per_chapter = n // chapters
    counts = dict.fromkeys(kinds, 0)
    files = []
    for c in range(1, chapters + 1):
        lines = [f"# Chapter {c} {{#ch:c{c:02d}}}", ""]
        sentences = 0
        for s in range(1, SECTIONS + 1):
            lines += [f"## Section {c}.{s} {{#sec:c{c:02d}-s{s:02d}}}", ""]
            share = per_chapter * s // SECTIONS - per_chapter * (s - 1) // SECTIONS
            paragraph, notes = [], []
            for i in range(share):
                sentences += 1
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9)))
                text = f"{words.capitalize()} {sentences}"
                if "glossary" in kinds:
                    k = rng.randrange(terms)
                    text += f" on [[{name(k)}]]" if rng.random() < 0.8 else f" on [[{name(k).lower()}s|{name(k)}]]"
                    counts["glossary"] += 1
                if "xrefs" in kinds:
                    target = rng.randrange(chapters * SECTIONS)
                    label = (f"ch:c{target // SECTIONS + 1:02d}" if rng.random() < 0.1
                             else f"sec:c{target // SECTIONS + 1:02d}-s{target % SECTIONS + 1:02d}")
                    text += f" as in [@{label}]"
                    counts["xrefs"] += 1
                if "index" in kinds:
                    k = rng.randrange(entries)
                    roll = rng.random()
                    mark = (name(k) if roll < 0.6 else f"{name(k)}!{name(rng.randrange(8)).lower()}" if roll < 0.99
                            else f"{name(8000 - 1 - k % 50)}|see {name(k)}")
                    text += f"{{^{mark}}}"
                    counts["index"] += 1
                if "footnotes" in kinds:
                    note = f"c{c}-{sentences}"
                    text += f"[^{note}]"
                    notes.append(f"[^{note}]: Note {sentences} of chapter {c}, a few words long.")
                    counts["footnotes"] += 1
                paragraph.append(text + ".")
                if len(paragraph) == PER_PARAGRAPH or i == share - 1:
                    lines += [" ".join(paragraph), ""] + ([*notes, ""] if notes else [])
                    paragraph, notes = [], []
            if not share:
                lines += ["A section with nothing marked in it.", ""]
        path = manuscript / f"{c:02d}-chapter.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path.name)
    toml = (manuscript / "book.toml").read_text(encoding="utf-8")
    kept = [f"chapters = {json.dumps(files)}" if line.startswith("chapters =") else line for line in toml.split("\n")
            if "glossary" in kinds or not line.startswith("glossary =")]  # no glossary unless measured
    toml = "\n".join(kept)
    (manuscript / "book.toml").write_text(toml, encoding="utf-8")
    if "glossary" in kinds:
        glossary = ["# Glossary {#glossary}", ""]
        for k in range(terms):
            glossary += [name(k), f":   Term number {k} of the book, defined in a few words.", ""]
        (manuscript / "glossary.md").write_text("\n".join(glossary), encoding="utf-8")
    chars = sum(len((manuscript / f).read_text(encoding="utf-8")) for f in files)
    return {"counts": counts, "chapters": chapters, "markdown_chars": chars,
            "index_entries": entries if "index" in kinds else 0, "glossary_terms": terms if "glossary" in kinds else 0}


def run_measured(command: list[str], timeout: float) -> dict:
    """Wall seconds, peak RSS of the largest process (GNU time), peak PSS of the process tree."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", timing.name, *command],
                                   stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        peak, timed_out = 0, False
        while process.poll() is None:
            peak = max(peak, tree_pss_kib(process.pid))
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(process.pid, 9)
                process.wait()
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        fields = timing.read().split()
        err.seek(0)
        stderr = err.read()
    rss = int(fields[-1]) / 1024 if not timed_out and len(fields) >= 2 and fields[-1].isdigit() else None
    return {"exit": None if timed_out else process.returncode, "timed_out": timed_out, "seconds": round(seconds, 2),
            "max_rss_mib": round(rss, 1) if rss else None, "peak_tree_pss_mib": round(peak / 1024, 1),
            "stderr_tail": stderr.strip().split("\n")[-3:] if process.returncode else []}


def pdf_pages(pdf: Path) -> int | None:
    try:
        from pypdf import PdfReader

        return len(PdfReader(str(pdf)).pages)
    except Exception:
        return None


def row_name(kind: str, n: int, chapters: int = CHAPTERS) -> str:
    return f"{kind} {n}" + ("" if chapters == CHAPTERS else f" in {chapters} chapter{'s' if chapters > 1 else ''}")


def measure(kinds: list[str], sizes: list[int], formats: list[str], timeout: float, keep: Path | None,
            chapters: int = CHAPTERS, repeat: int = 1, done=lambda name, row: None) -> None:
    """Each kind at each size, each format ``repeat`` times cold; ``done(row name, row)`` after
    each row's last run. The runs of one kind go round its sizes (2,000, 20,000, 2,000, …), so a
    machine that slows down for a while weighs on both sides of the ratio; each row keeps the
    median run (wall time) and every run's seconds."""
    for kind in kinds:
        work = Path(tempfile.mkdtemp(prefix=f"nm-{kind}-", dir=keep))
        try:
            books = {n: work / f"book-{n}" for n in sizes}
            rows = {n: {"book": make_book(books[n], kind, n, chapters)} for n in sizes}
            for fmt in formats:
                runs: dict[int, list[dict]] = {n: [] for n in sizes}
                for _ in range(repeat):
                    for n in sizes:
                        book = books[n]
                        shutil.rmtree(book / "build", ignore_errors=True)  # cold: nothing cached
                        result = run_measured(HERPRESS + [fmt, str(book)], timeout)
                        if fmt == "pdf" and result["exit"] == 0:
                            result["pages"] = pdf_pages(next((book / "build").glob("*.pdf")))
                        runs[n].append(result)
                        shown = "timed out" if result["timed_out"] else f"exit {result['exit']}"
                        print(f"{row_name(kind, n, chapters):24} {fmt:4}: {result['seconds']:7.2f} s, "
                              f"{result['peak_tree_pss_mib']:7.0f} MiB all processes ({shown}"
                              f"{', %s pages' % result.get('pages') if result.get('pages') else ''})", flush=True)
                for n in sizes:
                    ordered = sorted(runs[n], key=lambda r: r["seconds"])
                    rows[n][fmt] = {**ordered[(len(ordered) - 1) // 2],
                                    **({"runs_s": [r["seconds"] for r in runs[n]]} if repeat > 1 else {})}
            for n in sizes:
                done(row_name(kind, n, chapters), rows[n])
        finally:
            if keep is None:
                shutil.rmtree(work, ignore_errors=True)


def load() -> dict:
    path = RESULTS / "notes-and-marks.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"runs": {}}


def write(data: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "notes-and-marks.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = ["# Footnotes, index marks, glossary uses and cross-references at 2,000 and 20,000", "",
             "`bench/notes_and_marks.py`: a fresh `herpress init` book of 20 chapters × 10 sections, each sentence "
             "carrying one of the kind (`all`: one of each; *all in one chapter*: the same in one chapter of 10 "
             "sections, which shows a cost quadratic in what one chapter holds); `herpress epub` and `herpress pdf` "
             "run cold (`build/` deleted), once each or, where the run says so, several times going round the "
             "sizes, the median kept. Seconds of wall time; memory is the peak PSS of the whole process tree "
             "(MiB, sampled every 50 ms). ×10 is the cost of 20,000 over that of 2,000: linear is ≈ 10 or less "
             "(start-up is fixed), the target ≤ 12.", ""]
    for label, run in data["runs"].items():
        machine = run["machine"]
        lines += [f"## {label} — {machine['date']}", "",
                  f"herpress at `{machine['herpress_commit']}`; {machine['cores']} cores, Python {machine['python']}; "
                  f"load average at start {' '.join(machine['load average at start'])}; timeout {machine['timeout_s']:.0f} s."
                  + (f" {machine['note']}" if machine.get("note") else ""), "",
                  "| kind | output | 2,000: s | MiB | pages | 20,000: s | MiB | pages | ×10 time | ×10 memory |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        rows = run["rows"]
        for kind, chapters in [(kind, c) for c in (CHAPTERS, 1) for kind in KINDS]:
            for fmt in ("epub", "pdf"):
                small = rows.get(row_name(kind, 2000, chapters), {}).get(fmt)
                big = rows.get(row_name(kind, 20000, chapters), {}).get(fmt)
                cells, shown = [], kind if chapters == CHAPTERS else f"{kind}, all in one chapter"
                if small is None and big is None:
                    continue
                for r in (small, big):
                    if r is None:
                        cells += ["–", "–", "–"]
                    elif r["timed_out"]:
                        cells += [f"> {r['seconds']:.0f} (timed out)", f"> {r['peak_tree_pss_mib']:.0f}", "–"]
                    else:
                        cells += [f"{r['seconds']:.2f}" + ("" if r["exit"] == 0 else f" (exit {r['exit']})"),
                                  f"{r['peak_tree_pss_mib']:.0f}", str(r.get("pages") or "–") if fmt == "pdf" else ""]
                if small and big and not small["timed_out"] and not big["timed_out"]:
                    cells += [f"{big['seconds'] / small['seconds']:.1f}",
                              f"{big['peak_tree_pss_mib'] / small['peak_tree_pss_mib']:.1f}"]
                elif small and big:
                    cells += [f"> {big['seconds'] / small['seconds']:.0f}", "–"]
                else:
                    cells += ["–", "–"]
                lines.append(f"| {shown} | {fmt} | " + " | ".join(cells) + " |")
        lines.append("")
    if data.get("notes"):
        lines += ["## Notes", ""] + [f"* {note}" for note in data["notes"]] + [""]
    (RESULTS / "notes-and-marks.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="after", help="the run's name in the results (default: after)")
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--formats", default="epub,pdf")
    parser.add_argument("--chapters", type=int, default=CHAPTERS,
                        help=f"chapters the book's marks are spread over (default {CHAPTERS}; 1 shows a cost "
                             "quadratic in what one chapter holds)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for each command (default 1800)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each command, going round the sizes; the median is kept (default 1)")
    parser.add_argument("--note", default="", help="a sentence about the run, kept with it")
    parser.add_argument("--keep", type=Path, help="make the books under this folder and keep them")
    parser.add_argument("--source", type=Path,
                        help="run herpress from this copy's src/ (and styles/), e.g. a `git archive` of a commit, "
                             "so that other work in the checkout does not weigh on the run")
    parser.add_argument("--write-only", action="store_true", help="write the table from the JSON and stop")
    args = parser.parse_args()
    data = load()
    if args.source:
        os.environ["PYTHONPATH"] = str((args.source / "src").resolve())  # the herpress the commands import
    if args.write_only:
        write(data)
        return
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True).stdout.strip()
    run = data["runs"].setdefault(args.label, {"rows": {}})
    run["machine"] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
                      "python": platform.python_version(),
                      "herpress_commit": head + (" + uncommitted src/ changes" if dirty else ""),
                      "load average at start": Path("/proc/loadavg").read_text().split()[:3],
                      "timeout_s": args.timeout, "source": str(args.source) if args.source else "this checkout",
                      **({"note": args.note} if args.note else
                                                    {"note": run.get("machine", {}).get("note", "")})}
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    kinds = args.kinds.split(",")
    for kind in kinds:
        if kind not in KINDS:
            parser.error(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")

    def done(name: str, row: dict) -> None:
        run["rows"].setdefault(name, {}).update(row)
        write(data)  # after every row, so a long run leaves its rows behind

    measure(kinds, [int(size) for size in args.sizes.split(",")], args.formats.split(","), args.timeout, args.keep,
            args.chapters, args.repeat, done)


if __name__ == "__main__":
    main()
