"""Argument types for argparse: a bad value is a one-line usage error (exit 2).

Each function takes the command-line string and returns the parsed value, or raises
``argparse.ArgumentTypeError`` with a message argparse prints after the option name;
an input path that does not exist raises :class:`MissingInputError` instead (exit 1).
"""

import argparse
import os
from pathlib import Path

from skrobust.cli._errors import CommandError


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        name = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None


def positive_int(text):
    """An integer >= 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_int(text):
    """An integer >= 0 (e.g. a seed)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def fraction(text):
    """A number strictly between 0 and 1."""
    value = _number(text, float)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a fraction strictly between 0 and 1, got {text}")
    return value


def n_jobs(text):
    """joblib's n_jobs: a positive count, or -1 for every core (-2 all but one...)."""
    value = _number(text, int)
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must not be 0: give a number of workers (1, 2, ...) or -1 for every core")
    return value


class MissingInputError(CommandError):
    """An input path names nothing, or a folder for a file (or the reverse).

    A problem with the user's files, so exit status 1 like any other (the user
    guide's promise), not a usage error: ``main`` reports it in one line.
    """


def existing_file(text):
    """A path to a file that exists."""
    path = Path(text)
    if not path.exists():
        raise MissingInputError(f"no such file: {text}")
    if path.is_dir():
        raise MissingInputError(f"is a folder, not a file: {text}")
    return path


def existing_dir(text):
    """A path to a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        what = "not a folder" if path.exists() else "no such folder"
        raise MissingInputError(f"{what}: {text}")
    return path


def existing_path(text):
    """A file or a folder that exists (photos may be given either way)."""
    path = Path(text)
    if not path.exists():
        raise MissingInputError(f"no such file or folder: {text}")
    return path


def _check_creatable(path, text):
    """The nearest existing ancestor of ``path`` must be a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{parent} is a file, so {text} cannot be created")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write in {parent} (permission denied)")


def output_dir(text):
    """A folder to write into: an existing folder, or one that can be created."""
    path = Path(text)
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"is a file, not a folder: {text}")
        if not os.access(path, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"cannot write in {text} (permission denied)")
    else:
        _check_creatable(path, text)
    return path


def output_file(text):
    """A file to write: not a folder, in a folder that exists or can be created."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"is a folder, not a file: {text}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"cannot write {text} (permission denied)")
    else:
        _check_creatable(path, text)
    return path


INPUT_TYPES = (existing_file, existing_dir, existing_path)
OUTPUT_TYPES = (output_file, output_dir)


def path_roles(parser):
    """``(inputs, outputs)``: the destinations of ``parser``'s path options, by type.

    The command line's output-is-an-input guard reads them (``_outputs``), so a new
    option is covered by giving it one of these types.
    """
    inputs = [a.dest for a in parser._actions if a.type in INPUT_TYPES]
    outputs = [a.dest for a in parser._actions if a.type in OUTPUT_TYPES]
    return tuple(inputs), tuple(outputs)


def add_model_and_features(parser):
    """The ``--model`` and ``--features`` options of the commands that apply a model."""
    parser.add_argument("--model", required=True, type=existing_file,
                        help="a model saved by skrobust train")
    parser.add_argument("--features", required=True, type=existing_file,
                        metavar="FEATURES.npy", help="photo features, one row per photo")
