"""The Apple Books edition: Apple's display options, so that the book's embedded faces are used.

Apple Books sets its own face unless ``META-INF/com.apple.ibooks.display-options.xml`` says
``specified-fonts`` (Apple's Asset Guide, "Fonts"); readers can still pick another in the
settings. The options file is named by nothing in the package, so EPUBCheck does not see it.
"""

from __future__ import annotations


from .documents import Publication
from .output import write as write_epub

DISPLAY_OPTIONS = "META-INF/com.apple.ibooks.display-options.xml"


def edition(publication: Publication) -> Publication:
    options = (b'<?xml version="1.0" encoding="UTF-8"?>\n<display_options>\n'
               b'  <platform name="*">\n    <option name="specified-fonts">true</option>\n  </platform>\n'
               b'</display_options>\n')
    return publication.changed(extra=(*publication.extra, (DISPLAY_OPTIONS, options)))


def write(job, target) -> None:
    write_epub(job, target, edition, "apple")
