"""The print PDF finished on two cores prints, page for page, what one process prints."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

import pytest
from checks import page_texts, pdf
from test_build import herpress, long_book, parts, wait_for

from herpress import pagemap, profiles
from herpress.build import check_interior
from herpress.errors import BookError
from herpress.preflight import fonts_in
from herpress.writers import halves, relief
from herpress.writers.backmatter import first_pages
from herpress.writers import pdf as pdf_writer


def under(book, name: str):
    return dataclasses.replace(book, print_settings=dataclasses.replace(book.print_settings, profile=name))


def in_halves(book, target, pages_hint=None):
    profile = profiles.get(book.print_settings.profile)
    return pdf_writer.layout(book, profile, pages_hint=pages_hint, finish=lambda d: halves.finish(book, d, target))


def assert_same_pages(path, serial_path):
    two, one = page_texts(path), page_texts(serial_path)
    assert len(two) == len(one)
    for number, (a, b) in enumerate(zip(two, one), 1):
        assert a == b, f"page {number} differs"


@pytest.mark.parametrize("name", ["kdp", "ingramspark"])
def test_two_halves_print_what_one_process_prints(sample, profile_pdfs, tmp_path, name):
    serial_path, serial = profile_pdfs[name]
    book = under(sample.book, name)
    printed = in_halves(book, tmp_path / "book.pdf")
    assert_same_pages(tmp_path / "book.pdf", serial_path)
    assert printed.page_labels == serial.page_labels
    assert printed.starts == pagemap.page_starts(serial, sample.book)
    assert printed.misplaced_notes == serial.misplaced_notes
    assert printed.geometry == serial.geometry
    assert check_interior(tmp_path / "book.pdf", printed) == check_interior(serial_path, serial)


def test_no_two_different_font_subsets_share_a_name(sample, tmp_path):
    in_halves(sample.book, tmp_path / "book.pdf")
    reader = pdf(tmp_path / "book.pdf")
    fonts = list(fonts_in(reader.pages))
    names = [str(font["/BaseFont"]) for font in fonts]
    assert len(fonts) > 4  # each half embeds its own subsets
    assert len(set(names)) == len(names)
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/FontDescriptor"]["/FontName"] == font["/BaseFont"]


def relieved_in_both_halves(book, monkeypatch):
    """Pretend WeasyPrint misplaced the first note of the second and the last chapter with notes (the first, the introduction, does not keep its page count when relieved)."""
    with_notes = [chapter for chapter in book.chapters if chapter.notes]
    astray = [with_notes[1].notes[0].id, with_notes[-1].notes[0].id]
    real = pdf_writer.misplaced_notes
    monkeypatch.setattr(pdf_writer, "misplaced_notes",
                        lambda result, book: astray if len(result.page_labels) == 0 else real(result, book))
    return [with_notes[1].slug, with_notes[-1].slug]


def test_chapters_relieved_in_each_half_print_what_one_process_prints(sample, sample_layout, monkeypatch, tmp_path):
    hint = sample_layout.page_count
    slugs = relieved_in_both_halves(sample.book, monkeypatch)
    printed = in_halves(sample.book, tmp_path / "halves.pdf", pages_hint=hint)
    serial = pdf_writer.layout(sample.book, pages_hint=hint)
    monkeypatch.undo()
    pdf_writer.write_layout(sample.book, serial, tmp_path / "serial.pdf")
    assert printed.relieved == serial.relieved == slugs
    assert serial.passes == 1  # each chapter relieved on its own, not the whole book laid out again
    anchors = first_pages(serial.document)
    cut = halves._cut(sample.book, pdf_writer.Draft(serial.document, [], slugs, slugs, None), anchors)
    assert anchors[f"section-{slugs[0]}"] < cut <= anchors[f"section-{slugs[1]}"]  # one in each half
    assert_same_pages(tmp_path / "halves.pdf", tmp_path / "serial.pdf")
    assert printed.page_labels == serial.page_labels


def test_a_refused_relief_lays_the_whole_book_out_again(sample, sample_layout, monkeypatch, tmp_path):
    hint = sample_layout.page_count
    relieved_in_both_halves(sample.book, monkeypatch)
    monkeypatch.setattr(relief, "relieve", lambda *args, **kwargs: None)  # in both processes (fork)
    printed = in_halves(sample.book, tmp_path / "halves.pdf", pages_hint=hint)
    serial = pdf_writer.layout(sample.book, pages_hint=hint)
    monkeypatch.undo()
    pdf_writer.write_layout(sample.book, serial, tmp_path / "serial.pdf")
    assert serial.passes == 2
    assert_same_pages(tmp_path / "halves.pdf", tmp_path / "serial.pdf")
    assert printed.relieved == serial.relieved and printed.page_labels == serial.page_labels
    assert sorted(p.name for p in tmp_path.iterdir()) == ["halves.pdf", "serial.pdf"]  # no part left behind


def test_an_error_in_the_second_half_reaches_the_author_and_leaves_no_parts(sample, monkeypatch, tmp_path):
    from herpress.writers import backmatter

    def broken(*args, **kwargs):
        raise BookError("the index cannot be laid out", "manuscript/index.md", 3)

    monkeypatch.setattr(backmatter, "repaginate", broken)  # runs in the forked process only
    with pytest.raises(BookError, match="index cannot be laid out") as raised:
        in_halves(sample.book, tmp_path / "book.pdf")
    assert str(raised.value).startswith("manuscript/index.md:3: ")
    assert list(tmp_path.iterdir()) == []


def test_reproducible_with_source_date_epoch(sample, monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book = under(sample.book, "ingramspark")
    in_halves(book, tmp_path / "1.pdf")
    in_halves(book, tmp_path / "2.pdf")
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()


def test_profiles_with_links_or_tags_are_finished_in_one_process(sample):
    assert not halves.can_split(sample.book, profiles.get("screen"))
    one_chapter = dataclasses.replace(sample.book, chapters=sample.book.chapters[:1])
    assert not halves.can_split(one_chapter, profiles.get("kdp"))


def test_a_book_too_long_for_two_processes_is_finished_in_one(sample, profile_pdfs, monkeypatch, tmp_path):
    serial_path, serial = profile_pdfs["kdp"]
    monkeypatch.setattr(halves, "MAX_PAGES", serial.page_count - 1)
    monkeypatch.setattr(halves, "_second_half", None)  # a forked process would fail at once
    printed = in_halves(sample.book, tmp_path / "book.pdf")
    assert_same_pages(tmp_path / "book.pdf", serial_path)
    assert (printed.page_labels, printed.starts) == (serial.page_labels, pagemap.page_starts(serial, sample.book))


# --- the second process dies with the first, and can always end -----------------------------------


def descendants(pid: int) -> set[int]:
    """The processes under ``pid`` that still run (a zombie has ended), read from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            state = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            left.add(pid)
    return left


