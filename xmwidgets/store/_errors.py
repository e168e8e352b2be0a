"""The one exception type of the store."""

from __future__ import annotations

__all__ = ["StoreError"]


class StoreError(Exception):
    """A label store could not be opened, or a judgement could not be written or read.

    The message names the file or the offending value and says what to do instead.
    """
