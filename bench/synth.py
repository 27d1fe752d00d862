"""Generate a long synthetic manuscript for the benchmark: deterministic, herpress syntax.

    python bench/synth.py OUT_DIR [--words 150000] [--chapters 20]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

VOCABULARY = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
    "they you were her she there been one all we their has would when if so what more about no out up them "
    "into some could time these two may then do first any my now such like other than only its over also "
    "new years way most after between where many those through before being well back should because each "
    "people how good both world still own see men work long here get made never life even state place last "
    "light voice letter city morning roof silence machine memory answer question ending window screen word "
    "distance season promise silence quiet reader glass street evening river photograph garden harbour"
).split()
TERMS = ["lantern", "meridian", "palimpsest", "threshold", "undertow", "vestibule", "watershed", "zenith",
         "cadence", "ellipsis"]


def sentence(rng: random.Random, glossary: list[str] | None = None) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 22))]
    if glossary and rng.random() < 0.02:
        words.insert(rng.randrange(len(words)), f"[[{rng.choice(glossary)}]]")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", ";"]).replace(";", ".")


def paragraph(rng: random.Random, words: int, glossary: list[str]) -> str:
    out, count = [], 0
    while count < words:
        s = sentence(rng, glossary)
        out.append(s)
        count += len(s.split())
    return " ".join(out)


def chapter(rng: random.Random, number: int, words: int, notes: int, charts: bool) -> str:
    parts = [f"# Chapter title number {number} {{#ch:c{number:02d}}}", ""]
    per_section = words // 5
    note = 0
    for section in range(1, 6):
        parts += [f"## Section {number}.{section} {{#sec:c{number:02d}-s{section}}}", ""]
        written = 0
        while written < per_section:
            size = rng.randint(60, 180)
            text = paragraph(rng, size, TERMS)
            if note < notes and rng.random() < 0.3:
                note += 1
                text += f"[^n{note}]{{^entry {rng.randint(1, 60)}}}"
            parts += [text, ""]
            written += size
            if rng.random() < 0.08:
                parts += [f"- {sentence(rng)}" for _ in range(rng.randint(3, 6))] + [""]
        if section == 3:
            parts += ["| Item | Count | Share |", "|---|---:|---:|"]
            parts += [f"| {rng.choice(VOCABULARY)} {i} | {rng.randint(1, 999)} | {rng.randint(1, 99)} % |" for i in range(8)]
            parts += [""]
        if charts and section == 2:
            parts += ["```chart", f'label = "fig:c{number:02d}"', 'type = "bar"', f'title = "Counts in chapter {number}"',
                      'description = "Five synthetic counts for the benchmark."', "[data]"]
            parts += [f'"Item {i}" = {rng.randint(1, 100)}' for i in range(1, 6)] + ["```", "", f"As [@fig:c{number:02d}] shows.", ""]
    while note < notes:
        note += 1
        parts[-1] += f"[^n{note}]"
    parts += [f"[^n{i}]: {sentence(rng)}" for i in range(1, notes + 1)] + [""]
    return "\n".join(parts)


def generate(out: Path, words: int = 150_000, chapters: int = 20, seed: int = 2013) -> list[Path]:
    rng = random.Random(seed)
    manuscript = out / "manuscript"
    manuscript.mkdir(parents=True, exist_ok=True)
    names = []
    for number in range(1, chapters + 1):
        name = f"{number:02d}-chapter.md"
        (manuscript / name).write_text(chapter(rng, number, words // chapters, notes=6, charts=number % 7 == 1),
                                       encoding="utf-8")
        names.append(name)
    glossary = ["# Glossary", ""] + [line for term in sorted(TERMS) for line in (term, f":   {sentence(rng)}", "")]
    (manuscript / "glossary.md").write_text("\n".join(glossary), encoding="utf-8")
    (manuscript / "book.toml").write_text(
        "[book]\n"
        'title = "A Long Synthetic Book"\ncreator = "herpress bench"\npublisher = "herpress bench"\n'
        'identifier = "urn:uuid:7b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8"\nlanguage = "en-US"\n\n'
        "[contents]\n"
        f"chapters = {names!r}\n".replace("'", '"') + 'glossary = "glossary.md"\n',
        encoding="utf-8",
    )
    return [manuscript / name for name in names]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--words", type=int, default=150_000)
    parser.add_argument("--chapters", type=int, default=20)
    args = parser.parse_args()
    generate(args.out, args.words, args.chapters)
