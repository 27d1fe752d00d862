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


def measure(command: list[str], runs: int, before=None, cwd=None) -> dict:
    """Median and spread of wall time, and peak RSS, over ``runs`` whole-process runs."""
    times, rss = [], []
    for _ in range(runs):
        if before:
            before()
        with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
            subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *command], check=True, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds, kib = out.read().split()[-2:]
        times.append(float(seconds))
        rss.append(int(kib) / 1024)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "peak_rss_mib": max(rss), "runs": runs}


def export_plain_weasyprint(book_dir: Path) -> list[str]:
    """Write the very HTML and CSS herpress lays out, and return a plain WeasyPrint command for them."""
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(REPO / 'src')!r})
from herpress.reader import load_book
from herpress.writers import pdf
from herpress import styles
book = load_book(Path({str(book_dir)!r}), cache_dir=Path({str(book_dir / 'build' / '.cache' / 'charts')!r}))
manuscript = book.root / "manuscript"
for name, asset in book.assets.items():
    (manuscript / name).parent.mkdir(parents=True, exist_ok=True)
    (manuscript / name).write_bytes(asset.data)
(manuscript / "plain.html").write_text(pdf.print_html(book), encoding="utf-8")
print(pdf.geometry_css(book) if hasattr(pdf, "geometry_css") else "")
"""
    geometry = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    (book_dir / "manuscript" / "geometry.css").write_text(geometry, encoding="utf-8")
    render = ("from weasyprint import HTML, CSS; import sys; "
              "HTML(sys.argv[1]).write_pdf(sys.argv[2], stylesheets=[CSS(sys.argv[3]), CSS(sys.argv[4])])")
    return [sys.executable, "-c", render, str(book_dir / "manuscript" / "plain.html"), str(book_dir / "plain.pdf"),
            str(REPO / "styles" / "print.css"), str(book_dir / "manuscript" / "geometry.css")]


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

    work = Path(tempfile.mkdtemp(prefix="herpress-bench-"))
    rows: dict[str, dict] = {}
    try:
        long_book = work / "long"
        chapters = generate(long_book, args.words)
        clear_cache = lambda: shutil.rmtree(long_book / "build", ignore_errors=True)  # noqa: E731

        rows["pandoc epub"] = measure(pandoc_command(long_book, chapters), args.runs)
        rows["herpress epub, cold"] = measure(HERPRESS + ["epub", str(long_book)], args.runs, before=clear_cache)
        plain = export_plain_weasyprint(long_book)
        rows["plain WeasyPrint, same HTML/CSS"] = measure(plain, args.runs)
        rows["herpress pdf, cold"] = measure(HERPRESS + ["pdf", str(long_book)], args.runs, before=clear_cache)
        rows["herpress build, cold"] = measure(HERPRESS + ["build", str(long_book)], args.runs, before=clear_cache)
        rows["herpress build, no-op rebuild"] = measure(HERPRESS + ["build", str(long_book)], args.runs)

        def touch_one_chapter():
            with chapters[len(chapters) // 2].open("a", encoding="utf-8") as handle:
                handle.write(f"\nOne more paragraph, added at {time.time_ns()}.\n")

        subprocess.run(HERPRESS + ["epub", str(long_book)], check=True, capture_output=True)
        rows["herpress epub, one chapter edited"] = measure(HERPRESS + ["epub", str(long_book)], args.runs,
                                                            before=touch_one_chapter)

        sample = work / "sample"
        shutil.copytree(REPO / "manuscript", sample / "manuscript")
        rows["herpress build, sample book, cold"] = measure(HERPRESS + ["build", str(sample)], args.runs,
                                                            before=lambda: shutil.rmtree(sample / "build", ignore_errors=True))

        big = work / "big"
        generate(big, args.big_words, chapters=40)
        rows["herpress pdf, ~1,000-page book"] = measure(HERPRESS + ["pdf", str(big)], 1)
        pages = subprocess.run([sys.executable, "-c", "import sys; from pypdf import PdfReader; "
                                "print(len(PdfReader(sys.argv[1]).pages))", *map(str, (big / "build").glob("*.pdf"))],
                               capture_output=True, text=True).stdout.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    summary = {
        "epub vs pandoc": ratio(rows["herpress epub, cold"], rows["pandoc epub"]),
        "pdf vs plain WeasyPrint": ratio(rows["herpress pdf, cold"], rows["plain WeasyPrint, same HTML/CSS"]),
        "no-op build (s)": rows["herpress build, no-op rebuild"]["median_s"],
        "one-chapter edit vs full epub": ratio(rows["herpress epub, one chapter edited"], rows["herpress epub, cold"]),
        "peak RSS of the big book (MiB)": rows["herpress pdf, ~1,000-page book"]["peak_rss_mib"],
        "pages of the big book": pages,
    }
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "words": args.words, "runs": args.runs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    write(rows, summary, machine, quick=args.quick)


def write(rows: dict, summary: dict, machine: dict, quick: bool) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "quick" if quick else "results"
    (RESULTS / f"{stem}.json").write_text(json.dumps({"machine": machine, "rows": rows, "summary": summary}, indent=2) + "\n")
    lines = [f"# herpress benchmark — {machine['date']}", "",
             f"{machine['cores']} cores, Python {machine['python']}, {machine['platform']}; "
             f"{machine['words']:,}-word synthetic book; median of {machine['runs']} runs (min–max).", "",
             "| row | median s | min–max s | peak RSS MiB |", "|---|---:|---:|---:|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['median_s']:.2f} | {row['min_s']:.2f}–{row['max_s']:.2f} | {row['peak_rss_mib']:.0f} |")
    lines += ["", "| headline | value |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in summary.items()]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
