"""Fence info strings as authors write them: ```` ```rust,ignore ````, ```` ```console title="x" ````.

CommonMark takes the first word of the info string as the language and leaves the rest to the
tool (mdBook's ``ignore``, ``should_panic``, ``noplayground``; pandoc's ``{.python}``); Python-
Markdown and SuperFences accept a bare language only, and read any other fence as text, which
then swallows the rest of the chapter. The info string is cut to its language here.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from .blocks import fences, unquoted

OPENING = re.compile(r"^(?P<lead>(?: {0,3}>)*\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
LANGUAGE = re.compile(r"^\s*\{?\s*\.?([\w#+.-]+)")
SESSION = re.compile(r"^\s*(\$ |(error|warning)(\[\w+\])?: |Compiling |Running |Finished )")


class FenceInfoPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out = []
        fence = None
        for line in lines:
            match = OPENING.match(line)
            if match is None:
                out.append(line)
                continue
            marker, info = match["fence"], match["info"].strip()
            if fence is not None:
                if marker[0] == fence[0] and len(marker) >= len(fence) and not info:
                    fence = None
                out.append(line)
                continue
            fence = marker
            if info and not re.fullmatch(r"[\w#+.-]+|\{[^}]*\}", info):
                language = LANGUAGE.match(info)
                line = match["lead"] + marker + (language[1] if language else "")
            out.append(line)
        return out


class FenceInfoExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(FenceInfoPreprocessor(md), "herpress_fence_info", 33)


def with_default_language(text: str, language: str) -> str:
    """``text`` with each fence that names no language given ``language`` — or ``console`` when
    its first line is a shell prompt (``$ cargo run``) or a compiler's message (``error[E0382]:``),
    whatever ``language`` is: Pygments then prints it as output, not as code. Lines keep their
    numbers: only the fence lines change."""
    lines = text.split("\n")
    for number, (line, state, info) in enumerate(fences(list(lines))):
        if state != "open" or info:
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        chosen = "console" if SESSION.match(unquoted(following)) else language
        if chosen:
            lines[number] = line.rstrip() + chosen
    return "\n".join(lines)
