"""The clean labels of ``skrobust train --clean-labels``: photos a person checked, and
for which tags.

Format (also in ``skrobust train --help`` and the user guide): UTF-8 text, ``#``
starts a comment line.

* ``checked: TAG TAG ...`` (one or more such lines): the tags the person checked on
  every listed photo. Only these are calibrated; the model's other tags keep their
  uncalibrated probabilities. Without such a line every model tag counts as checked,
  so a tag a photo's line does not name counts as absent from it.
* ``ROW TAG TAG ...``: a checked photo, ROW being its line number in the tags file
  (1 for the first), then the checked tags truly in it (none if it shows none).

A tag is written as in the tags file and processed the same way (lowercase,
lemmatized...). A checked tag the model does not have (used on too few photos, or
on none) cannot be calibrated: it is reported and its labels are left out.
"""

import re
from typing import NamedTuple

import numpy as np

from skrobust.cli._inputs import read_lines, split_tags

_ROW_NUMBER = re.compile(r"0|[1-9][0-9]*")  # 0 gets the range message

CHECKED = "checked:"


class CleanLabels(NamedTuple):
    """What a clean-labels file says, mapped onto the model's tags."""

    rows: np.ndarray  # 0-based feature rows of the checked photos
    Z: np.ndarray  # (n_photos, n_tags) uint8: 1 where a checked tag is in the photo
    checked: object  # sorted model columns that were checked, or None: all of them
    not_model_tags: list  # checked (or named) tags the model does not have


def _label_lines(path):
    """``(number, fields)`` of the file's non-empty, non-comment lines."""
    for number, line in enumerate(read_lines(path), start=1):
        fields = split_tags(line)
        if fields and not fields[0].startswith("#"):
            yield number, fields


def _checked_line(fields):
    """The tags of a ``checked:`` line (also ``checked: a`` split as written), or None."""
    first = fields[0].lower()
    if first == CHECKED:
        return fields[1:]
    if first.startswith(CHECKED):  # "checked:sky"
        return [fields[0][len(CHECKED):], *fields[1:]]
    return None


def read_clean_labels(path, n_rows, lookup, n_tags):
    """Rows, 0/1 labels and checked tags of a clean-labels file.

    ``lookup(tag)`` maps a tag as written to ``(name, column)``: its processed name
    (None when the tags file has no such tag at all) and its model column (None when
    the model does not have it). Every error names the file and line.
    """
    checked_names, checked_columns, not_model = {}, set(), {}
    declared = False
    photos, seen = [], {}
    for number, fields in _label_lines(path):
        where = f"{path}, line {number}"
        tags = _checked_line(fields)
        if tags is not None:
            declared = True
            if not tags:
                raise ValueError(f"{where}: 'checked:' names no tag (write the tags a "
                                 "person checked on every listed photo after it)")
            for tag in tags:
                name, column = lookup(tag)
                checked_names[name if name is not None else tag] = column
                if column is None:
                    not_model.setdefault(tag, None)
                else:
                    checked_columns.add(column)
            continue
        # ASCII digits only: int() would also read "1_0" as 10, "+3" and fullwidth digits.
        if _ROW_NUMBER.fullmatch(fields[0]) is None:
            raise ValueError(f"{where}: expected a photo's row number first (1 for the "
                             "first line of the tags file) or 'checked: TAG ...', got "
                             f"{fields[0]!r}")
        row = int(fields[0])
        if not 1 <= row <= n_rows:
            raise ValueError(f"{where}: row {row} is not in 1..{n_rows} (the feature rows)")
        if row in seen:
            raise ValueError(f"{where}: row {row} is already labelled on line {seen[row]}")
        seen[row] = number
        photos.append((where, row, fields[1:]))
    if not photos:
        raise ValueError(f"{path}: no labelled photo (lines 'ROW tag tag ...')")
    if declared and not checked_columns:
        raise ValueError(f"{path}: none of the checked tags is one of the model's tags "
                         f"({', '.join(not_model)}): nothing to calibrate")

    rows = np.empty(len(photos), dtype=np.int64)
    Z = np.zeros((len(photos), n_tags), dtype=np.uint8)
    for i, (where, row, tags) in enumerate(photos):
        rows[i] = row - 1
        for tag in tags:
            name, column = lookup(tag)
            if declared and (name if name is not None else tag) not in checked_names:
                raise ValueError(f"{where}: {tag!r} is not among the checked tags (the "
                                 "'checked:' lines); add it there if it was checked")
            if not declared and name is None:
                raise ValueError(f"{where}: {tag!r} is not one of the model's tags (no "
                                 "photo of the tags file has it)")
            if column is None:
                not_model.setdefault(tag, None)
            else:
                Z[i, column] = 1
    checked = np.array(sorted(checked_columns), dtype=np.int64) if declared else None
    return CleanLabels(rows, Z, checked, list(not_model))
