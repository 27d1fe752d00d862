"""The Kobo (kepub) form of a document: every sentence of the body text in a numbered koboSpan,
the body in Kobo's wrapper divs, and nothing else changed."""

from __future__ import annotations

import re

from lxml import etree

from herpress.epub.kobo import kobo_document

X = "{http://www.w3.org/1999/xhtml}"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
SKIPPED = {"pre", "script", "style", "nav", "svg"}
NO_SPAN = {"ul", "ol", "dl", "table", "thead", "tbody", "tr", "picture"}
BLOCKS = {"p", "h1", "h2", "li", "dt", "dd", "td", "th", "caption", "figcaption", "aside", "div", "blockquote"}

CHAPTER = """<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head>
<meta charset="utf-8"/>
<title>The Rooftop</title>
<style>p { margin: 0; }</style>
</head>
<body class="chapter-page" epub:type="bodymatter">
<section class="chapter" epub:type="chapter" role="doc-chapter" aria-labelledby="ch-roof">
<header>
<span epub:type="pagebreak" role="doc-pagebreak" id="page-25" aria-label="25"/><p class="chapter-number">Chapter 6</p>
<h1 id="ch-roof">The Rooftop</h1>
</header>
<p><em>Her</em> does not end with Samantha. It ends with Amy. She has grown close to an <a class="glossterm" \
href="glossary.xhtml#gl-ai">AI</a> companion.<sup><a class="noteref" href="#fn-1" id="fnref-1" epub:type="noteref" \
role="doc-noteref">1</a></sup> When they meet, they are not strangers. <span epub:type="pagebreak" \
role="doc-pagebreak" id="page-26" aria-label="26"/>Their silence is not awkwardness.</p>
<h2 id="sec-list">What the scene holds</h2>
<ul>
<li>The roof, a threshold.</li>
<li>The hour: <code>first light</code>. Dawn, not dusk!</li>
</ul>
<dl>
<dt>Liminal</dt>
<dd>Neither here nor there.</dd>
</dl>
<blockquote><p>“We’re only here briefly.” He said it twice.</p></blockquote>
<table class="chart-data" id="data">
<caption>Data for Figure 6.1</caption>
<thead>
<tr><th scope="col">Who</th><th scope="col">Count</th></tr>
</thead>
<tbody>
<tr><th scope="row">Theodore</th><td>1</td></tr>
</tbody>
</table>
<figure class="chart" id="fig-1">
<picture>
<source srcset="images/fig-1.svg" type="image/svg+xml"/>
<img src="images/fig-1.png" alt="A chart."/>
</picture>
<figcaption><span class="figure-number">Figure 6.1</span> The scale of it all</figcaption>
</figure>
<p>A small icon <img src="images/icon.png" alt=""/> sits in the text.</p>
<pre><code class="language-python">print("Hello. World!")
x = 1
</code></pre>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="1" y="5">Not this. Or this.</text></svg>
<script>var a = "left. alone.";</script>
<section class="notes" epub:type="endnotes" role="doc-endnotes">
<h2 id="notes">Notes</h2>
<aside class="note" epub:type="footnote" role="doc-footnote" id="fn-1">
<p class="note-number"><a href="#fnref-1" role="doc-backlink">1.</a></p>
<p>Phoenix plays Theodore. Samantha has no body.</p>
</aside>
</section>
</section>
</body>
</html>
""".encode()

NAV = """<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><meta charset="utf-8"/><title>Contents</title></head>
<body><span epub:type="pagebreak" role="doc-pagebreak" id="page-v" aria-label="v"/>
<nav epub:type="toc" role="doc-toc" id="toc">
<h1>Contents</h1>
<ol>
<li><a href="one.xhtml">1. The End. Or not?</a><ol><li><a href="one.xhtml#a">A part</a></li></ol></li>
<li><span>Unlinked</span></li>
</ol>
</nav>
<p>After the contents.</p>
</body>
</html>
""".encode()


def page(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>t</title></head>'
            f"<body>{body}</body></html>").encode()


def body_of(data: bytes) -> etree._Element:
    return etree.fromstring(data).find(f"{X}body")


def name(element) -> str:
    return etree.QName(element).localname


def kobo_spans(data: bytes) -> list[etree._Element]:
    return body_of(data).findall(".//x:span[@class='koboSpan']", NS)


def texts(data: bytes) -> list[str]:
    return [span.text for span in kobo_spans(data)]


def skipped(element) -> bool:
    return any(name(e) in SKIPPED for e in element.iterancestors()) or name(element) in SKIPPED


