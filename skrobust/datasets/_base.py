"""Helpers shared by the data loaders: where the data lives, and strict readers
that name the file and line of anything malformed."""

import os
import warnings
from pathlib import Path

import numpy as np


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


def require_file(path):
    """``path`` as a Path, or FileNotFoundError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"required data file not found: {str(path)!r}")
    return path


def read_lines(path, encoding="utf-8"):
    """All lines of a text file without their line endings (LF or CRLF)."""
    with open(require_file(path), encoding=encoding, newline=None) as f:
        return f.read().splitlines()


def parse_int_matrix(
    text, n_cols, source, allowed=None, dtype=np.int8, first_line=1, on_invalid="raise"
):
    """Whitespace-separated integers, ``n_cols`` per line, as an array.

    Vectorised for the normal case (one ``np.array(text.split())`` pass, no
    Python loop per line); only when the shape or a value is wrong does it look
    line by line, to name the offending ``source`` file and line.

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
        What to do with a value outside ``allowed`` (or ``dtype``): raise a
        ValueError naming file, line and value, or set it to 0 with a warning
        that names each one.
    """
    lines = text.splitlines()
    # A final newline is normal; a blank line elsewhere is a defect we report.
    while lines and not lines[-1].strip():
        lines.pop()
    tokens = text.split()
    if len(tokens) != n_cols * len(lines):
        for i, line in enumerate(lines):
            if len(line.split()) != n_cols:
                raise ValueError(
                    f"{source}, line {i + first_line}: expected {n_cols} values, found "
                    f"{len(line.split())}: {line[:80]!r}"
                )
    try:
        values = np.array(tokens, dtype=np.int64)
    except (ValueError, OverflowError):
        values = None
    if values is None:
        for i, line in enumerate(lines):
            for tok in line.split():
                try:
                    int(tok)
                except ValueError:
                    raise ValueError(
                        f"{source}, line {i + first_line}: not an integer: {tok!r}"
                    ) from None
    values = values.reshape(len(lines), n_cols)
    info = np.iinfo(dtype)
    if allowed is not None:
        bad = ~np.isin(values, allowed)
        what = f"one of {list(allowed)}"
    else:
        bad = (values < info.min) | (values > info.max)
        what = f"within [{info.min}, {info.max}]"
    if bad.any():
        where = [
            f"line {r + first_line}, column {c + 1}: {values[r, c]}"
            for r, c in np.argwhere(bad)[:10]
        ]
        if on_invalid != "zero":
            raise ValueError(
                f"{source}, {where[0]} is not {what} ({int(bad.sum())} such value(s) "
                "in the file)."
            )
        warnings.warn(
            f"{source}: {int(bad.sum())} value(s) not {what} set to 0 "
            f"(on_invalid='zero'): {'; '.join(where)}",
            stacklevel=3,
        )
        values = np.where(bad, 0, values)
    return values.astype(dtype)


_BINARY_BYTES = np.zeros(256, dtype=bool)
_BINARY_BYTES[list(b"01 \t\r\n")] = True


def parse_binary_matrix(data, n_cols, source, on_invalid="raise", first_line=1):
    """A text matrix of single-character 0/1 values, as int8, from ``bytes``.

    A vectorised byte scan (no Python work per value), for the large 0/1 files
    (NUS-WIDE: 81 x 269,648 label lines, 269,648 x 1000 tag indicators). Anything
    unusual (another character, two digits run together, a wrong count per
    line) falls back to :func:`parse_int_matrix`, which names the file and line.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    digit = (buf == ord("0")) | (buf == ord("1"))
    newline = buf == ord("\n")
    regular = _BINARY_BYTES[buf].all() and not (digit[1:] & digit[:-1]).any()
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
    text = data.decode("utf-8", errors="replace")
    return parse_int_matrix(
        text, n_cols, source, allowed=(0, 1), first_line=first_line,
        on_invalid=on_invalid,
    )
