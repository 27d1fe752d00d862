"""herpress's benchmark: each row timed beside its peer, in one run on one machine.

    python bench/run.py [--runs 3] [--words 150000] [--quick]

Whole processes are timed (GNU time: wall seconds and peak RSS), several runs each;
the table (Markdown and JSON) goes to bench/results/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import generate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent
HERPRESS = [str(VENV / "herpress")]
RESULTS = REPO / "bench" / "results"


def measure(command: list[str], runs: int, before=None, cwd=None, tree: bool = False) -> dict:
    """Median and spread of wall time and the peak RSS of the largest process (GNU time) over
    ``runs`` whole-process runs; with ``tree``, also the peak memory of the whole process tree."""
    return measure_together({"row": (command, before)}, runs, cwd=cwd, tree=tree)["row"]


def measure_together(rows: dict[str, tuple[list[str], object]], runs: int, cwd=None, tree: bool = False) -> dict:
    """:func:`measure` for several rows at once, their runs interleaved (A B A B …), so that a
    drift in the machine's speed weighs on every row alike."""
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in rows}
    for _ in range(runs):
        for name, (command, before) in rows.items():
            if before:
                before()
            samples[name].append(_run_once(command, cwd, tree))
    results = {}
    for name, runs_of_row in samples.items():
        times = [seconds for seconds, _, _ in runs_of_row]
        results[name] = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                         "peak_rss_mib": max(rss for _, rss, _ in runs_of_row), "runs": runs}
        if tree:
            results[name]["peak_tree_pss_mib"] = max(pss for _, _, pss in runs_of_row)
    return results


def measure_watch(book_dir: Path, edit, runs: int) -> tuple[dict, dict]:
    """``herpress watch --only epub`` left running: seconds from an edit being written to the
    watcher's 'built in' line (its polling included), and the rebuild time the line reports."""
    process = subprocess.Popen(HERPRESS + ["watch", str(book_dir), "--only", "epub"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)

    def status() -> str:
        for line in process.stdout:
            if line.startswith(("built in", "not built")):
                return line
        raise RuntimeError("herpress watch stopped")

    latencies, builds = [], []
    try:
        status()  # the first build, from whatever the cache holds
        for _ in range(runs):
            time.sleep(0.5)
            start = time.perf_counter()
            edit()
            line = status()
            latencies.append(time.perf_counter() - start)
            builds.append(float(line.split()[2]))
        rss = _peak_rss_mib(process.pid)
    finally:
        process.terminate()  # SIGTERM: a background job ignores SIGINT
        process.wait(30)

    def row(times):
        return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                "peak_rss_mib": rss, "runs": runs}
    return row(latencies), row(builds)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run_once(command: list[str], cwd, tree: bool) -> tuple[float, float, float]:
    """Wall seconds, peak RSS MiB of the largest process, and (``tree``) the peak PSS MiB summed
    over the process and its descendants, sampled every 50 ms (sampling costs the measured
    processes a little, so only the memory rows do it)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        process = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *command], cwd=cwd,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            if tree:
                peak = max(peak, tree_pss_kib(process.pid))
            time.sleep(0.05)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
        seconds, kib = out.read().split()[-2:]
    return float(seconds), int(kib) / 1024, peak / 1024


def tree_pss_kib(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants (shared pages counted once in all)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def export_plain_weasyprint(book_dir: Path, like_herpress: bool = False) -> list[str]:
    """Write the very HTML and CSS herpress lays out (its final pass: the settled gutter band and
    any footnote relief), and return a plain WeasyPrint command rendering them once."""
    script = f"""
from pathlib import Path
from herpress.pdf import profiles
from herpress import styles
from herpress.reader import load_book
from herpress.pdf import interior as pdf
book = load_book(Path({str(book_dir)!r}), cache_dir=Path({str(book_dir / 'build' / '.cache' / 'charts')!r}))
out = book.root / "plain"
for name, asset in book.assets.items():
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(asset.data)
result = pdf.layout(book)
from herpress.pdf.relief import relieved_bodies
(out / "plain.html").write_text(pdf.print_html(book, relieved_bodies(book, pdf.print_bodies(book), result.relieved)),
                                encoding="utf-8")
