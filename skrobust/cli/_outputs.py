"""Where commands write: never over a user's files without ``--overwrite``.

Files are written to a temporary name in the same folder and renamed into place,
so an interrupted run never leaves a half-written output under the final name.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from skrobust.cli._errors import CommandError


def _non_empty(path):
    return path.is_dir() and any(path.iterdir())


def prepare_output_dir(path, overwrite, numbered=False):
    """Create the output folder; an existing non-empty one needs ``overwrite``.

    With ``numbered`` (the default folder, not one the user named), a non-empty
    folder is left alone and the first free ``<name>_2``, ``<name>_3``, ... is used.
    Returns the folder written to.
    """
    path = Path(path)
    if _non_empty(path) and not overwrite:
        if not numbered:
            raise CommandError(
                f"output folder {path} is not empty: pass --overwrite to replace "
                "the files in it, or choose another --output")
        n = 2
        while _non_empty(path.with_name(f"{path.name}_{n}")):
            n += 1
        path = path.with_name(f"{path.name}_{n}")
    _mkdir(path)
    return path


def _mkdir(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the folder {path}: "
                           f"{exc.strerror or exc}") from exc


def check_output_file(path, overwrite):
    """Refuse to replace an existing file unless ``overwrite``; create its folder."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise CommandError(f"{path} exists: pass --overwrite to replace it, or choose "
                           "another --output")
    _mkdir(path.parent)
    return path


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path, text):
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def photo_list_path(features_path):
    """The sidecar naming the photo of each feature row: ``features.photos.txt``."""
    features_path = Path(features_path)
    return features_path.with_name(f"{features_path.stem}.photos.txt")


def tag_list_path(model_path):
    """The sidecar naming the model's tags, for a model without ``tag_names_``."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.name}.tags.txt")