def test_every_text_outside_the_skipped_elements_is_in_a_kobo_span():
    out = kobo_document(CHAPTER)
    checked = 0
    for text in body_of(out).xpath(".//text()"):
        holder = text.getparent() if text.is_text else text.getparent().getparent()
        if not text.strip(" \t\n\r") or skipped(holder):
            continue
        assert name(holder) == "span" and holder.get("class") == "koboSpan", (str(text), name(holder))
        assert len(holder) == 0 and holder.getparent() is not None
        checked += 1
    assert checked == len(kobo_spans(out)) - 1  # all but the image's span hold text
    for parent in body_of(out).iter(*(f"{X}{tag}" for tag in NO_SPAN)):
        assert not [child for child in parent if child.get("class") == "koboSpan"], name(parent)


def test_the_body_text_is_unchanged():
    assert "".join(body_of(kobo_document(CHAPTER)).itertext()) == "".join(body_of(CHAPTER).itertext())
    assert "".join(body_of(kobo_document(NAV)).itertext()) == "".join(body_of(NAV).itertext())


def test_ids_are_unique_and_count_blocks_then_pieces():
    out = kobo_document(CHAPTER)
    ids = etree.fromstring(out).xpath("//@id")
    assert len(ids) == len(set(ids))
    assert set(etree.fromstring(CHAPTER).xpath("//@id")) <= set(ids)
    numbers = []
    for span in kobo_spans(out):
        match = re.fullmatch(r"kobo\.(\d+)\.(\d+)", span.get("id"))
        assert match, span.get("id")
        numbers.append((int(match[1]), int(match[2])))
    expected, previous = [], (0, 0)
    for paragraph, segment in numbers:  # P rises by one at a time, S counts from 1 within it
        previous = (previous[0], previous[1] + 1) if paragraph == previous[0] else (previous[0] + 1, 1)
        expected.append(previous)
    assert numbers == expected and numbers[0] == (1, 1)
    by_block: dict[int, set] = {}
    for span, (paragraph, _) in zip(kobo_spans(out), numbers):
        block = next(e for e in span.iterancestors() if name(e) in BLOCKS)
        by_block.setdefault(paragraph, set()).add(block)
    assert all(len(blocks) == 1 for blocks in by_block.values())  # one P, one block
    text_only = [blocks for blocks in by_block.values() if next(iter(blocks)).find(".//x:img", NS) is None]
    assert len({b for blocks in text_only for b in blocks}) == len(text_only)  # one block, one P (but round images)


def test_sentences_are_split_after_their_end_and_keep_the_space():
    assert texts(kobo_document(page("<p>One. Two? Three!</p>"))) == ["One. ", "Two? ", "Three!"]
    assert [s.get("id") for s in kobo_spans(kobo_document(page("<p>One. Two? Three!</p>")))] == [
        "kobo.1.1", "kobo.1.2", "kobo.1.3"]
    assert texts(kobo_document(page("<p>“Stop.” He left… (As one does.) Then\nhe came back?! Yes.</p>"))) == [
        "“Stop.” ", "He left… ", "(As one does.) ", "Then\nhe came back?! ", "Yes."]
    assert texts(kobo_document(page("<p>See Figure 4.1 and p.\u00a012: e.g.it holds.</p>"))) == [
        "See Figure 4.1 and p.\u00a012: e.g.it holds."]  # no space after the stop, or a no-break one


def test_a_sentence_across_inline_elements_is_one_span_per_text_node():
    out = kobo_document(page('<p>It runs <em>across an</em> emphasis. Then <a href="x.xhtml">a link. Here</a>.</p>'))
    assert texts(out) == ["It runs ", "across an", " emphasis. ", "Then ", "a link. ", "Here", "."]
    assert [s.getparent().tag for s in kobo_spans(out)] == [f"{X}{t}" for t in "p em p p a a p".split()]


