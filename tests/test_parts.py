"""The print book laid out a part at a time prints, page for page, what one document prints."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

import pytest
from checks import page_texts, pdf
from test_build import herpress, long_book, parts, wait_for

from herpress import forked, pagemap

from herpress.pdf import profiles
from herpress.pdf.output import check_interior
from herpress.errors import BookError, BookErrors
from herpress.pdf.preflight import fonts_in
from herpress.pdf import parts as book_parts
from herpress.pdf import interior as pdf_writer


def under(book, name: str):
    return dataclasses.replace(book, print_settings=dataclasses.replace(book.print_settings, profile=name))


def in_parts(book, target, memo=None, pages_hint=0):
    profile = profiles.get(book.print_settings.profile)
    done = book_parts.print_in_parts(book, profile, target, pages_hint, memo)
    assert done is not None, "the parts' numbers did not settle"
    return done


def assert_same_pages(path, serial_path):
    two, one = page_texts(path), page_texts(serial_path)
    assert len(two) == len(one)
    for number, (a, b) in enumerate(zip(two, one), 1):
        assert a == b, f"page {number} differs"


@pytest.fixture
def counted(monkeypatch):
    """The names of the parts laid out, in order (counted where the tasks are handed out)."""
    names = []
    real = forked.Workers.stream

    def stream(self, items, make, done):
        def counting(item):
            task = make(item)
            if task is not None:
                names.append(task.name)
            return task
        return real(self, items, counting, done)

    monkeypatch.setattr(forked.Workers, "stream", stream)
    return names


@pytest.mark.parametrize("name", ["kdp", "ingramspark"])
def test_parts_print_what_one_document_prints(sample, profile_pdfs, tmp_path, name):
    serial_path, serial = profile_pdfs[name]
    book = under(sample.book, name)
    printed, _ = in_parts(book, tmp_path / "book.pdf")
    assert_same_pages(tmp_path / "book.pdf", serial_path)
    assert printed.page_labels == serial.page_labels
    assert printed.starts == pagemap.page_starts(serial, sample.book)
    assert printed.misplaced_notes == serial.misplaced_notes
    assert printed.geometry == serial.geometry
    assert check_interior(tmp_path / "book.pdf", printed) == check_interior(serial_path, serial)
    from test_pdfjoin import rendered

    assert rendered(tmp_path / "book.pdf") == rendered(serial_path)  # the folios drawn over, where one document puts them


def test_the_sample_cites_other_chapters_pages(sample):
    """What the other tests prove is worth something only if chapters print each other's folios."""
    owner = sample.book.chapter_of_id()
    cited, _ = book_parts._cited(sample.book, {c.slug: c.body_html for c in sample.book.chapters}, owner)
    assert sum(map(len, cited.values())) >= 5


def test_guesses_from_the_last_build_lay_each_part_out_once(sample, profile_pdfs, counted, tmp_path):
    serial_path, _ = profile_pdfs["kdp"]
    _, memo = in_parts(sample.book, tmp_path / "first.pdf")
    counted.clear()
    in_parts(sample.book, tmp_path / "book.pdf", memo=memo)
    slugs = [chapter.slug for chapter in sample.book.chapters]
    expected = slugs + [book_parts.BACK, book_parts.FRONT] + [book_parts.FOLIOS + slug for slug in slugs]
    assert sorted(counted) == sorted(expected)  # each once
    assert counted[-1] == book_parts.FRONT
    assert_same_pages(tmp_path / "book.pdf", serial_path)