def test_no_process_is_left_when_the_build_is_killed_in_the_second_half(book, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = herpress("pdf", long_book(book), tmp=tmp)
    # the parts are made just before the second process is forked, and removed when it is done
    wait_for("second half", lambda: any(".2." in name for name in parts(book)), process)
    helpers = wait_for("second process", lambda: descendants(process.pid), process)
    process.kill()
    process.wait(timeout=60)
    deadline = time.monotonic() + 5
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(helpers) == set(), "a forked helper outlived the killed build"
    done = herpress("pdf", book, tmp=tmp)  # the next build: nothing left of the killed one
    assert done.wait(timeout=600) == 0, done.communicate()
    assert parts(book) == [] and os.listdir(tmp) == []


def test_a_second_half_that_ends_without_reading_the_marks_does_not_hang_the_first(sample, monkeypatch, tmp_path):
    from herpress.writers import backmatter

    real = backmatter.first_pages

    def many(document):  # marks far more than a pipe holds: sending them waits for a reader
        return {**real(document), **{f"ix-filler-{n}": 0 for n in range(100_000)}}

    monkeypatch.setattr(backmatter, "first_pages", many)
    monkeypatch.setattr(halves, "_second_half", lambda *args: os._exit(3))
    finished = []
    worker = threading.Thread(target=lambda: finished.append(_raised(in_halves, sample.book, tmp_path / "x.pdf")),
                              daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert finished, "the first half waited for ever on a second that was gone"
    assert "exit code 3" in str(finished[0])
    assert list(tmp_path.iterdir()) == []


def _raised(function, *args):
    try:
        function(*args)
    except Exception as error:
        return error
    return None
