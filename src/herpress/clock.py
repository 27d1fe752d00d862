"""The time a build stamps on its outputs: ``SOURCE_DATE_EPOCH`` when it is set, so that the same
content gives the same bytes (reproducible builds)."""

from __future__ import annotations

import datetime as dt
import os


def source_date() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) as a UTC time, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else None
