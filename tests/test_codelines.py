"""Code blocks split into lines (herpress.codelines): every character kept, spans reopened."""

from __future__ import annotations

from herpress.codelines import split_lines
from herpress.xhtml import inner_xhtml, parse_html


def _split(markup: str):
    container = parse_html(markup)
    split_lines(container)
    return container


def test_each_line_of_a_listing_is_a_span_and_the_text_is_unchanged():
    source = '<pre><code>fn main() {\n    let x = 1;\n\n}\n</code></pre>'
    container = _split(source)
    lines = container.findall(".//code/span[@class]")
    assert [("".join(line.itertext())) for line in lines] == ["fn main() {\n", "    let x = 1;\n", "\n", "}\n"]
    assert "".join(container.find(".//code").itertext()) == "fn main() {\n    let x = 1;\n\n}\n"
    assert [line.get("class") for line in lines] == ["line", "line i4", "line", "line"]  # its indent, to hang past


def test_a_highlighting_span_across_lines_is_reopened_on_each_line():
    container = _split('<div class="highlight"><pre><span></span><code><span class="k">fn</span> '
                       '<span class="cm">/* one\ntwo */</span> x</code></pre></div>')
    lines = container.findall(".//code/span[@class]")
    assert len(lines) == 2
    assert [s.text for s in lines[0].findall("span[@class='cm']")] == ["/* one"]
    assert [s.text for s in lines[1].findall("span[@class='cm']")] == ["two */"]
    assert lines[0].find("span[@class='k']").text == "fn"
    assert all(span.attrib or len(span) or span.text for span in container.iter("span"))  # Pygments' <span></span> gone


def test_an_id_inside_a_listing_is_kept_once_and_an_empty_anchor_survives():
    container = _split('<pre><code><b id="x">bold\nstill bold</b><a id="here"></a>\nend</code></pre>')
    markup = inner_xhtml(container)
    assert markup.count('id="x"') == 1 and 'id="here"' in markup
    assert "".join(container.find(".//code").itertext()) == "bold\nstill bold\nend"


def test_a_pre_without_code_is_split_too_and_splitting_twice_changes_nothing():
    container = _split("<pre>raw\ntext</pre>")
    once = inner_xhtml(container)
    split_lines(container)
    assert inner_xhtml(container) == once
    assert len(container.findall(".//pre/span[@class]")) == 2
