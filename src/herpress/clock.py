"""Writers turn a Book into files: :mod:`.epub`, :mod:`.pdf`, :mod:`.cover`. They never see Markdown."""

from __future__ import annotations

import datetime as dt
import os


def source_date() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) as a UTC time, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else None
