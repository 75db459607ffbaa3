"""Reading a skrobust archive back, every byte checked, within bounded memory.

The checks run from the cheapest to the dearest and nothing is read whole before
they pass: the file must be a regular file (a FIFO or ``/dev/zero`` is refused
before it is opened); its last bytes must be skrobust's trailer; the zip directory
is parsed from the end; the members must tile the file from its first byte to the
directory (no prefix or hidden bytes between them); each member's sha256, then the
whole archive's, is computed in fixed-size blocks. An array is read straight into
its own buffer after its ``.npy`` header's declared size was checked against the
member's length, and its sha256 is checked again as it is read. Peak memory is the
largest array returned (plus the manifest) and a constant, whatever the file's size.
"""

import hashlib
import json
import os
import struct
import zipfile

import numpy as np

from skrobust._persistence._archive import _TRAILER_LENGTH, _TRAILER_RE, MANIFEST, FileError
from skrobust._persistence._npy import open_regular_file, read_header

_BLOCK = 1 << 20
# The manifest is JSON read whole: parameters, tag names, small fitted values. A
# model's arrays are members of their own; this bounds what a crafted file can make
# json.loads hold.
MAX_MANIFEST_BYTES = 256 << 20
# NotImplementedError: zipfile's answer to a directory entry whose "version needed
# to extract" byte was damaged into one it does not support ("zip file version 23.5").
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               struct.error, UnicodeDecodeError, NotImplementedError)


def _hash_range(f, start, length):
    """sha256 of ``length`` bytes from ``start``, in blocks; None if cut short."""
    digest = hashlib.sha256()
    f.seek(start)
    left = length
    while left:
        block = f.read(min(_BLOCK, left))
        if not block:
            return None
        digest.update(block)
        left -= len(block)
    return digest.hexdigest()


