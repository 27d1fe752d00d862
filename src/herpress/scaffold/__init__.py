"""``herpress init``: a new book folder that builds at once."""

from __future__ import annotations

import uuid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from ..errors import BookError

TEMPLATE = Path(__file__).parent / "manuscript"


def create(new_dir: Path, report=lambda message: None) -> Path:
    if new_dir.exists() and (not new_dir.is_dir() or any(new_dir.iterdir())):
        raise BookError("already exists and is not empty; choose a new folder", new_dir)
    title = new_dir.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "Untitled"
    env = Environment(loader=FileSystemLoader(str(TEMPLATE)), keep_trailing_newline=True)
    context = {"title": title, "identifier": f"urn:uuid:{uuid.uuid4()}"}
    target = new_dir / "manuscript"
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir():
            continue
        relative = source.relative_to(TEMPLATE)
        destination = target / relative.with_suffix("") if source.suffix == ".j2" else target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".j2":
            destination.write_text(env.get_template(relative.as_posix()).render(**context), encoding="utf-8")
        else:
            destination.write_bytes(source.read_bytes())
    (new_dir / ".gitignore").write_text("build/\n", encoding="utf-8")
    return new_dir
