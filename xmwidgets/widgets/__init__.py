"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
"""

from .grade import RelevanceGrid

__all__ = ["RelevanceGrid"]
