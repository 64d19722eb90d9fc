"""How a table shows a value that is not there: the same dash the metrics show, never "None"."""

#: What a person sees in place of a missing value, in tables and metrics alike.
MISSING = "—"
