"""The print PDF, read back with pypdf: size, fonts, titles, contents page numbers."""

from __future__ import annotations

import re

from checks import folios, page_lines, pdf


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
    printed = folios(sample.outputs["pdf"])
    tops = [[re.sub(r"\s+", " ", text).strip() for _, text in page_lines(page)[:4]] for page in reader.pages]
    for title in titles:
        starts = [printed[n] for n, top in enumerate(tops) if n > last and title in top]
        assert starts, f"no page opens with {title!r}"
        assert entries[title] == starts[0], (title, entries[title], starts)


def test_folios_run_roman_then_arabic_from_one(sample):
    printed = folios(sample.outputs["pdf"])
    arabic = [int(f) for f in printed if f.isdigit()]
    roman = [f for f in printed if f and not f.isdigit()]
    assert roman and arabic and arabic[0] == 1
    assert arabic == sorted(arabic) and len(set(arabic)) == len(arabic)
    first_arabic = next(i for i, f in enumerate(printed) if f.isdigit())
    assert all(not f.isdigit() for f in printed[:first_arabic])
    for index, value in enumerate(printed[first_arabic:]):
        assert value in ("", str(index + 1))  # blank pages carry no folio but still count


# ---------- print profiles ----------

import dataclasses  # noqa: E402

import pytest  # noqa: E402

from herpress.pdf import profiles  # noqa: E402
from herpress.config import TRIMS, PrintSettings  # noqa: E402
from herpress.errors import BookError  # noqa: E402
from herpress.pdf.interior import write_pdf  # noqa: E402


def boxes(page) -> dict[str, tuple[float, float]]:
    return {name: (round(float(box.width), 2), round(float(box.height), 2))
            for name, box in (("media", page.mediabox), ("trim", page.trimbox), ("bleed", page.bleedbox))}


def expected_boxes(profile, trim: str, full_bleed: bool = False) -> dict[str, tuple[float, float]]:
    """Straight from the services' rules: KDP bleeds top, bottom and outside; Lulu all round."""
    width, height = (72 * v for v in TRIMS[trim])
    bleed = 9.0 if profile.bleeds(full_bleed) else 0.0
    wide = {"outside": 1, "all": 2}.get(profile.bleed_sides, 0) * bleed
    media = (round(width + wide, 2), round(height + 2 * bleed, 2))
    return {"media": media, "trim": (width, height), "bleed": media}


@pytest.mark.parametrize("name", list(profiles.PROFILES))
def test_sample_boxes_follow_the_profile(profile_pdfs, name):
    path, _ = profile_pdfs[name]
    reader = pdf(path)
    assert {tuple(boxes(page).items()) for page in reader.pages} == {tuple(expected_boxes(profiles.get(name), "6x9").items())}


@pytest.mark.parametrize("trim", list(TRIMS))
@pytest.mark.parametrize("name, full_bleed", [("kdp", False), ("kdp", True), ("ingramspark", True), ("lulu", False),
                                               ("screen", False)])
def test_boxes_for_each_trim(small_book, tmp_path, trim, name, full_bleed):
    book = dataclasses.replace(small_book, print_settings=PrintSettings(trim=trim, full_bleed=full_bleed))
    write_pdf(book, tmp_path / "book.pdf", profiles.get(name))
    expected = expected_boxes(profiles.get(name), trim, full_bleed)
    for page in pdf(tmp_path / "book.pdf").pages:
        assert boxes(page) == expected
    if name == "kdp" and full_bleed:  # the bleed is on the outside edge: never on the spine side
        verso, recto = pdf(tmp_path / "book.pdf").pages[1:3]
        assert float(verso.trimbox.left) - float(verso.mediabox.left) == pytest.approx(9)
        assert float(recto.trimbox.left) - float(recto.mediabox.left) == pytest.approx(0)


def test_kdp_gutter_matches_the_table_for_the_page_count(profile_pdfs):
    path, laid_out = profile_pdfs["kdp"]
    kdp = profiles.get("kdp")
    pages = len(pdf(path).pages)
    table = next(g for limit, g in ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875)) if pages <= limit)
    assert laid_out.geometry.inside == pytest.approx(table + kdp.gutter_allowance)
    assert laid_out.geometry.inside >= table
    # and the type really sits there: nothing on a recto is set inside the gutter
    for page in pdf(path).pages[6::2]:
        xs = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: text.strip() and xs.append(tm[4] * cm[0] + cm[4]))
        assert not xs or min(xs) >= 72 * table - 0.5


@pytest.mark.parametrize("pages, gutter", [(24, 0.375), (150, 0.375), (151, 0.5), (300, 0.5), (301, 0.625),
                                           (500, 0.625), (501, 0.75), (701, 0.875), (828, 0.875)])
def test_kdp_gutter_table(pages, gutter):
    assert profiles.get("kdp").gutter(pages) == gutter


def test_kdp_pdf_has_no_annotations_and_no_outlines(profile_pdfs):
    reader = pdf(profile_pdfs["kdp"][0])
    assert all("/Annots" not in page for page in reader.pages)
    assert "/Outlines" not in reader.trailer["/Root"]