def test_wrong_guesses_are_laid_out_again_with_the_true_numbers(sample, profile_pdfs, counted, tmp_path):
    """Every chapter guessed 2 pages long and every cited place on page 1: the chapters after the
    first open on other folios, and those that print a page number print another, until all are
    true. A chapter that prints none of its own pages' numbers is laid out once, wherever it opens:
    its folios are drawn over it afterwards."""
    serial_path, serial = profile_pdfs["kdp"]
    book = sample.book
    slugs = [chapter.slug for chapter in book.chapters]
    wrong = book_parts.Memo(pages={slug: 2 for slug in slugs}, folios={})
    printed, _ = in_parts(book, tmp_path / "book.pdf", memo=wrong)
    assert_same_pages(tmp_path / "book.pdf", serial_path)
    assert printed.page_labels == serial.page_labels
    assert printed.starts == pagemap.page_starts(serial, book)
    bodies, owner = {c.slug: c.body_html for c in book.chapters}, book.chapter_of_id()
    printing = {slug for found in book_parts._cited(book, bodies, owner) for slug, cited in found.items() if cited}
    chapters = [name for name in counted if name in slugs]
    assert sorted(chapters[:len(slugs)]) == sorted(slugs)
    assert chapters[:len(slugs) - len(printing)] == [slug for slug in slugs if slug not in printing]  # first
    again = chapters[len(slugs):]
    assert again and set(again) <= printing and set(slugs) - printing  # the test means something


def write_citing_book(folder, chapters: int = 4, sections: int = 5, per_section: int = 40):
    """A book whose every sentence cites a section of another chapter, the way a reference book
    does (bench/notes_and_marks.py's xrefs book, small), after an opening chapter long enough that
    every place cited is on a page of two digits."""
    from checks import write_manuscript

    names = ["opening.md"] + [f"c{c}.md" for c in range(chapters)]
    files = {"book.toml": '[book]\ntitle = "Citing"\n[contents]\nchapters = [' + ", ".join(f'"{n}"' for n in names) + "]\n",
             "opening.md": "# Opening\n\nAn index mark{^opening} gives the book its back matter.\n\n"
                           + "\n\n".join("A paragraph of the opening " + "that runs on " * 60 for _ in range(24)) + "\n"}
    for c in range(chapters):
        lines = [f"# Chapter {c} {{#ch:c{c}}}", ""]
        for s in range(sections):
            lines += [f"## Section {c}.{s} {{#sec:c{c}-s{s}}}", ""]
            for n in range(per_section):
                target = (c + 1 + (n * 7 + s) % (chapters - 1)) % chapters  # always another chapter
                lines.append(f"Sentence {n} of the section turns to the place [@sec:c{target}-s{(n + s) % sections}].")
            lines.append("")
        files[f"c{c}.md"] = "\n".join(lines)
    return write_manuscript(folder, files)


def test_a_book_dense_with_references_settles_in_two_rounds(counted, tmp_path):
    """Each chapter is laid out with the numbers guessed (here every cited place on page 88), then
    with the true ones, and no more: page numbers are set in figures of one width, so the true ones
    keep its lines and its page count (in proportional figures they moved them, and so the numbers,
    round after round)."""
    from herpress.reader import load_book

    book = load_book(write_citing_book(tmp_path / "book"))
    slugs = [chapter.slug for chapter in book.chapters]
    cited = {target for targets in book_parts._cited(book, {c.slug: c.body_html for c in book.chapters},
                                                     book.chapter_of_id())[0].values() for target in targets}
    guess = book_parts.Memo(pages={}, folios=dict.fromkeys(cited, "88"))
    printed, _ = in_parts(book, tmp_path / "book.pdf", memo=guess, pages_hint=40)
    chapters = [name for name in counted if name in slugs]
    assert max(chapters.count(slug) for slug in slugs) <= 2, chapters
    assert printed.page_count > 30 and cited  # the references fill pages: the numbers they print matter
    profile = profiles.get(book.print_settings.profile)
    pdf_writer.write_pdf(book, tmp_path / "serial.pdf", profile, pages_hint=printed.page_count)
    assert_same_pages(tmp_path / "book.pdf", tmp_path / "serial.pdf")  # every number true


def test_a_chapter_keeps_its_lines_whatever_the_digits_of_the_pages_it_cites(tmp_path):
    """What lets two rounds do: laid out citing pages 88 and citing pages 11, a chapter breaks every
    line at the same word — its pages differ in the digits and nothing else."""
    import re

    from herpress.reader import load_book

    book = load_book(write_citing_book(tmp_path / "book"))
    typesetter = pdf_writer.Typesetter(book, profiles.get(book.print_settings.profile))
    typesetter.prepare(60, fit=False)
    slug = book.chapters[2].slug
    cited, _ = book_parts._cited(book, typesetter.bodies, book.chapter_of_id())
    texts = []
    for folio in ("88", "11"):
        path = tmp_path / f"{folio}.pdf"
        book_parts.lay_out(typesetter, book_parts.Task(slug, 21, tuple((t, folio) for t in cited[slug]), str(path)))
        texts.append([re.sub(r"\d", "#", text) for text in page_texts(path)])
    assert len(cited[slug]) > 10 and texts[0] == texts[1]


