"""An image alone in its paragraph, set as a figure: ``![A tree of rollouts](tree.png){#fig:tree}``.

A labelled image (``{#fig:name}``, pandoc-crossref's way, in any book) becomes a ``<figure>`` whose
caption is the image's alt text, numbered with the chapter's charts in reading order
("Figure 3.2"), so that ``[@fig:name]`` (or pandoc-crossref's bare ``@fig:name``) refers to it. In
a pandoc project an unlabelled image alone in its paragraph with an alt text becomes a figure too,
captioned and unnumbered: pandoc's implicit figures, which the author saw in pandoc's output.
Elsewhere (mdBook, plain folders) such an image stays as written: there the alt text was never
shown, and printing it as a caption would add words the author did not see.

The number goes at the head of the caption once the chapter's number is known
(``<span class="figure-number">``, filled in by the reader), as a table's does.
"""

from __future__ import annotations

from lxml import etree


def take_figures(container, implicit: bool) -> list[tuple[object, str, str]]:
    """Each image alone in a paragraph of ``container`` that is to be a figure, replaced by its
    ``<figure class="image">``: (the figure, its label or "", its caption as plain text)."""
    found = []
    for paragraph in list(container.iter("p")):
        if len(paragraph) != 1 or paragraph[0].tag != "img" or (paragraph.text or "").strip() \
                or (paragraph[0].tail or "").strip():
            continue
        image = paragraph[0]
        label = image.get("data-label", "")
        if not label.startswith("fig:"):
            label = ""
        caption = " ".join((image.get("alt") or "").split())
        if not label and not (implicit and caption):
            continue
        figure = etree.Element("figure", {"class": "image"})
        if label:
            figure.set("id", image.attrib.pop("id"))
            figure.set("data-label", image.attrib.pop("data-label"))
        figure.tail = paragraph.tail
        paragraph.getparent().replace(paragraph, figure)
        image.tail = None
        figure.append(image)
        figcaption = etree.SubElement(figure, "figcaption")
        if label:
            number = etree.SubElement(figcaption, "span", {"class": "figure-number"})
            number.tail = (" " + caption) if caption else None
        else:
            figcaption.text = caption
        found.append((figure, label, caption))
    return found
