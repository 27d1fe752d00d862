"""herpress's own Python-Markdown extensions: each records what it finds for the reader.

* :mod:`.charts` — fenced ``chart`` blocks (TOML specs) become figure placeholders;
* :mod:`.glossary` — ``[[term]]`` / ``[[text|term]]`` mark uses of glossary terms;
* :mod:`.crossrefs` — ``[@fig:label]`` refers to a labelled chapter, section or figure;
* :mod:`.index` — ``{^entry}``, ``{^entry!sub}``, ``{^entry|see other}`` mark index locations.
"""
