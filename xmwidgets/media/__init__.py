"""Media: any content cell of a queries or items frame, ready for the browser.

:func:`infer_roles` finds the content columns of a frame and their kinds; :func:`render_cell` turns
one cell into a JSON part plus binary buffers (a small JPEG, playable audio with waveform peaks, a
video with a poster frame, or text), or an error part saying what is wrong with it;
:class:`MediaCache` keeps recent renderings.

>>> from xmwidgets.media import render_cell
>>> render_cell(b"caf\\xc3\\xa9", "text").part["text"]
'café'
"""

from __future__ import annotations

from ._render import MediaCache, render_cell
from ._roles import infer_roles
from ._types import KINDS, MediaError, Rendered

__all__ = ["KINDS", "MediaCache", "MediaError", "Rendered", "infer_roles", "render_cell"]
