"""herpress: one Markdown manuscript in, an EPUB 3 and a print-ready PDF out."""

__version__ = "0.1.0"
