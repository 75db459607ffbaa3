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


def _same(a, b):
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one does not exist (or cannot be looked at)
        return False


def _inside(path, folder):
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):  # a symlink loop: not something we write into
        return False


def _read_by(path):
    """What a command reads for an input: the path and the sidecars it may read."""
    path = Path(path)
    return [path, photo_list_path(path), tag_list_path(path)]


def _written_by(path):
    """``(files, folders)`` a command may replace or delete when it writes ``path``.

    The output itself and the sidecars the commands write next to it (the photo
    list, the skipped list, the tag list), and featurize's partial-work folder.
    """
    path = Path(path)
    files = [path, photo_list_path(path), tag_list_path(path),
             path.with_name(f"{path.stem}.skipped.txt")]
    return files, [path.with_name(f"{path.stem}.partial")]


def _values(args, dests):
    for dest in dests:
        value = getattr(args, dest, None)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                yield dest, Path(item)


def refuse_outputs_that_are_inputs(args):
    """An output that is one of the command's inputs would destroy it: refuse.

    As ``cp a a`` does, by ``os.path.samefile`` (so also through symbolic and hard
    links), with or without ``--overwrite``. The command's path options are found by
    their argparse types (``args.path_roles``, set by the parser); a sidecar the
    command writes next to an output (``.photos.txt``, ``.tags.txt``,
    ``.skipped.txt``) counts as written, one it reads next to an input as read, and
    an input inside the ``.partial/`` folder featurize deletes as destroyed.
    """
    inputs, outputs = getattr(args, "path_roles", ((), ()))
    read = [(dest, path) for dest, given in _values(args, inputs)
            for path in _read_by(given) if path.exists()]
    for out_dest, output in _values(args, outputs):
        files, folders = _written_by(output)
        for _, path in read:
            if any(_same(path, written) for written in files):
                raise CommandError(
                    f"the output {output} and the input {path} are the same file: "
                    "writing one would destroy the other; choose another "
                    f"--{out_dest.replace('_', '-')}")
            if any(_inside(path, folder) for folder in folders if folder.is_dir()):
                raise CommandError(
                    f"the input {path} is inside {folders[0]}, the folder of partial "
                    f"work that --{out_dest.replace('_', '-')} {output} discards; "
                    "move it out first")


def _missing_chain(path):
    """``path`` and its ancestors that do not exist yet, deepest first."""
    chain = []
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        chain.append(path)
        path = path.parent
    return chain


@contextmanager
def removing_new_folders_on_failure(args):
    """Run the block; if it fails, remove the output folders it created (empty).

    A command that stops on a bad input or option must not leave behind the folder
    of its ``--output`` (``newdir/sub/`` of ``newdir/sub/model.skrobust``, the
    ``--output D`` of demo), which it made before reading anything. Only folders
    that did not exist before and are empty are removed.
    """
    _, outputs = getattr(args, "path_roles", ((), ()))
    new = [folder for _, path in _values(args, outputs) for folder in _missing_chain(path)]
    try:
        yield
    except BaseException:
        for folder in sorted(set(new), key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()  # only if it is an empty folder
            except OSError:
                pass
        raise


def photo_list_path(features_path):
    """The sidecar naming the photo of each feature row: ``features.photos.txt``."""
    features_path = Path(features_path)
    return features_path.with_name(f"{features_path.stem}.photos.txt")


def tag_list_path(model_path):
    """The sidecar naming the model's tags, for a model without ``tag_names_``."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.name}.tags.txt")
