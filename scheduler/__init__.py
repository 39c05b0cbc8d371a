"""会议统筹 — the weekly meeting consolidation scheduler."""

__version__ = "0.1.0"
