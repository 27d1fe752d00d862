"""DAISY Ace 1.4.6, the accessibility checker, on both books: no violations.

``scripts/setup --test`` installs it into ``.tools/ace`` (with Debian's Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from herpress import validate


def ace(epub: Path, out: Path) -> dict:
    report = validate.ace(epub, out)
    if report is None:
        pytest.fail("DAISY Ace is not installed: run scripts/setup --test")
    return report


violations = validate.ace_violations


@pytest.mark.parametrize("which", ["sample", "init_book"])
def test_ace_reports_no_violations(which, request, tmp_path):
    result = request.getfixturevalue(which)
    report = ace(result.outputs["epub"], tmp_path / "ace")
    assert violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    metadata = report["a11y-metadata"]
    required = {"schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
                "schema:accessibilitySummary", "schema:accessModeSufficient", "dcterms:conformsTo", "a11y:certifiedBy"}
    assert required <= set(metadata["present"]), metadata
