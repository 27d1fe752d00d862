"""The EPUB side: documents, packing, editions for stores, and what serves only the ebook."""
