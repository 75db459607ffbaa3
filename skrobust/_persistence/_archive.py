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
(:mod:`skrobust._persistence._codec`).
"""

import glob
import hashlib
import io
import json
import os
import re
import struct
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


def remove_stale_temp_files(path):
    """Remove temp files that a killed write to ``path`` left next to it."""
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    for stale in glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(name)}.*.tmp")):
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
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
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


class VerifiedArchive:
    """An archive whose every byte has been checked against its hashes.

    Parameters
    ----------
    path : str or path-like
        The file, read whole.

    Attributes
    ----------
    path : str
    manifest : dict
        The parsed ``manifest.json``.

    Raises
    ------
    ValueError
        The file is truncated, not a zip archive, misses a member, has one more,
        or any byte differs from what its hashes say; the message names the file
        and, where it can be told, the member and the expected and found hashes.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            data = f.read()
        if len(data) < _TRAILER_LENGTH + 22:  # 22: the smallest zip end record
            self.fail(
                f"is only {len(data)} bytes long: it is truncated or is not a file "
                "written by skrobust"
            )
        match = _TRAILER_RE.fullmatch(data[-_TRAILER_LENGTH:])
        if match is None:
            self.fail(
                "does not end with skrobust's trailer of hashes: it is truncated, was "
                "appended to or damaged at its end, or is not a file written by "
                "skrobust.save or fit_stream"
            )
        manifest_hash, archive_hash = (h.decode() for h in match.groups())
        self._data = data
        try:
            # The zip module parses the central directory only; members are read
            # from the bytes below, where their hashes are checked.
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
            self.fail(f"is not a readable zip archive ({err}); it is damaged or truncated")
        self._infos = {info.filename: info for info in infos}
        if len(self._infos) != len(infos):
            self.fail("holds the same member name twice")
        self._verify_members(manifest_hash)
        found = sha256(data[:-_TRAILER_LENGTH])
        if found != archive_hash:
            # Every member matched its hash, so the damage is in the zip's own
            # headers (names, timestamps, attributes, the central directory).
            self.fail(
                f"has damaged zip headers: the archive's sha256 is {found}, expected "
                f"{archive_hash}"
            )

    def fail(self, what):
        raise FileError(f"{self.path!r} {what}.")

    def _member_bytes(self, name):
        """The bytes of member ``name``, read at its local header's offset."""
        info = self._infos[name]
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            self.fail(f"has a compressed member {name!r}; skrobust stores members uncompressed")
        offset = info.header_offset
        header = self._data[offset : offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            self.fail(
                f"is damaged: the zip header of member {name!r} is not where the "
                "archive's directory says"
            )
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_length + extra_length
        data = self._data[start : start + info.compress_size]
        if len(data) != info.compress_size:
            self.fail(f"is truncated: member {name!r} is cut short")
        return data

    def _verify_members(self, manifest_hash):
        names = list(self._infos)
        if MANIFEST not in names:
            self.fail(f"has no {MANIFEST} member")
        manifest_bytes = self._member_bytes(MANIFEST)
        found = sha256(manifest_bytes)
        if found != manifest_hash:
            self.fail(
                f"is damaged: member {MANIFEST!r} has sha256 {found}, expected {manifest_hash}"
            )
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            self.fail(f"has a {MANIFEST} that is not valid JSON ({err})")
        if not isinstance(manifest, dict) or not isinstance(manifest.get("arrays"), dict):
            self.fail(f"has a {MANIFEST} without its table of arrays")
        self.manifest = manifest
        arrays = manifest["arrays"]
        unexpected = sorted(set(names) - set(arrays) - {MANIFEST})
        if unexpected:
            self.fail(
                f"is damaged or altered: it holds members its manifest does not list: "
                f"{unexpected}"
            )
        for name, entry in arrays.items():
            if name not in names:
                self.fail(
                    f"is damaged or altered: it has no member {name!r}, which its "
                    "manifest lists"
                )
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
                self.fail(f"has a manifest entry for {name!r} without a sha256")
            found = sha256(self._member_bytes(name))
            if found != entry["sha256"]:
                self.fail(
                    f"is damaged: member {name!r} has sha256 {found}, expected "
                    f"{entry['sha256']}"
                )

    def array(self, name):
        """The array stored as member ``name``, checked against the manifest's shape
        and dtype; read with ``allow_pickle=False``."""
        entry = self.manifest["arrays"].get(name)
        if entry is None:
            self.fail(f"refers to an array {name!r} its manifest does not list")
        try:
            array = np.lib.format.read_array(
                io.BytesIO(self._member_bytes(name)), allow_pickle=False
            )
        except ValueError as err:  # pickled (object) data, a bad header
            self.fail(f"has a member {name!r} that is not a plain .npy array ({err})")
        if list(array.shape) != entry.get("shape") or array.dtype.str != entry.get("dtype"):
            self.fail(
                f"has a member {name!r} of shape {list(array.shape)} and dtype "
                f"{array.dtype.str}; its manifest says shape {entry.get('shape')} and "
                f"dtype {entry.get('dtype')}"
            )
        return array