class VerifiedArchive:
    """An archive whose every byte has been checked against its hashes.

    Parameters
    ----------
    path : str or path-like
        The file; read in blocks, never whole.

    Attributes
    ----------
    path : str
    manifest : dict
        The parsed ``manifest.json``.

    Raises
    ------
    ValueError
        The file is not a regular file, is truncated, not a zip archive, has bytes
        the archive does not account for, misses a member, has one more, or any
        byte differs from what its hashes say; the message names the file and,
        where it can be told, the member and the expected and found hashes.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            f, self._size = open_regular_file(self.path, "skrobust file")
        except ValueError as err:
            raise FileError(str(err)) from None
        with f:
            self._check_layout(f)
            self._verify_members(f)
            found = _hash_range(f, 0, self._size - _TRAILER_LENGTH)
        if found != self._archive_hash:
            # Every member matched its hash, so the damage is in the zip's own
            # headers (names, timestamps, attributes, the central directory).
            self.fail(
                f"has damaged zip headers: the archive's sha256 is {found}, expected "
                f"{self._archive_hash}"
            )

    def fail(self, what):
        raise FileError(f"{self.path!r} {what}.")

    def _check_layout(self, f):
        if self._size < _TRAILER_LENGTH + 22:  # 22: the smallest zip end record
            self.fail(
                f"is only {self._size} bytes long: it is truncated or is not a file "
                "written by skrobust"
            )
        f.seek(self._size - _TRAILER_LENGTH)
        match = _TRAILER_RE.fullmatch(f.read(_TRAILER_LENGTH))
        if match is None:
            self.fail(
                "does not end with skrobust's trailer of hashes: it is truncated, was "
                "appended to or damaged at its end, or is not a file written by "
                "skrobust.save or fit_stream"
            )
        self._manifest_hash, self._archive_hash = (h.decode() for h in match.groups())
        try:
            # Parses the end record and the central directory only.
            with zipfile.ZipFile(f) as archive:
                infos, directory = archive.infolist(), archive.start_dir
        except _ZIP_ERRORS as err:
            self.fail(f"is not a readable zip archive ({err}); it is damaged or truncated")
        self._infos = {info.filename: info for info in infos}
        if len(self._infos) != len(infos):
            self.fail("holds the same member name twice")
        self._starts = {}
        end = 0  # the members must follow each other from byte 0 to the directory
        for info in sorted(infos, key=lambda info: info.header_offset):
            if info.header_offset != end:
                self.fail(
                    f"holds {info.header_offset - end} bytes before member "
                    f"{info.filename!r} that belong to no member: it was altered, or "
                    "is not a file written by skrobust" if info.header_offset > end else
                    f"is damaged: member {info.filename!r} overlaps the one before it"
                )
            if (info.compress_type != zipfile.ZIP_STORED
                    or info.compress_size != info.file_size):
                self.fail(f"has a compressed member {info.filename!r}; skrobust stores "
                          "members uncompressed")
            f.seek(info.header_offset)
            header = f.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                self.fail(f"is damaged: the zip header of member {info.filename!r} is "
                          "not where the archive's directory says")
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            self._starts[info.filename] = info.header_offset + 30 + name_length + extra_length
            end = self._starts[info.filename] + info.compress_size
        if end != directory:
            self.fail("is damaged or altered: its members do not end where its zip "
                      "directory starts")

    def _member_hash(self, f, name):
        found = _hash_range(f, self._starts[name], self._infos[name].compress_size)
        if found is None:
            self.fail(f"is truncated: member {name!r} is cut short")
        return found

    def _verify_members(self, f):
        names = list(self._infos)
        if MANIFEST not in names:
            self.fail(f"has no {MANIFEST} member")
        size = self._infos[MANIFEST].compress_size
        if size > MAX_MANIFEST_BYTES:
            self.fail(f"has a {MANIFEST} of {size} bytes, more than the "
                      f"{MAX_MANIFEST_BYTES} a skrobust file holds")
        f.seek(self._starts[MANIFEST])
        manifest_bytes = f.read(size)
        found = hashlib.sha256(manifest_bytes).hexdigest()
        if found != self._manifest_hash:
            self.fail(f"is damaged: member {MANIFEST!r} has sha256 {found}, expected "
                      f"{self._manifest_hash}")
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"),
                                  parse_constant=self._no_constant)
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
            found = self._member_hash(f, name)
            if found != entry["sha256"]:
                self.fail(
                    f"is damaged: member {name!r} has sha256 {found}, expected "
                    f"{entry['sha256']}"
                )

    def _no_constant(self, token):
        # json.loads accepts NaN, Infinity and -Infinity, which JSON does not have
        # and skrobust.save never writes (allow_nan=False).
        self.fail(f"has a {MANIFEST} with the bare token {token}, which is not JSON")

    def array(self, name):
        """The array stored as member ``name``, checked against the manifest's shape
        and dtype and, as it is read, against its sha256; never unpickled."""
        entry = self.manifest["arrays"].get(name) if isinstance(name, str) else None
        if entry is None:
            self.fail(f"refers to an array {name!r} its manifest does not list")
        try:
            f, _ = open_regular_file(self.path, "skrobust file")
        except (ValueError, OSError) as err:
            self.fail(f"cannot be read again ({err})")
        with f:
            start, length = self._starts[name], self._infos[name].compress_size
            f.seek(start)
            try:
                shape, fortran, dtype = read_header(f, length, f"member {name!r}")
            except ValueError as err:
                self.fail(f"has a member {name!r} that is not a plain .npy array ({err})")
            header_length = f.tell() - start
            if list(shape) != entry.get("shape") or dtype.str != entry.get("dtype"):
                self.fail(
                    f"has a member {name!r} of shape {list(shape)} and dtype "
                    f"{dtype.str}; its manifest says shape {entry.get('shape')} and "
                    f"dtype {entry.get('dtype')}"
                )
            digest = hashlib.sha256()
            f.seek(start)
            digest.update(f.read(header_length))
            array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
            raw = array.reshape(-1, order="A").view(np.uint8)
            if f.readinto(raw) != array.nbytes:
                self.fail(f"is truncated: member {name!r} is cut short")
            digest.update(raw)
        if digest.hexdigest() != entry["sha256"]:
            self.fail(f"changed while it was read: member {name!r} no longer has the "
                      "sha256 its manifest lists")
        return array
