"""The EPUB's accessibility metadata, derived from what the book really holds.

Nothing here is a fixed list pasted into every book: each access mode, feature and
the conformance claim follows from a fact about the content (it has charts, they have
descriptions and data tables, the print page numbers are inside, …). A claim of
conformance to EPUB Accessibility 1.1 / WCAG 2.2 AA is made only when every visual
has a text alternative; otherwise it is left out and the summary says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Book

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


@dataclass
class Facts:
    """What the EPUB holds, as the writer built it."""

    page_list: bool = False  # print page numbers and their page-list
    cover_image: bool = False  # a cover image (with alt text)
    data_tables: int = 0  # charts given a table of their data
    tables: int = 0  # tables in the text
    notes: int = 0
    problems: list[str] = field(default_factory=list)  # why the book cannot claim conformance


def undescribed_visuals(book: Book) -> list[str]:
    """Charts whose description is empty: they break WCAG 1.1.1, so no claim can be made."""
    return [f"Figure {figure.number or figure.label} has no description"
            for figure in book.figures if not figure.spec.description.strip()]


def metadata(book: Book, facts: Facts) -> list[tuple[str, str]]:
    """``(property, value)`` pairs for the package's ``<meta>`` elements."""
    visual = bool(book.figures) or facts.cover_image
    problems = facts.problems + undescribed_visuals(book)
    pairs = [("schema:accessMode", "textual")]
    if visual:  # EPUB Accessibility 1.2 requires at least one accessModeSufficient: there always is one
        pairs.append(("schema:accessMode", "visual"))
        pairs.append(("schema:accessModeSufficient", "textual,visual"))
    if not problems or not visual:
        pairs.append(("schema:accessModeSufficient", "textual"))
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if visual and not problems:
        features.append("alternativeText")
    if facts.data_tables:
        features.append("longDescription")
    if facts.page_list:
        features += ["pageBreakMarkers", "pageNavigation", "printPageNumbers"]
    if book.index:
        features.append("index")
    if facts.notes:
        features.append("annotations")
    pairs += [("schema:accessibilityFeature", feature) for feature in features]
    pairs.append(("schema:accessibilityHazard", "none"))
    pairs.append(("schema:accessibilitySummary", summary(book, facts, problems)))
    if not problems:
        pairs.append(("dcterms:conformsTo", CONFORMANCE))
        pairs.append(("a11y:certifiedBy", book.metadata.publisher))
    return pairs


def summary(book: Book, facts: Facts, problems: list[str]) -> str:
    parts = [f"This publication has {_count(len(book.chapters), 'chapter')} with headings in order, "
             "a table of contents with their sections, and landmarks for its main parts."]
    if book.figures:
        described = "with a text description and a table of the data it plots" if facts.data_tables \
            else "with a text description"
        parts.append(f"Each of its {_count(len(book.figures), 'chart')} is an image {described}.")
    if facts.cover_image:
        parts.append("The cover image has a text alternative.")
    if facts.notes:
        parts.append(f"Its {_count(facts.notes, 'note')} are linked both ways with their calls.")
    if book.glossary:
        parts.append(f"A glossary defines {_count(len(book.glossary), 'term')}.")
    if book.index:
        parts.append("An index links to the places each entry is discussed.")
    if facts.page_list:
        parts.append("The page numbers of the print edition are marked in the text and listed for navigation.")
    parts.append("No content flashes, moves or plays sound.")
    if problems:
        parts.append("It does not meet WCAG 2.2 AA: " + "; ".join(problems) + ".")
    else:
        parts.append("It meets EPUB Accessibility 1.1 at WCAG 2.2 Level AA, as checked when it was built.")
    return " ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