def test_chapters_that_fill_a_book_of_another_gutter_replan_before_the_back_matter(sample, counted, tmp_path):
    """Guessed at 10 pages, the sample is laid out with the narrow gutter of a book of up to 30; its
    chapters, laid out once, fill more. The book is laid out again with the wide gutter right then:
    the back and front matter are laid out once, for the gutter the book has."""
    profile = dataclasses.replace(profiles.get("kdp"), gutters=((30, 0.375), (10**9, 0.75)), min_pages=1)
    done = book_parts.print_in_parts(sample.book, profile, tmp_path / "book.pdf", 10)
    assert done is not None
    printed, memo = done
    slugs = [chapter.slug for chapter in sample.book.chapters]
    assert printed.geometry.inside == profile.inside_margin(printed.page_count, printed.geometry.outside)
    assert counted.count(book_parts.BACK) == counted.count(book_parts.FRONT) == 1
    assert all(counted.count(slug) >= 2 for slug in slugs)  # once with each gutter
    assert memo.pages[book_parts.FRONT] and memo.pages[book_parts.BACK]  # the next build's guesses


def test_the_page_guess_counts_the_index(tmp_path):
    """An index of 600 entries and sub-entries is guessed within a third of the pages it takes."""
    from checks import write_manuscript

    from herpress.pdf.output import back_matter_pages
    from herpress.reader import load_book

    marks = " ".join(f"Word {n}{{^Entry{n // 3:03d}!sub {n % 3}}} and {n}{{^Entry{n // 3:03d}}}." for n in range(600))
    book = load_book(write_manuscript(tmp_path / "book", {
        "book.toml": '[book]\ntitle = "Marks"\n[contents]\nchapters = ["a.md"]\n', "a.md": f"# A\n\n{marks}\n"}))
    assert sum(1 + len(entry.subentries) for entry in book.index) == 800
    _, memo = in_parts(book, tmp_path / "book.pdf")
    guessed, laid_out = back_matter_pages(book), memo.pages[book_parts.BACK]
    assert laid_out > 6 and abs(guessed - laid_out) <= laid_out / 3, (guessed, laid_out)


def test_one_core_prints_what_two_print(sample, profile_pdfs, monkeypatch, tmp_path):
    serial_path, serial = profile_pdfs["kdp"]
    monkeypatch.setattr(book_parts, "cores", lambda: 1)
    printed, _ = in_parts(sample.book, tmp_path / "book.pdf")
    assert_same_pages(tmp_path / "book.pdf", serial_path)
    assert printed.starts == pagemap.page_starts(serial, sample.book)


def pretend_astray(book, monkeypatch, relieved_astray: int = 0):
    """Pretend WeasyPrint misplaced the first note of the second and the last chapter with notes
    — and, laid out with relief, their first ``relieved_astray`` notes."""
    from herpress.pdf import relayout

    with_notes = [chapter for chapter in book.chapters if chapter.notes]
    astray = [with_notes[1].notes[0].id, with_notes[-1].notes[0].id]
    worse = [note.id for chapter in (with_notes[1], with_notes[-1]) for note in chapter.notes[:relieved_astray]]
    real, real_relieved = pdf_writer.misplaced_notes, relayout.relieved
    with_relief = []  # the layout being checked was made with relief

    def relieved(laid, notes):
        with_relief.append(bool(notes))
        return real_relieved(laid, notes)

    def misplaced(result, book):  # the checks of a part's layout are made on one without labels
        if len(result.page_labels):
            return real(result, book)
        return worse if with_relief and with_relief.pop() else astray

    monkeypatch.setattr(relayout, "relieved", relieved)
    monkeypatch.setattr(pdf_writer, "misplaced_notes", misplaced)
    monkeypatch.setattr(book_parts, "misplaced_notes", misplaced)
    return astray


