"""Raw HTML in a manuscript: what has no place in a book is refused with its line."""

from __future__ import annotations

import markdown
import pytest

from herpress import rawhtml
from herpress.errors import BookError
from herpress.xhtml import parse_html


def refused(source: str) -> BookError:
    container = parse_html(markdown.markdown(source, extensions=["extra"]))
    with pytest.raises(BookError) as caught:
        rawhtml.check(container, "manuscript/one.md", source)
    return caught.value


@pytest.mark.parametrize("source, line, words", [
    ("# T\n\nText.\n\n<script>alert(1)</script>\n", 5, "<script>"),
    ("# T\n\n<iframe src=\"https://example.org\"></iframe>\n", 3, "<iframe>"),
    ("# T\n\nText\n\n<form action=\"x\"><input name=\"a\"/></form>\n", 5, "<form>"),
    ("# T\n\n<p onclick=\"steal()\">Click</p>\n", 3, "event attribute 'onclick'"),
    ("# T\n\n<a href=\"javascript:steal()\">x</a>\n", 3, "javascript:"),
    ("# T\n\n<p style=\"background: url(https://example.org/t.png)\">x</p>\n", 3, "url()"),
    ("# T\n\n<style>p { color: red }</style>\n", 3, "<style>"),
    ("# T\n\n<video src=\"https://example.org/v.mp4\"></video>\n", 3, "<video>"),
])
def test_refused(source, line, words):
    error = refused(source)
    assert error.line == line and words in error.message and str(error.file) == "manuscript/one.md"


def test_ordinary_html_and_web_links_pass():
    source = ('# T\n\n<p class="x" lang="fr">Bonjour <abbr title="also known as">aka</abbr> '
              '<a href="https://example.org">a link</a></p>\n')
    rawhtml.check(parse_html(markdown.markdown(source)), "one.md", source)
