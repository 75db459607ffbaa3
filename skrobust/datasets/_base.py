"""Helpers shared by the data loaders: where the data lives, and strict parsers
of integer matrices that name the file, line and column of anything malformed.

The text primitives (strict decoding, splitting lines, located errors) are in
:mod:`skrobust.datasets._text`.
"""

import os
import re
from pathlib import Path

import numpy as np

from skrobust.datasets._text import (
    decode,
    located_error,
    report_invalid,
    require_file,
    split_lines,
)

__all__ = [
    "DECIMAL",
    "NON_FINITE",
    "PLAIN_INT",
    "is_number",
    "parse_binary_matrix",
    "parse_int_matrix",
    "require_file",
    "resolve_data_dir",
    "split_fields",
]


def resolve_data_dir(data_home, env_var, what):
    """The data directory: ``data_home`` if given, else ``$env_var``.

    Nothing is hard-coded: a loader that finds neither says how to give the path.
    """
    if data_home is None:
        data_home = os.environ.get(env_var) or None
    if data_home is None:
        raise ValueError(
            f"Where is {what}? Pass data_home=<directory> or set the environment "
            f"variable {env_var}."
        )
    path = Path(data_home).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{what}: no such directory: {str(path)!r}")
    return path


# The number syntax of the text formats. int() and float() would also take "01"
# (for an integer), "1_000", "+1", " 1" and non-ASCII digits.
#: A plain decimal integer: ASCII digits, an optional leading "-", no leading zero.
PLAIN_INT = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
#: A decimal number, as a pattern to embed (no anchors).
DECIMAL = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
#: Non-finite values written out: well formed, but only on_invalid="zero" takes them.
NON_FINITE = re.compile(r"[-+]?(?:nan|inf|infinity)\Z", re.IGNORECASE)


def is_number(token):
    """True if ``token`` is a decimal number or a written-out nan/inf."""
    return bool(re.fullmatch(DECIMAL, token) or NON_FINITE.match(token))
# Whitespace other than space and tab (and "\r" before "\n"): str.split() would
# treat it as a separator, the formats do not.
_OTHER_SPACE = re.compile(r"[^\S \t\n\r]|\r(?!\n|\Z)")
_SEPARATORS = re.compile(r"[ \t]+")


def split_fields(line, plain_spacing=False):
    """The fields of a line of values separated by spaces and tabs (only).

    ``plain_spacing=True`` says the text has no other whitespace, so the fast
    ``str.split`` gives the same answer.
    """
    if plain_spacing:
        return line.split()
    line = line.strip(" \t")
    return _SEPARATORS.split(line) if line else []


def parse_int_matrix(
    text, n_cols, source, allowed=None, dtype=np.int8, first_line=1, on_invalid="raise"
):
    """Integers separated by spaces or tabs, ``n_cols`` per line, as an array.

    Every line is checked: its number of values, and each value's syntax (a plain
    decimal integer: ``01``, ``1_0``, ``+1`` or ``1.0`` are errors). Blank lines at
    the end are ignored; a blank line elsewhere is an error.

    Parameters
    ----------
    text : str
        The file's content.
    n_cols : int
        Values expected on every line.
    source : str
        File name used in error messages.
    allowed : tuple of int or None
        When given, every value must be one of these.
    dtype : numpy dtype
        dtype of the result (values are range-checked against it).
    first_line : int
        Number of the first line of ``text`` in ``source`` (for messages).
    on_invalid : {"raise", "zero"}
        What to do with a well-formed value outside ``allowed`` (or ``dtype``):
        raise a ValueError naming file, line, column and value, or set it to 0
        with a warning that names each one. Malformed lines always raise.
    """
    lines = split_lines(text)
    while lines and not lines[-1].strip(" \t"):
        lines.pop()
    plain = _OTHER_SPACE.search(text) is None
    rows = [split_fields(line, plain) for line in lines]
    for i, fields in enumerate(rows):
        if len(fields) != n_cols:
            raise _count_error(source, i + first_line, len(fields), n_cols, lines[i])
    distinct = set().union(*rows) if rows else set()
    malformed = {tok for tok in distinct if not PLAIN_INT.match(tok)}
    if malformed:
        raise _first_malformed(source, rows, malformed, first_line)
    try:
        values = np.array([tok for fields in rows for tok in fields], dtype=np.int64)
    except OverflowError:
        big = {tok for tok in distinct if not -(2**63) <= int(tok) < 2**63}
        raise _first_malformed(source, rows, big, first_line, "too large") from None
    values = values.reshape(len(rows), n_cols)
    if allowed is not None:
        bad = ~np.isin(values, allowed)
        what = f"one of {list(allowed)}"
    else:
        info = np.iinfo(dtype)
        bad = (values < info.min) | (values > info.max)
        what = f"within [{info.min}, {info.max}]"
    if bad.any():
        cells = [
            (int(r) + first_line, int(c) + 1, int(values[r, c]))
            for r, c in np.argwhere(bad)[:10]
        ]
        report_invalid(source, cells, int(bad.sum()), what, on_invalid)
        values = np.where(bad, 0, values)
    return values.astype(dtype)


