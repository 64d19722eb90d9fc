"""What text the database can hold, whichever backend holds it.

PostgreSQL cannot store the NUL character (U+0000) in text, while DuckDB can. Refusing it before
every write, on both backends, keeps the two databases holding the same data and turns what would be
a driver error deep inside a transaction into a message that names the field.
"""

NUL = "\x00"
NUL_REASON = "contains a NUL character (U+0000), which cannot be stored; remove it"


def nul_problem(field: str, text: str | None) -> str | None:
    """The problem with storing ``text`` in ``field``, or None when it can be stored."""
    if text is not None and NUL in text:
        return f"{field}: {NUL_REASON}"
    return None
