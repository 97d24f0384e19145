"""Commands of `indic` — filled in by its owner module."""