def test_skipped_elements_page_breaks_and_whitespace_stay_as_they_were():
    source, out = etree.fromstring(CHAPTER), etree.fromstring(kobo_document(CHAPTER))
    for path in (".//x:pre", ".//x:script", ".//{http://www.w3.org/2000/svg}svg", ".//x:picture"):
        before, after = source.find(path, NS), out.find(path, NS)
        assert etree.tostring(before, with_tail=False) == etree.tostring(after, with_tail=False), path
    breaks = out.findall(".//x:span[@epub:type='pagebreak']", NS)
    assert [(b.get("id"), b.text, len(b)) for b in breaks] == [("page-25", None, 0), ("page-26", None, 0)]
    assert breaks[1].getparent().tag == f"{X}p" and breaks[1].getnext().text == "Their silence is not awkwardness."
    inline = out.find(".//x:li/x:code", NS)
    assert [(s.get("class"), s.text) for s in inline] == [("koboSpan", "first light")]
    assert texts(kobo_document(page("<p>Run <code>make book</code>.</p>"))) == ["Run ", "make book", "."]
    assert texts(kobo_document(page("<p>A <em>b</em> <em>c</em></p>"))) == ["A ", "b", "c"]  # " " stays bare


def test_no_span_goes_where_a_span_may_not_stand():
    out = kobo_document(page("<ul>stray<li>One.</li>tail</ul><table>t<tr>r<td>Cell.</td></tr></table>"))
    assert texts(out) == ["One.", "Cell."]
    assert "".join(body_of(out).itertext()) == "strayOne.tailtrCell."


def test_footnotes_tables_lists_and_captions_are_spanned():
    out = kobo_document(CHAPTER)
    note = body_of(out).find(".//x:aside[@epub:type='footnote']", NS)
    assert [s.text for s in note.iter(f"{X}span")] == [
        "1.", "Phoenix plays Theodore. ", "Samantha has no body."]
    for tag, text in (("li", "The roof, a threshold."), ("dt", "Liminal"), ("dd", "Neither here nor there."),
                      ("caption", "Data for Figure 6.1"), ("th", "Who"), ("td", "1")):
        span = body_of(out).find(f".//x:{tag}/x:span", NS)
        assert span.get("class") == "koboSpan" and span.text == text, tag
    caption = body_of(out).find(".//x:figcaption", NS)
    assert [s.text for s in caption.iter(f"{X}span") if s.get("class") == "koboSpan"] == [
        "Figure 6.1", " The scale of it all"]


def test_an_image_gets_a_span_of_its_own_but_not_in_a_picture():
    out = kobo_document(CHAPTER)
    icon = body_of(out).find(".//x:img[@src='images/icon.png']", NS)
    span = icon.getparent()
    assert span.get("class") == "koboSpan" and span.text is None and list(span) == [icon]
    first, _, after = span.getprevious(), span, span.getnext()
    assert first.text == "A small icon " and after.text == " sits in the text."
    assert first.get("id").split(".")[1] != span.get("id").split(".")[1] != after.get("id").split(".")[1]
    assert body_of(out).find(".//x:picture/x:img", NS) is not None


def test_the_nav_is_left_alone():
    source, out = etree.fromstring(NAV), etree.fromstring(kobo_document(NAV))
    before, after = source.find(".//x:nav", NS), out.find(".//x:nav", NS)
    assert etree.tostring(before, with_tail=False) == etree.tostring(after, with_tail=False)
    assert texts(kobo_document(NAV)) == ["After the contents."]


def test_the_body_content_goes_into_the_kobo_wrapper_divs():
    source, out = body_of(CHAPTER), body_of(kobo_document(CHAPTER))
    assert dict(out.attrib) == dict(source.attrib)
    assert out.text is None and len(out) == 1
    columns = out[0]
    assert (columns.tag, columns.get("id"), columns.tail, len(columns)) == (f"{X}div", "book-columns", None, 1)
    inner = columns[0]
    assert (inner.tag, inner.get("id"), inner.text) == (f"{X}div", "book-inner", source.text)
    assert [child.get("id") for child in inner] == [child.get("id") for child in source]


def test_a_second_pass_gives_the_same_bytes():
    for document in (CHAPTER, NAV, page("<p>One. Two.</p>")):
        once = kobo_document(document)
        assert kobo_document(once) == once


def test_new_spans_are_numbered_after_existing_ones():
    out = kobo_document(page('<p><span class="koboSpan" id="kobo.7.1">Done.</span></p><p>New. Text.</p>'))
    assert [(s.get("id"), s.text) for s in kobo_spans(out)] == [
        ("kobo.7.1", "Done."), ("kobo.8.1", "New. "), ("kobo.8.2", "Text.")]


def test_the_output_is_utf8_xml_with_the_html_doctype():
    out = kobo_document(CHAPTER)
    assert out.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html>\n<html")
    root = etree.fromstring(out)
    assert root.tag == f"{X}html" and root.nsmap == {None: NS["x"], "epub": NS["epub"]}
    assert "“We’re only here briefly.” ".encode() in out
