"""Writers turn a Book into files: :mod:`.epub`, :mod:`.pdf`. They never see Markdown."""