env = styles.templates(book.style_dirs)
(out / "geometry.css").write_text(env.get_template("print/page-geometry.css.j2").render(g=result.geometry))
names = pdf.sheet_names(book, result.profile)
print("\\n".join(str(styles.find(book.style_dirs, name)) for name in names))
"""
    sheets = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    out = book_dir / "plain"
    # like_herpress: the collector's threshold of herpress's layout, and the call made with room
    # on the frame stack (herpress.framestack), so neither setting is hidden in the ratio
    tuning = "import gc; gc.set_threshold(10_000, *gc.get_threshold()[1:]); " if like_herpress else ""
    call = "roomy(HTML(sys.argv[1]).write_pdf)" if like_herpress else "HTML(sys.argv[1]).write_pdf"
    render = (tuning + "import sys; from weasyprint import HTML, CSS; from weasyprint.text.fonts import FontConfiguration; "
              + ("from herpress.framestack import roomy; " if like_herpress else "") +
              "fc = FontConfiguration(); "
              f"{call}(sys.argv[2], font_config=fc, "
              "stylesheets=[CSS(filename=f, font_config=fc) for f in sys.argv[3:]])")
    return [sys.executable, "-c", render, str(out / "plain.html"), str(book_dir / "plain.pdf"),
            *sheets, str(out / "geometry.css")]


def pandoc_command(book_dir: Path, chapters: list[Path]) -> list[str]:
    return ["pandoc", "--metadata", "title=A Long Synthetic Book", "--metadata", "lang=en-US",
            "-o", str(book_dir / "pandoc.epub"), *map(str, chapters)]


def ratio(a: dict, b: dict) -> float:
    return round(a["median_s"] / b["median_s"], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--words", type=int, default=150_000)
    parser.add_argument("--big-words", type=int, default=310_000, help="the ~1,000-page book for peak memory")
    parser.add_argument("--quick", action="store_true", help="a small book and one run: checks the harness")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.words, args.big_words = 1, 15_000, 20_000

    load_at_start = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None
    work = Path(tempfile.mkdtemp(prefix="herpress-bench-"))
    rows: dict[str, dict] = {}
    try:
        long_book = work / "long"
        chapters = generate(long_book, args.words)
        clear_cache = lambda: shutil.rmtree(long_book / "build", ignore_errors=True)  # noqa: E731

        def chapters_changed():  # as if every chapter had changed: charts and cover stay cached
            cache = long_book / "build" / ".cache"
            for made_from_chapters in ("chapters", "pagemap", "documents", "words"):
                shutil.rmtree(cache / made_from_chapters, ignore_errors=True)
            (cache / "state.json").unlink(missing_ok=True)

        def touch_one_chapter():
            with chapters[len(chapters) // 2].open("a", encoding="utf-8") as handle:
                handle.write(f"\nOne more paragraph, added at {time.time_ns()}.\n")

        def grow_one_chapter():  # ~700 words: the chapter gains pages, every chapter after it moves
            with chapters[len(chapters) // 2].open("a", encoding="utf-8") as handle:
                handle.write("\n" + "\n\n".join(f"A paragraph added at {time.time_ns()} to make the chapter "
                                                  "longer than it was, " + "word " * 60 for _ in range(10)) + "\n")

        rows["herpress --help (start-up)"] = measure(HERPRESS + ["--help"], args.runs)
        epub = HERPRESS + ["epub", str(long_book)]
        rows.update(measure_together({
            "pandoc epub": (pandoc_command(long_book, chapters), None),
            "herpress epub, cold (build/ deleted)": (epub, clear_cache),
            "herpress epub, every chapter changed": (epub, chapters_changed),
            "herpress epub, one chapter edited": (epub, touch_one_chapter)}, args.runs))
        (rows["herpress watch, one chapter edited: from the edit to the EPUB written"],
         rows["herpress watch, one chapter edited: the rebuild alone, as the watcher reports it"]) = \
            measure_watch(long_book, touch_one_chapter, args.runs * 3)
        plain, tuned = export_plain_weasyprint(long_book), export_plain_weasyprint(long_book, like_herpress=True)
        rows.update(measure_together({
            "plain WeasyPrint, same HTML/CSS": (plain, None),
            "plain WeasyPrint, same HTML/CSS, run as herpress runs its layout (collector, frame stack)": (tuned, None),
            "herpress pdf, cold (build/ deleted)": (HERPRESS + ["pdf", str(long_book)], clear_cache),
            "herpress pdf, one chapter edited": (HERPRESS + ["pdf", str(long_book)], touch_one_chapter),
            "herpress pdf, one chapter edited so that it gains pages": (HERPRESS + ["pdf", str(long_book)],
                                                                         grow_one_chapter)}, args.runs))
        rows["herpress build, cold (build/ deleted)"] = measure(HERPRESS + ["build", str(long_book)], args.runs,
                                                               before=clear_cache)
        rows["herpress build, no-op rebuild"] = measure(HERPRESS + ["build", str(long_book)], args.runs)
        rows["herpress build, one chapter edited"] = measure(HERPRESS + ["build", str(long_book)], 1,
                                                            before=touch_one_chapter)

        sample = work / "sample"
        shutil.copytree(REPO / "manuscript", sample / "manuscript")
        rows["herpress build, sample book, cold"] = measure(HERPRESS + ["build", str(sample)], args.runs,
                                                            before=lambda: shutil.rmtree(sample / "build", ignore_errors=True))

        big = work / "big"
        generate(big, args.big_words, chapters=40)
        rows["herpress pdf, ~1,000-page book"] = measure(HERPRESS + ["pdf", str(big)], 1, tree=True)
        rows["plain WeasyPrint, ~1,000-page book, same HTML/CSS"] = measure(export_plain_weasyprint(big), 1, tree=True)
        pages = subprocess.run([sys.executable, "-c", "import sys; from pypdf import PdfReader; "
                                "print(len(PdfReader(sys.argv[1]).pages))", *map(str, (big / "build").glob("*.pdf"))],
                               capture_output=True, text=True).stdout.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    summary = {
        "epub (every chapter changed) vs pandoc": ratio(rows["herpress epub, every chapter changed"], rows["pandoc epub"]),
        "epub (cold, build/ deleted) vs pandoc": ratio(rows["herpress epub, cold (build/ deleted)"], rows["pandoc epub"]),
        "pdf (cold) vs plain WeasyPrint": ratio(rows["herpress pdf, cold (build/ deleted)"],
                                                rows["plain WeasyPrint, same HTML/CSS"]),
        "pdf (one chapter edited) vs plain WeasyPrint": ratio(rows["herpress pdf, one chapter edited"],
                                                              rows["plain WeasyPrint, same HTML/CSS"]),
        "pdf (cold) vs plain WeasyPrint run as herpress runs its layout": ratio(
            rows["herpress pdf, cold (build/ deleted)"],
            rows["plain WeasyPrint, same HTML/CSS, run as herpress runs its layout (collector, frame stack)"]),
        "pdf (one chapter edited) vs pdf (cold)": ratio(rows["herpress pdf, one chapter edited"],
                                                        rows["herpress pdf, cold (build/ deleted)"]),
        "pdf (one chapter edited, gaining pages) vs pdf (cold)": ratio(
            rows["herpress pdf, one chapter edited so that it gains pages"], rows["herpress pdf, cold (build/ deleted)"]),
        "pdf of the ~1,000-page book vs plain WeasyPrint on its HTML/CSS": ratio(
            rows["herpress pdf, ~1,000-page book"], rows["plain WeasyPrint, ~1,000-page book, same HTML/CSS"]),
        "no-op build (s)": rows["herpress build, no-op rebuild"]["median_s"],
        "one-chapter edit vs full epub": ratio(rows["herpress epub, one chapter edited"],
                                               rows["herpress epub, every chapter changed"]),
        "one-chapter edit under herpress watch (edit to EPUB written) vs full epub": ratio(
            rows["herpress watch, one chapter edited: from the edit to the EPUB written"],
            rows["herpress epub, every chapter changed"]),
        "peak RSS of the big book (MiB)": round(rows["herpress pdf, ~1,000-page book"]["peak_rss_mib"]),
        "peak memory of the big book's processes, PSS summed (MiB)":
            round(rows["herpress pdf, ~1,000-page book"]["peak_tree_pss_mib"]),
        "pages of the big book": pages,
    }
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "load average at start": load_at_start,
               "words": args.words, "runs": args.runs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    write(rows, summary, machine, quick=args.quick)


def write(rows: dict, summary: dict, machine: dict, quick: bool) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "quick" if quick else "results"
    (RESULTS / f"{stem}.json").write_text(json.dumps({"machine": machine, "rows": rows, "summary": summary}, indent=2) + "\n")
    lines = [f"# herpress benchmark — {machine['date']}", "",
             f"{machine['cores']} cores, Python {machine['python']}, {machine['platform']}; "
             f"{machine['words']:,}-word synthetic book; median of {machine['runs']} runs (min–max); "
             f"load average at start {machine['load average at start']}.", "",
             "| row | median s | min–max s | peak RSS MiB | all processes, peak PSS MiB |", "|---|---:|---:|---:|---:|"]
    for name, row in rows.items():
        tree = f"{row['peak_tree_pss_mib']:.0f}" if "peak_tree_pss_mib" in row else ""
        lines.append(f"| {name} | {row['median_s']:.2f} | {row['min_s']:.2f}–{row['max_s']:.2f} | "
                     f"{row['peak_rss_mib']:.0f} | {tree} |")
    lines += ["", "| headline | value |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in summary.items()]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