def test_ingramspark_pdf_is_pdf_x_and_a_black_and_white_one_names_a_condition_and_no_profile(profile_pdfs):
    """The sample prints in black and white (the default): its PDF/X names a registered condition
    and embeds no ICC profile, and its text is black in gray (the colour interior's CMYK output
    intent and 100 % K text: tests/test_inks.py)."""
    reader = pdf(profile_pdfs["ingramspark"][0])
    assert str(reader.metadata["/GTS_PDFXVersion"]).startswith("PDF/X-1")
    intents = [intent.get_object() for intent in reader.trailer["/Root"]["/OutputIntents"]]
    assert intents and intents[0]["/S"] == "/GTS_PDFX" and intents[0]["/OutputConditionIdentifier"]
    assert "/DestOutputProfile" not in intents[0]
    streams = [page.get_contents().get_data() for page in reader.pages if page.get_contents() is not None]
    texts = [data for data in streams if b"BT" in data]
    assert texts and all(b"0 g" in data for data in texts) and not any(b" rg" in data for data in texts)


def test_screen_pdf_is_tagged_with_bookmarks_and_live_links(profile_pdfs, sample):
    reader = pdf(profile_pdfs["screen"][0])
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert all(any(chapter.title in t for t in titles) for chapter in sample.book.chapters), titles
    assert any("/Annots" in page for page in reader.pages)


def test_page_labels_are_the_printed_folios(profile_pdfs):
    path, laid_out = profile_pdfs["kdp"]
    labels = laid_out.page_labels
    assert labels == folios(path)
    first = next(n for n, label in enumerate(labels) if label.isdigit())
    assert labels[first] == "1" and all(not label or re.fullmatch(r"[ivxlc]+", label) for label in labels[:first])
    assert all(label in ("", str(n + 1)) for n, label in enumerate(labels[first:]))
    assert laid_out.page_labels[:3] == ["", "", ""]  # half title, its blank verso, title page


def note_on_call_page(reader, laid_out, note) -> bool:
    call = laid_out.page_of(f"call-{note.id}")
    words = " ".join(re.sub(r"<[^>]+>", " ", note.html).split()[:4])
    return words in re.sub(r"\s+", " ", reader.pages[call].extract_text())


def test_each_footnote_is_on_the_page_of_its_call(profile_pdfs, sample):
    for name in ("kdp", "screen"):
        path, laid_out = profile_pdfs[name]
        reader = pdf(path)
        notes = [note for chapter in sample.book.chapters for note in chapter.notes]
        assert notes
        for note in notes:
            assert note_on_call_page(reader, laid_out, note), (name, note.id)
        assert laid_out.misplaced_notes == []


def test_misplaced_footnotes_are_detected(sample, tmp_path):
    """Without the relief, WeasyPrint 70 loses or defers notes in the sample; the detector names
    exactly the notes whose text is missing from their call's page."""
    from herpress.pdf.interior import layout, write_layout

    laid_out = layout(sample.book, profiles.get("kdp"), relieve=False)
    write_layout(sample.book, laid_out, tmp_path / "unrelieved.pdf")
    reader = pdf(tmp_path / "unrelieved.pdf")
    notes = [note for chapter in sample.book.chapters for note in chapter.notes]
    astray = [note.id for note in notes if not note_on_call_page(reader, laid_out, note)]
    assert astray == laid_out.misplaced_notes


def test_reproducible_with_source_date_epoch(small_book, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name in ("ingramspark", "screen"):
        first, second = tmp_path / f"{name}-1.pdf", tmp_path / f"{name}-2.pdf"
        write_pdf(small_book, first, profiles.get(name))
        write_pdf(small_book, second, profiles.get(name))
        assert first.read_bytes() == second.read_bytes(), name


def test_a_character_missing_from_the_fonts_is_named_with_file_and_line(init_book, tmp_path):
    import shutil

    from herpress.build import build

    shutil.copytree(init_book.book.root / "manuscript", tmp_path / "manuscript")
    chapter = tmp_path / "manuscript" / "01-first-chapter.md"
    lines = chapter.read_text().split("\n")
    chapter.write_text("\n".join(lines[:2] + ["A cuneiform sign \U00012000 here."] + lines[2:]))
    with pytest.raises(BookError) as error:
        build(tmp_path, ("pdf",))
    message = str(error.value)
    assert "U+12000 CUNEIFORM SIGN A" in message and "01-first-chapter.md:3:" in message


def test_layout_collects_garbage_less_often_and_restores_the_thresholds(small_book, monkeypatch):
    import gc

    from herpress.pdf import interior as pdf_writer

    seen = []

    def render(self, pages, relieved):
        seen.append(gc.get_threshold()[0])
        raise BookError("stop here")

    before = gc.get_threshold()
    monkeypatch.setattr(pdf_writer.Typesetter, "render", render)
    with pytest.raises(BookError):
        pdf_writer.layout(small_book)
    assert seen and seen[0] > before[0] and gc.get_threshold() == before


def test_the_layout_runs_with_room_on_the_frame_stack(small_book, monkeypatch):
    import sys

    from herpress import framestack
    from herpress.pdf import interior as pdf_writer

    seen = []

    def render(self, pages, relieved):
        frame, codes = sys._getframe(), []
        while frame is not None:
            codes.append(frame.f_code)
            frame = frame.f_back
        seen.append(framestack._call.__code__ in codes)
        raise BookError("stop here")

    monkeypatch.setattr(pdf_writer.Typesetter, "render", render)
    with pytest.raises(BookError):
        pdf_writer.layout(small_book)
    assert seen == [True]