def _count_error(source, line, found, expected, text):
    where = "is missing" if found < expected else "is extra"
    column = min(found, expected) + 1
    return located_error(
        source,
        f"expected {expected} values, found {found} (column {column} {where}): "
        f"{text[:80]!r}",
        line=line,
    )


def _first_malformed(source, rows, tokens, first_line, why=None):
    for i, fields in enumerate(rows):
        for j, tok in enumerate(fields):
            if tok in tokens:
                if why is None:
                    digits = tok.lstrip("-")
                    why = "a leading zero: two values run together?" if (
                        len(digits) > 1 and digits[0] == "0" and digits.isascii()
                        and digits.isdigit()
                    ) else "plain decimal digits expected"
                return located_error(
                    source, f"not an integer: {tok!r} ({why})",
                    line=i + first_line, column=j + 1,
                )
    raise AssertionError("unreachable: the token came from these rows")


_BINARY_BYTES = np.zeros(256, dtype=bool)
_BINARY_BYTES[list(b"01 \t\r\n")] = True


def parse_binary_matrix(data, n_cols, source, on_invalid="raise", first_line=1):
    """A text matrix of single-character 0/1 values, as int8, from ``bytes``.

    A vectorised byte scan (no Python work per value), for the large 0/1 files
    (NUS-WIDE: 81 x 269,648 label lines, 269,648 x 1000 tag indicators). Anything
    unusual (another character, two digits run together, a "\\r" not ending a
    line, a wrong count per line) falls back to :func:`parse_int_matrix`, which
    names the file, line and column.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    digit = (buf == ord("0")) | (buf == ord("1"))
    newline = buf == ord("\n")
    # A "\r" must end a line (CRLF), or the file.
    lone_cr = (buf[:-1] == ord("\r")) & ~newline[1:]
    regular = (
        _BINARY_BYTES[buf].all()
        and not (digit[1:] & digit[:-1]).any()
        and not lone_cr.any()
    )
    if regular:
        values = buf[digit] - ord("0")
        # Digits per line: count digits between newlines (a last line may lack one).
        ends = np.flatnonzero(newline)
        if len(buf) and not newline[-1]:
            ends = np.append(ends, len(buf) - 1)
        per_line = np.diff(np.concatenate([[0], np.cumsum(digit)[ends]]))
        # Trailing blank lines are fine; any other count sends us to the slow path.
        nonblank = np.flatnonzero(per_line)
        last = nonblank[-1] + 1 if len(nonblank) else 0
        if (per_line[:last] == n_cols).all():
            return values.astype(np.int8).reshape(last, n_cols)
    text = decode(data, source, first_line=first_line)
    return parse_int_matrix(
        text, n_cols, source, allowed=(0, 1), first_line=first_line,
        on_invalid=on_invalid,
    )
