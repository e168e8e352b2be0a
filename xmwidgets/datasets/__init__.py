"""Built-in datasets: :func:`demo` generates a small cross-modal retrieval dataset offline, cached.

>>> import xmwidgets as xm
>>> d = xm.datasets.demo()  # doctest: +SKIP
>>> d.queries.head(3)  # doctest: +SKIP

Importing this module is cheap: numpy, pandas, Pillow, soundfile and PyAV load inside :func:`demo`.
"""

from __future__ import annotations

from ._demo import Demo, default_cache_dir, demo

__all__ = ["Demo", "default_cache_dir", "demo"]
