"""What text the database holds, whichever backend holds it: characters, lengths and keys.

PostgreSQL cannot store the NUL character (U+0000) in text, while DuckDB can. Refusing it before
every write, on both backends, keeps the two databases holding the same data and turns what would be
a driver error deep inside a transaction into a message that names the field.

**Normal form.** Text is stored in Unicode normal form C (NFC): an ``é`` typed as one character and
one made of ``e`` and a combining accent are the same text, stored the same way, so they compare
equal and count the same length.

**Lengths.** Every text field and key has a longest length, in characters (code points) after NFC,
declared once here (:data:`MAX_CHARS`, one entry per kind of field). The import refuses a longer
cell, every store write a longer value, and ``schema.sql`` repeats the limits as CHECK constraints
(a test keeps them equal), so a 10 MB client name or a 1 MB password never reaches a table or the
password hash.

**Keys.** External ids (``CL-0001``) and e-mail addresses identify rows. ``CL-0001`` and the same
text with a zero-width space inside look identical to a person but are different keys, so a key
holding any character that is not printable is refused: control characters, format characters
(zero-width space, non-joiner and joiner, the byte-order mark, bidirectional controls, the soft
hyphen), separators other than the ordinary space, surrogates, private-use and unassigned code
points (exactly the characters for which :meth:`str.isprintable` is false).

Nothing here touches the database.
"""

from __future__ import annotations

import unicodedata
from typing import Final

NUL = "\x00"
NUL_REASON = "contains a NUL character (U+0000), which cannot be stored; remove it"
NORMAL_FORM: Final = "NFC"

#: The longest text each kind of field may hold, in characters after NFC normalisation.
MAX_CHARS: dict[str, int] = {
    "key": 100,           # external ids; the demo's and the samples' are under 20 characters
    "email": 254,         # the longest address SMTP can deliver to (RFC 5321, 4.5.3.1.3, less the brackets)
    "name": 200,          # names of clients, candidates and accounts, role titles, calibration exercises
    "text": 10_000,       # notes, reasons and evidence: several pages of writing
    "password": 1_024,    # far above any passphrase; refused before it is hashed
    # A saved import mapping: ten times the longest worked mapping would be some 40,000; an agency's
    # vocabularies of people and jobs can be long.
    "mapping": 100_000,
}
#: How each kind of field is called in a refusal.
KIND_WORDS: dict[str, str] = {
    "key": "an external id", "email": "an e-mail address", "name": "a name or title",
    "text": "a note, reason or evidence", "password": "a password", "mapping": "a saved mapping",
}
#: What a person is told to do about an invisible character in a key.
INVISIBLE_ADVICE = ("keys and e-mail addresses must be visible text, so that two that look the same are the same; "
                    "remove it")


def nul_problem(field: str, text: str | None) -> str | None:
    """The problem with storing ``text`` in ``field``, or None when it can be stored."""
    if text is not None and NUL in text:
        return f"{field}: {NUL_REASON}"
    return None


def normalised(text: str) -> str:
    """``text`` in Unicode normal form C (how every text is stored).

    Examples
    --------
    >>> normalised("Jose\\u0301") == "Jos\\u00e9"
    True
    """
    return text if text.isascii() else unicodedata.normalize(NORMAL_FORM, text)


def length_reason(kind: str, length: int) -> str | None:
    """Why a text of ``length`` characters is too long for a field of ``kind``, or None.

    Examples
    --------
    >>> length_reason("name", 201)
    'is 201 characters long; a name or title may have at most 200'
    >>> length_reason("name", 200) is None
    True
    """
    if kind not in MAX_CHARS:
        raise ValueError(f"unknown kind of text {kind!r}; valid: {', '.join(MAX_CHARS)}")
    limit = MAX_CHARS[kind]
    if length <= limit:
        return None
    return f"is {length:,} characters long; {KIND_WORDS[kind]} may have at most {limit:,}"


def character_name(character: str) -> str:
    """A character as ``U+200B ZERO WIDTH SPACE`` (code point and Unicode name, when it has one).

    Examples
    --------
    >>> character_name("\\u200b"), character_name("\\x1b")
    ('U+200B ZERO WIDTH SPACE', 'U+001B')
    """
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" {name}" if name else "")


def invisible_reason(key: str) -> str | None:
    """Why ``key`` cannot identify a row (it holds a character that is not printable), or None.

    Examples
    --------
    >>> invisible_reason("CL-0001") is None
    True
    >>> invisible_reason("CL-\\u200b0001").split(";")[0]
    'holds an invisible character, U+200B ZERO WIDTH SPACE, at character 4'
    """
    if key.isprintable():
        return None
    position, character = next((i, c) for i, c in enumerate(key, start=1) if not c.isprintable())
    return f"holds an invisible character, {character_name(character)}, at character {position}; {INVISIBLE_ADVICE}"


def text_problem(field: str, text: str, kind: str) -> str | None:
    """The problem with storing ``text`` (already NFC) in ``field`` of ``kind``, or None.

    A key or e-mail address is also refused for an invisible character.
    """
    problem = nul_problem(field, text)
    if problem:
        return problem
    why = length_reason(kind, len(text))
    if why is None and kind in ("key", "email"):
        why = invisible_reason(text)
    return None if why is None else f"{field}: {why}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal could act on written as its escape (``\\x1b``, ``\\u200b``).

    For output that carries values from files or the database: an ESC sequence in a candidate's name
    must not recolour, move or clear the operator's terminal, nor a newline forge a line of output.

    Examples
    --------
    >>> terminal_safe("clients.csv, row 2: '\\x1b[31mRed' is not a country")
    "clients.csv, row 2: '\\\\x1b[31mRed' is not a country"
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
