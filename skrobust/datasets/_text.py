"""Strict reading for the data loaders: lines split on ``"\\n"`` only, bytes
decoded strictly, archive damage reported, and every error located by file, line
and column.

Why not the standard tools: ``str.splitlines()`` and text-mode files also break
lines at ``"\\r"``, U+2028, ``"\\x85"``, ``"\\x0c"`` and more, so one such character
inside a tag shifts every later line; ``errors="replace"`` hides corruption; and a
raw ``UnicodeDecodeError`` or ``BadZipFile`` names neither the file nor the line.
"""

import lzma
import re
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

#: What a damaged or truncated archive or compressed stream raises while it is read
#: (gzip.BadGzipFile and bz2's "Invalid data stream" are OSErrors).
ARCHIVE_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, OSError)
# OSErrors that are about the path, not the content: they already name the file.
_PATH_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def located_error(source, message, line=None, column=None):
    """A ValueError saying where: ``"<source>, line L, column C: <message>"``.

    ``line`` is 1-based. ``column`` is 1-based too: the field number in files of
    separated values, the character number in errors about the text itself
    (encoding); either part is left out when unknown.
    """
    where = str(source)
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    return ValueError(f"{where}: {message}")


def split_lines(text):
    """Lines of ``text``, split at ``"\\n"`` only; a ``"\\r"`` before it is dropped.

    A final newline does not start another line. Any other character, U+2028 and
    ``"\\x0c"`` included, stays inside its line.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


def decode(data, source, *, encoding="utf-8", first_line=1):
    """``data`` (bytes) decoded strictly; a ValueError names the line and column
    of the first byte that does not decode.

    At the start of a file (``first_line == 1``) a UTF-8 byte-order mark is
    dropped and a UTF-16/32 one refused (save the file as UTF-8). A NUL character
    (UTF-16 text without a byte-order mark reads as one in every other byte) and a
    carriage return not followed by a line feed (old Mac line ends: two lines that
    would read as one) are refused with their line and column.
    """
    if first_line == 1:
        _refuse_other_encodings(data[:4], source)
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + first_line
        line_start = data.rfind(b"\n", 0, err.start) + 1
        raise _undecodable(source, data[line_start:err.end], err, line) from None
    check_controls(text, source, first_line)
    return text


UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
               (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_LONE_CR = re.compile(r"\r(?!\n)")
#: The longest line a streaming reader reads (a file without line ends, or a 2 GB
#: run of NUL bytes, is refused after this much, not held whole).
MAX_LINE_BYTES = 16 << 20


def _refuse_other_encodings(head, source):
    for bom, name in _OTHER_BOMS:
        if head.startswith(bom):
            raise located_error(source, f"the file is {name} text (it starts with a "
                                f"{name} byte-order mark); save it as UTF-8.",
                                line=1, column=1)


def check_controls(text, source, first_line=1):
    """Refuse NUL characters and lone carriage returns in ``text``, by line and
    column (``first_line`` is the number of ``text``'s first line)."""
    nul = text.find("\x00")
    cr = _LONE_CR.search(text) if "\r" in text else None
    positions = [i for i in (nul, cr.start() if cr else -1) if i >= 0]
    if not positions:
        return
    i = min(positions)
    line = text.count("\n", 0, i) + first_line
    column = i - (text.rfind("\n", 0, i) + 1) + 1
    if text[i] == "\x00":
        what = ("a NUL character, which text never holds (UTF-16 text without a "
                "byte-order mark? save the file as UTF-8)")
    else:
        what = ("a carriage return not followed by a line feed (old Mac line ends?): "
                "lines end with \\n or \\r\\n")
    raise located_error(source, what, line=line, column=column)


def _undecodable(source, line_bytes, err, line):
    """The error for an undecodable byte; ``line_bytes`` runs from the start of
    its line to the end of the bad bytes."""
    n_bad = err.end - err.start
    prefix = line_bytes[: len(line_bytes) - n_bad]
    column = len(prefix.decode(err.encoding, errors="replace")) + 1
    bad = line_bytes[len(line_bytes) - n_bad:]
    return located_error(
        source,
        f"{bad!r} is not valid {err.encoding} text ({err.reason}); the file must be "
        f"{err.encoding}-encoded.",
        line=line,
        column=column,
    )


def unique_names(lines, source, *, kind="name", no_comma=False):
    """``lines`` as one name each, unique, blank lines allowed only at the end.

    The vocabulary files of MIRFLICKR (``TagList.txt``) and NUS-WIDE (concept and
    tag lists) share this shape; an error names the file and line. ``kind`` is the
    word the messages use ("tag"), ``no_comma`` also refuses commas.
    """
    names = list(lines)
    while names and not names[-1]:
        names.pop()
    rules = "no comma, no whitespace" if no_comma else "no whitespace"
    label = "" if kind == "name" else f"{kind} "
    first_seen = {}
    for i, name in enumerate(names):
        if not name or (no_comma and "," in name) or any(c.isspace() for c in name):
            raise located_error(source, f"expected one {kind} ({rules}), got {name!r}",
                                line=i + 1, column=1)
        if name in first_seen:
            raise located_error(
                source, f"{label}{name!r} again (first on line {first_seen[name]}).",
                line=i + 1, column=1,
            )
        first_seen[name] = i + 1
    return names


def require_file(path):
    """``path`` as a Path, or FileNotFoundError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"required data file not found: {str(path)!r}")
    return path


def read_text(path, *, encoding="utf-8"):
    """The whole file ``path`` decoded strictly (see :func:`decode`)."""
    path = require_file(path)
    return decode(path.read_bytes(), str(path), encoding=encoding)


def read_lines(path, *, encoding="utf-8"):
    """The lines of the file ``path`` (line ``i + 1`` at index ``i``), decoded
    strictly and split at ``"\\n"`` only (see :func:`split_lines`)."""
    return split_lines(read_text(path, encoding=encoding))


def iter_lines(binary, source, *, encoding="utf-8", first_line=1, max_line_bytes=None):
    """Yield ``(line_number, line)`` from a binary file object, one line at a time.

    Lines are split at ``b"\\n"`` only and decoded strictly; line endings (LF or
    CRLF) are removed. Undecodable bytes, NUL characters, lone carriage returns,
    a UTF-16 file, a line longer than ``max_line_bytes`` (read no further: memory
    stays bounded whatever the file), and a truncated or damaged compressed stream
    (gzip, bz2, xz, zip member), raise a ValueError naming ``source`` and the line.
    A UTF-8 byte-order mark at the start is dropped. ``max_line_bytes`` defaults
    to :data:`MAX_LINE_BYTES`.
    """
    max_line_bytes = MAX_LINE_BYTES if max_line_bytes is None else max_line_bytes
    lineno = first_line - 1
    while True:
        try:
            raw = binary.readline(max_line_bytes + 1)
        except _PATH_ERRORS:
            raise
        except ARCHIVE_ERRORS as err:
            raise ValueError(
                f"{source}: damaged or truncated data after line {lineno} "
                f"({type(err).__name__}: {err})."
            ) from err
        if not raw:
            return
        lineno += 1
        if lineno == 1:
            _refuse_other_encodings(raw[:4], source)
            if raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM):]
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        elif len(raw) > max_line_bytes:
            raise located_error(source, f"the line is longer than {max_line_bytes} "
                                "bytes: not a text file of lines?", line=lineno)
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as err:
            raise _undecodable(source, raw[: err.end], err, lineno) from None
        if "\x00" in line or "\r" in line:
            check_controls(line, source, lineno)
        yield lineno, line


@contextmanager
def archive_errors(source, also=()):
    """Turn the errors of a damaged archive read inside the block into a
    ValueError naming ``source`` (the archive, and its member if known).

    ``also``: more exception types to wrap, e.g. ValueError from a damaged
    ``.npy`` header inside an ``.npz``. Errors about the path itself (missing,
    not permitted) pass unchanged: they name the file already.
    """
    try:
        yield
    except _PATH_ERRORS:
        raise
    except (*ARCHIVE_ERRORS, *also) as err:
        raise ValueError(
            f"{source}: damaged or truncated file ({type(err).__name__}: {err})."
        ) from err


def damaged_zip_member(path):
    """The name of the first member of the zip file ``path`` that cannot be read
    back intact, or None (all intact, or no member list to tell)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                try:
                    zf.read(name)  # checks the member's CRC-32
                except ARCHIVE_ERRORS:
                    return name
    except ARCHIVE_ERRORS:
        return None
    return None


def check_on_invalid(on_invalid):
    """Validate a loader's ``on_invalid`` argument."""
    if on_invalid not in ("raise", "zero"):
        raise ValueError(f"on_invalid must be 'raise' or 'zero', got {on_invalid!r}.")


def report_invalid(source, cells, total, what, on_invalid, stacklevel=3):
    """Raise for, or warn about, values that parse but are not allowed.

    ``on_invalid`` is the loaders' one repair switch: with "raise" a ValueError
    names the first cell; with "zero" the caller sets the cells to 0 and a
    warning names up to ten of them.

    Parameters
    ----------
    source : str
        File name for the messages.
    cells : list of (line, column, value)
        The first invalid cells (up to ten are shown).
    total : int
        How many invalid cells the file has.
    what : str
        What a valid value is, e.g. "one of [0, 1]" or "finite".
    on_invalid : {"raise", "zero"}
    """
    line, column, value = cells[0]
    if on_invalid != "zero":
        raise located_error(
            source,
            f"{value} is not {what} ({total} such value(s) in the file; "
            "on_invalid='zero' reads them as 0).",
            line=line,
            column=column,
        )
    where = "; ".join(f"line {r}, column {c}: {v}" for r, c, v in cells[:10])
    warnings.warn(
        f"{source}: {total} value(s) not {what} set to 0 (on_invalid='zero'): {where}",
        stacklevel=stacklevel + 1,
    )
