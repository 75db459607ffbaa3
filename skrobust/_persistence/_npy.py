"""``.npy`` data read within bounds: the header's declared size is checked first.

``np.load`` allocates what a header declares before it finds the file too short, so
a header that claims shape ``(10**13,)`` ends in a raw ``MemoryError``; a FIFO or a
character device (``/dev/zero``) is read forever. Here the header is parsed from the
open file, its size (shape times item size) compared with the bytes the file really
holds, and only then is anything allocated: at most what the file holds.
"""

import math
import os
import stat

import numpy as np

_MAGIC = b"\x93NUMPY"


def open_regular_file(path, what="file"):
    """``(file object, size)`` of ``path``, opened for reading: a regular file only.

    A FIFO, socket or device is refused before it is opened (opening a FIFO waits
    for a writer; reading ``/dev/zero`` never ends).
    """
    path = os.fspath(path)
    mode = os.stat(path).st_mode  # FileNotFoundError / NotADirectoryError as usual
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, f"{what} is a directory", path)
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path!r} is not a regular file (a pipe, socket or device); "
                         f"a {what} must be a file on disk.")
    f = open(path, "rb")
    size = os.fstat(f.fileno()).st_size
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # replaced meanwhile
        f.close()
        raise ValueError(f"{path!r} is not a regular file.")
    return f, size


def read_header(fp, available, where):
    """``(shape, fortran_order, dtype)`` of the ``.npy`` data at ``fp``'s position.

    ``available`` is the number of bytes from that position to the end of the data:
    the array the header declares must fill it exactly. Raises ValueError naming
    ``where`` for anything else (not a .npy, an object dtype, a size that does not
    match), before any array is allocated.
    """
    start = fp.tell()
    if fp.read(len(_MAGIC)) != _MAGIC:
        raise ValueError(f"{where} is not .npy data (it does not start as one).")
    fp.seek(start)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as err:
        raise ValueError(f"{where} has a damaged .npy header ({err}).") from None
    if dtype.hasobject:
        raise ValueError(f"{where} holds Python objects, not numbers; refused, since "
                         "loading it could run code.")
    declared = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    left = available - (fp.tell() - start)
    if declared != left:
        raise ValueError(
            f"{where} declares an array of shape {tuple(shape)} and dtype {dtype} "
            f"({declared} bytes), but holds {max(left, 0)} bytes of data: it is "
            "truncated, damaged or crafted.")
    return shape, fortran, dtype


def read_npy(path, what=".npy file"):
    """The array in the ``.npy`` file ``path``, its size checked before allocation.

    Never unpickles; memory is the array itself (read in place with ``readinto``).
    """
    f, size = open_regular_file(path, what)
    with f:
        shape, fortran, dtype = read_header(f, size, repr(os.fspath(path)))
        array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        if array.nbytes:
            view = array.reshape(-1, order="A").view(np.uint8)
            if f.readinto(view) != array.nbytes:
                raise ValueError(f"{os.fspath(path)!r} is truncated.")
    return array
