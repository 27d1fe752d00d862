"""Fenced ```` ```chart ```` blocks: a TOML spec in the manuscript, a figure in the book."""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from ..charts.spec import ChartSpec, parse_chart_spec
from ..errors import BookError

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")


class ChartPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, extension: "ChartExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence = None  # the fence of an ordinary code block we are inside
        index = 0
        while index < len(lines):
            line = lines[index]
            match = FENCE.match(line)
            if fence is not None:
                if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                    fence = None
                out.append(line)
            elif match and match["info"] == "chart":
                end = self._closing(lines, index, match["fence"])
                body = "\n".join(lines[index + 1 : end])
                spec = parse_chart_spec(
                    body, file=self.extension.file, line=index + 1, manuscript_dir=self.extension.manuscript_dir
                )
                self.extension.specs.append(spec)
                placeholder = f'<figure data-figure="{spec.label}"></figure>'
                out.extend(["", self.md.htmlStash.store(placeholder), ""])
                index = end
            elif match:
                fence = match["fence"]
                out.append(line)
            else:
                out.append(line)
            index += 1
        return out

    def _closing(self, lines: list[str], start: int, fence: str) -> int:
        for index in range(start + 1, len(lines)):
            stripped = lines[index].strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                return index
        raise BookError(f"chart block opened here is never closed with {fence}: add {fence} where it ends",
                        self.extension.file, start + 1)


class ChartExtension(Extension):
    """Collects the chart specs of one chapter in :attr:`specs`, in reading order."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.file: Path = Path("?")
        self.manuscript_dir: Path = Path(".")
        self.specs: list[ChartSpec] = []

    def start(self, file: Path, manuscript_dir: Path) -> None:
        self.file, self.manuscript_dir, self.specs = file, manuscript_dir, []

    def extendMarkdown(self, md: Markdown) -> None:
        # before fenced_code (25), so ```chart never becomes a code block
        md.preprocessors.register(ChartPreprocessor(md, self), "herpress_charts", 30)
