"""The file format of skrobust.save and streaming checkpoints: a verified zip archive.

One zip file holds ``manifest.json`` and one ``.npy`` member per array. Three layers of
sha256 make any change to the bytes visible:

* the manifest lists the sha256 (and shape and dtype) of every array member;
* the zip comment, the last bytes of the file, holds the sha256 of ``manifest.json``
  and the sha256 of every byte of the file before the comment (zip headers, the
  central directory and the end record included: zip's own CRCs do not cover its
  timestamps or attributes, and a flip there must not load silently either);
* a trailer that is itself damaged no longer matches its fixed layout.

Nothing here executes what it reads: the manifest is JSON and the arrays are read
with ``allow_pickle=False``. What the manifest's contents mean is the codec's job
(:mod:`skrobust._persistence._codec`); reading an archive back and checking it is
:mod:`skrobust._persistence._verified`'s.
"""

import glob
import hashlib
import io
import json
import os
import re
import socket
import tempfile
import zipfile

import numpy as np

MANIFEST = "manifest.json"
_TRAILER_RE = re.compile(rb"SKROBUST1 manifest=([0-9a-f]{64}) archive=([0-9a-f]{64})")
_TRAILER_LENGTH = len(b"SKROBUST1 manifest= archive=") + 128
# Fixed member timestamps: the same object always gives the same bytes.
_DATE_TIME = (1980, 1, 1, 0, 0, 0)


class FileError(ValueError):
    """A file that cannot be loaded; the message names it and what is wrong."""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def array_bytes(array):
    """``array`` as the bytes of a ``.npy`` file (never a pickle)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def archive_bytes(manifest, members):
    """The bytes of an archive holding ``manifest`` (a JSON-able dict) and ``members``
    (name -> bytes), with the trailer of hashes in the zip comment."""
    manifest_bytes = json.dumps(manifest, indent=1, allow_nan=False).encode("utf-8")
    return _archive_of(manifest_bytes, members)


def _archive_of(manifest_bytes, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Stored, not deflated: members are read (and hashed) straight from the
        # file's bytes, so a damaged member is reported by its hash.
        for name, data in {MANIFEST: manifest_bytes, **members}.items():
            archive.writestr(zipfile.ZipInfo(name, _DATE_TIME), data, zipfile.ZIP_STORED)
        # A placeholder of the trailer's length, so that the end record's comment
        # length is final before the bytes it covers are hashed.
        archive.comment = b"\0" * _TRAILER_LENGTH
    data = buffer.getvalue()
    body = data[:-_TRAILER_LENGTH]
    trailer = b"SKROBUST1 manifest=%s archive=%s" % (
        sha256(manifest_bytes).encode(), sha256(body).encode()
    )
    return body + trailer


def _owner():
    """``<host>.<pid>``: who writes a temp file, in its name."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
    return f"{host}.{os.getpid()}"


_OWNED = re.compile(r"(?P<host>[A-Za-z0-9-]+)\.(?P<pid>[0-9]+)\.[^.]+\.tmp\Z")


def _writer_is_gone(rest):
    """Whether the writer of a temp file (its name after ``.<name>.``) has exited.

    A file named by an owner (``<host>.<pid>.<random>.tmp``) is stale only when
    that owner is this host and no process has its pid: a run starting while
    another process (or another machine sharing the folder) is writing must not
    delete that writer's file. Files without an owner come from skrobust versions
    before owners were named, and count as stale, as they did then.
    """
    match = _OWNED.match(rest)
    if match is None:
        return True
    host, pid = match.group("host"), int(match.group("pid"))
    if host != _owner().split(".")[0] or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError, OverflowError):  # alive (another user's) or unknown
        return False
    return False


def remove_stale_temp_files(path):
    """Remove temp files that a killed write to ``path`` left next to it; those of
    a writer still running (in this process or another) are left alone."""
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    prefix = f".{name}."
    for stale in glob.glob(os.path.join(glob.escape(directory), f"{glob.escape(prefix)}*.tmp")):
        if not _writer_is_gone(os.path.basename(stale)[len(prefix):]):
            continue
        try:
            os.remove(stale)
        except FileNotFoundError:  # removed meanwhile
            pass


def _write_and_sync(file, data):
    file.write(data)
    file.flush()
    os.fsync(file.fileno())


def write_atomically(path, data):
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync and
    ``os.replace`` (atomic on POSIX and Windows): a crash mid-write leaves the old
    file whole, never a torn one."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.{_owner()}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_and_sync(f, data)
        os.replace(tmp, path)
    except BaseException:
        # Also on an interrupt: never leave half-written temp files behind.
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable where the OS allows (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