def test_chapters_with_a_note_astray_are_relieved_each_in_its_part(sample, profile_pdfs, monkeypatch, tmp_path):
    """Relief is the chapter's own: only its part is laid out again (widows and orphans relaxed
    around the note astray), and the notes end on their calls' pages. (Not compared with one
    document: there WeasyPrint sets this sample's relieved "open-questions" with a note a page
    after its call.)"""
    from herpress.pdf import relayout

    astray = pretend_astray(sample.book, monkeypatch)
    around = []
    real = relayout.relieved
    monkeypatch.setattr(relayout, "relieved", lambda laid, notes: around.extend(notes) or real(laid, notes))
    monkeypatch.setattr(book_parts, "cores", lambda: 1)  # the markup is relieved in this process
    printed, _ = in_parts(sample.book, tmp_path / "parts.pdf")
    assert printed.relieved == astray
    assert set(around) == set(astray)  # each laid out with relief around its own note, no other
    owner = sample.book.chapter_of_id()
    relieved_notes = {note.id for chapter in sample.book.chapters if chapter.slug in {owner[n] for n in astray}
                      for note in chapter.notes}
    assert not relieved_notes & set(printed.misplaced_notes)  # (a chapter the pretence hides may keep one)


def test_where_relief_around_the_notes_astray_brings_none_back_the_chapter_is_relieved_around_every_note(
        sample, monkeypatch, tmp_path):
    """Pretend a chapter's first note goes astray, and stays astray relieved around itself alone:
    the chapter is laid out a third time, relieved around every note it has, and kept so."""
    from herpress.pdf import relayout

    chapter = next(chapter for chapter in sample.book.chapters if len(chapter.notes) >= 2)
    astray, everyone = chapter.notes[0].id, {note.id for note in chapter.notes}
    real_misplaced, real_relieved = pdf_writer.misplaced_notes, relayout.relieved
    around = []  # the notes each layout was relieved around, in order

    def relieved(laid, notes):
        around.append(set(notes))
        return real_relieved(laid, notes)

    def misplaced(result, book):
        if len(result.page_labels):
            return real_misplaced(result, book)
        return [] if around and around[-1] >= everyone else [astray]  # laid out, relieved around it alone, …

    monkeypatch.setattr(relayout, "relieved", relieved)
    monkeypatch.setattr(book_parts, "misplaced_notes", misplaced)
    monkeypatch.setattr(book_parts, "cores", lambda: 1)  # the markup is relieved in this process
    printed, _ = in_parts(sample.book, tmp_path / "parts.pdf")
    assert set(printed.relieved) == everyone
    assert {astray} in around and everyone in around


def test_relief_that_sets_more_notes_astray_is_not_kept(sample, monkeypatch, tmp_path):
    """Relaxed widows and orphans move the page breaks; where that sends no fewer notes off their
    call's page than it brings back, the chapter keeps the layout it had."""
    astray = pretend_astray(sample.book, monkeypatch, relieved_astray=2)
    monkeypatch.setattr(book_parts, "cores", lambda: 1)  # relief is counted in this process
    printed, _ = in_parts(sample.book, tmp_path / "parts.pdf")
    assert printed.relieved == []  # relieved, each would have had as many notes astray or more
    assert astray  # notes that would have been relieved around


def test_the_problems_of_every_part_reach_the_author_together_and_leave_no_parts(sample, monkeypatch, tmp_path):
    real = book_parts._chapter
    slugs = [chapter.slug for chapter in sample.book.chapters]
    broken = {slugs[1]: 4, slugs[-1]: 9}

    def chapter(typesetter, task, body):
        if task.name in broken:
            raise BookError("this chapter cannot be laid out", f"manuscript/{task.name}.md", broken[task.name])
        return real(typesetter, task, body)

    monkeypatch.setattr(book_parts, "_chapter", chapter)  # runs in the forked workers too
    with pytest.raises(BookErrors) as raised:
        in_parts(sample.book, tmp_path / "book.pdf")
    said = str(raised.value).splitlines()
    assert said[:2] == [f"manuscript/{slugs[1]}.md:4: this chapter cannot be laid out",
                        f"manuscript/{slugs[-1]}.md:9: this chapter cannot be laid out"]
    assert list(tmp_path.iterdir()) == []


