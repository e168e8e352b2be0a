"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`Review` (``grade`` as adjudicator): the annotators' judgements side by side, one
  adjudicated grade per disputed pair.
"""

from .grade import RelevanceGrid
from .review import Review

__all__ = ["RelevanceGrid", "Review"]
