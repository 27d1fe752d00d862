"""The print PDF, read back with pypdf: size, fonts, titles, contents page numbers."""

from __future__ import annotations

import re

from checks import folio, page_lines, pdf


def test_trim_is_six_by_nine_inches(sample):
    reader = pdf(sample.outputs["pdf"])
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(432, 648)}


def test_every_font_is_embedded_and_shipped_with_the_book(sample):
    reader = pdf(sample.outputs["pdf"])
    fonts = {}
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert all(re.search(r"Libertine|Biolinum", name) for name in fonts), fonts  # nothing from the machine


def test_every_chapter_title_is_printed(sample):
    text = "\n".join(page.extract_text() for page in pdf(sample.outputs["pdf"]).pages)
    flat = re.sub(r"\s+", " ", text)
    for chapter in sample.book.chapters:
        assert chapter.title in flat


def contents_entries(reader) -> tuple[dict[str, str], int]:
    """Title → page number as printed on the contents pages, and the index of the last one."""
    first = next(n for n, page in enumerate(reader.pages)
                 if any(text.strip() == "Contents" for _, text in page_lines(page)))
    entries, last = {}, first
    for number in range(first, len(reader.pages)):
        found = {}
        for _, line in page_lines(reader.pages[number]):
            match = re.match(r"^(?:\d+\s+)?(.*?)[\s.]*\.\s*(\d+)$", line.strip())
            if match:
                found[re.sub(r"\s+", " ", match[1]).strip(" .")] = match[2]
        if not found:
            break
        entries.update(found)
        last = number
    return entries, last


def test_contents_page_numbers_are_the_real_ones(sample):
    reader = pdf(sample.outputs["pdf"])
    entries, last = contents_entries(reader)
    titles = [c.title for c in sample.book.chapters]
    assert set(titles) <= set(entries), (titles, entries)
    for title in titles:
        starts = [folio(page) for page in reader.pages[last + 1:]
                  if any(re.sub(r"\s+", " ", text).strip() == title for _, text in page_lines(page)[:4])]
        assert starts, f"no page opens with {title!r}"
        assert entries[title] == starts[0], (title, entries[title], starts)


def test_folios_run_roman_then_arabic_from_one(sample):
    folios = [folio(page) for page in pdf(sample.outputs["pdf"]).pages]
    arabic = [int(f) for f in folios if f.isdigit()]
    roman = [f for f in folios if f and not f.isdigit()]
    assert roman and arabic and arabic[0] == 1
    assert arabic == sorted(arabic) and len(set(arabic)) == len(arabic)
    first_arabic = next(i for i, f in enumerate(folios) if f.isdigit())
    assert all(not f.isdigit() for f in folios[:first_arabic])
    for index, value in enumerate(folios[first_arabic:]):
        assert value in ("", str(index + 1))  # blank pages carry no folio but still count