def test_an_error_in_the_back_matter_reaches_the_author_and_leaves_no_parts(sample, monkeypatch, tmp_path):
    from herpress.pdf import backmatter

    def broken(*args, **kwargs):
        raise BookError("the index cannot be laid out", "manuscript/index.md", 3)

    monkeypatch.setattr(backmatter, "lay_out_back_matter", broken)
    with pytest.raises(BookError, match="index cannot be laid out") as raised:
        in_parts(sample.book, tmp_path / "book.pdf")
    assert str(raised.value).startswith("manuscript/index.md:3: ")
    assert list(tmp_path.iterdir()) == []


def test_reproducible_with_source_date_epoch(sample, monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book = under(sample.book, "ingramspark")
    in_parts(book, tmp_path / "1.pdf")
    in_parts(book, tmp_path / "2.pdf")
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()


def test_no_two_different_font_subsets_share_a_name(sample, tmp_path):
    in_parts(sample.book, tmp_path / "book.pdf")
    fonts = list(fonts_in(pdf(tmp_path / "book.pdf").pages))
    names = [str(font["/BaseFont"]) for font in fonts]
    assert len(set(names)) == len(names)
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/FontDescriptor"]["/FontName"] == font["/BaseFont"]


def test_the_fonts_are_in_place_before_any_worker_is_forked(init_book):
    """A book with nothing to lay out before the parts (no table to fit) once had each worker
    write the @font-face fonts into the one shared folder, and one found them half written."""
    import os

    typesetter = pdf_writer.Typesetter(init_book.book, profiles.get("kdp"))
    typesetter.prepare(100)
    assert len(os.listdir(typesetter.font_config._folder)) >= 4


def test_profiles_with_links_or_tags_are_laid_out_as_one_document():
    assert not book_parts.can_print_in_parts(profiles.get("screen"))
    assert all(book_parts.can_print_in_parts(profiles.get(name)) for name in ("kdp", "ingramspark", "lulu"))


def test_numbers_that_never_settle_leave_it_to_one_document(sample, monkeypatch, tmp_path):
    monkeypatch.setattr(book_parts, "ROUNDS", 1)
    wrong = book_parts.Memo(pages={chapter.slug: 2 for chapter in sample.book.chapters}, folios={})
    profile = profiles.get("kdp")
    assert book_parts.print_in_parts(sample.book, profile, tmp_path / "book.pdf", 0, wrong) is None
    assert list(tmp_path.iterdir()) == []


# --- the workers die with the build, and a worker's death is heard ---------------------------------


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


def test_no_process_is_left_when_the_build_is_killed_while_parts_are_laid_out(book, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = herpress("pdf", long_book(book), tmp=tmp)
    # the parts' files are made as their tasks are handed to the workers, and removed at the end
    wait_for("a part", lambda: parts(book), process)
    helpers = wait_for("the workers", lambda: descendants(process.pid), process)
    process.kill()
    process.wait(timeout=60)
    deadline = time.monotonic() + 5
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(helpers) == set(), "a forked worker outlived the killed build"
    done = herpress("pdf", book, tmp=tmp)  # the next build: nothing left of the killed one
    assert done.wait(timeout=600) == 0, done.communicate()
    assert parts(book) == [] and os.listdir(tmp) == []


def test_a_worker_that_dies_is_heard_and_nothing_hangs(sample, monkeypatch, tmp_path):
    monkeypatch.setattr(book_parts, "lay_out", lambda typesetter, task: os._exit(3))
    finished = []
    worker = threading.Thread(target=lambda: finished.append(_raised(in_parts, sample.book, tmp_path / "x.pdf")),
                              daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert finished, "the build waited for ever on a worker that was gone"
    assert "exit code 3" in str(finished[0])
    assert list(tmp_path.iterdir()) == []


def _raised(function, *args):
    try:
        function(*args)
    except Exception as error:
        return error
    return None


# --- the parts of the last build --------------------------------------------------------------


def chapters_of(counted: list[str]) -> list[str]:
    return [name for name in counted if not name.startswith(":")]


def add_chapter(book, name: str, text: str) -> None:
    """A third chapter after the two of the ``herpress init`` book."""
    (book / "manuscript" / name).write_text(text)
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace('"01-first-chapter.md"]', f'"01-first-chapter.md", "{name}"]'))


def cold_pages(book, tmp_path) -> list[str]:
    """The book as a build with no cache of any kind prints it."""
    import shutil

    from herpress.build import build

    fresh = tmp_path / "cold"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(book / "manuscript", fresh / "manuscript")
    return page_texts(build(fresh, ("pdf",)).outputs["pdf"])


def test_an_edit_to_one_chapter_lays_out_that_chapter_and_prints_what_a_cold_build_prints(book, counted, tmp_path):
    from herpress.build import build

    add_chapter(book, "02-second.md", "# Second\n\nIt refers to [the first chapter](01-first-chapter.md).\n")
    build(book, ("pdf",))
    counted.clear()
    chapter = book / "manuscript" / "02-second.md"
    chapter.write_text(chapter.read_text() + "\nOne more sentence, the same page.\n")
    result = build(book, ("pdf",))
    assert chapters_of(counted) == ["second"]
    assert page_texts(result.outputs["pdf"]) == cold_pages(book, tmp_path)


def test_an_edit_that_adds_pages_lays_out_again_only_what_prints_a_moved_number(book, counted, tmp_path):
    """The chapters after the edit open on later folios; only those that print a page number that
    moved are laid out again (the init book's first chapter cites its own pages); the last chapter,
    which prints none, comes from the cache, its folios drawn anew."""
    from herpress.build import build

    add_chapter(book, "02-second.md", "# Second\n\nA short last chapter.\n")
    first = build(book, ("pdf",))
    pages = first.page_count
    counted.clear()
    introduction = book / "manuscript" / "introduction.md"
    introduction.write_text(introduction.read_text() + "\n\n" + "\n\n".join(["A paragraph of filler words. " * 12] * 12))
    result = build(book, ("pdf",))
    assert result.page_count > pages
    assert chapters_of(counted)[:1] == ["introduction"] and "second" not in counted
    assert len(chapters_of(counted)) <= 2 * 2
    assert page_texts(result.outputs["pdf"]) == cold_pages(book, tmp_path)


def test_a_damaged_part_in_the_cache_is_laid_out_again(book, counted, tmp_path):
    from herpress.build import build

    build(book, ("pdf",))
    folder = book / "build" / ".cache" / "parts"
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == 6  # two chapters, the front and the back matter, each chapter's folios
    for n, path in enumerate(pdfs):  # half the PDFs truncated, the others' facts of the wrong type
        if n % 2:
            path.write_bytes(path.read_bytes()[:1000])
        else:
            (folder / f"{path.stem}.json").write_text('{"labels": "not a list"}')
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nA change, so the build is not up to date.\n")
    counted.clear()
    result = build(book, ("pdf",))
    assert sorted(counted) == sorted([":back", ":folios:first-chapter", ":folios:introduction", ":front",
                                      "first-chapter", "introduction"])
    assert page_texts(result.outputs["pdf"]) == cold_pages(book, tmp_path)
    assert len(list(folder.glob("*.pdf"))) == 6  # only the last build's parts are kept


def test_a_changed_image_lays_its_chapter_out_again(book, counted):
    from PIL import Image

    from herpress.build import build

    image = book / "manuscript" / "images" / "square.png"
    image.parent.mkdir(exist_ok=True)
    Image.new("RGB", (600, 600), "white").save(image, dpi=(300, 300))
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\n\n![A white square.](images/square.png)\n")
    before = build(book, ("pdf",)).outputs["pdf"].read_bytes()
    Image.new("RGB", (600, 600), "black").save(image, dpi=(300, 300))
    counted.clear()
    after = build(book, ("pdf",)).outputs["pdf"].read_bytes()
    assert chapters_of(counted) == ["first-chapter"]
    assert after != before
