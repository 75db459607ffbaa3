"""``skrobust predict``: the suggested tags of each photo, with their probabilities."""

import csv
import io
import json
import sys

import numpy as np

from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._inputs import read_features, read_photo_list
from skrobust.cli._outputs import check_output_file, photo_list_path, write_text

DESCRIPTION = """\
Suggest tags for photos with a model from skrobust train.

For each photo (each row of the features), the k tags ranked highest, each with
two probabilities:
  p_true  P(the tag is true of the photo): what is in it (calibrated when the
          model was trained with --clean-labels)
  p_tag   P(an uploader would supply the tag): the tag-suggestion score
--rank-by chooses which of the two ranks the tags (default: p_tag).

Photos are named by the features' sidecar FEATURES.photos.txt (written by
skrobust featurize), else by their row number (1 = first).

Output, on stdout or to --output (--format, or the --output's extension: .json
is JSON, anything else CSV):
  csv   one row per photo and suggested tag: photo,rank,tag,p_true,p_tag
  json  a list of {"photo": ..., "tags": [{"tag", "p_true", "p_tag"}, ...]}

example:
  skrobust predict --model tagger.skrobust --features features.npy --format json
"""


def add_parser(commands, common):
    parser = commands.add_parser(
        "predict", parents=[common], description=DESCRIPTION,
        help="suggested tags and their probabilities per photo (CSV or JSON)",
        formatter_class=common.formatter_class)
    _types.add_model_and_features(parser)
    parser.add_argument("--format", choices=("csv", "json"), default=None,
                        help="output format (default: json when --output ends in "
                        ".json, else csv)")
    parser.add_argument("--k", type=_types.positive_int, default=5,
                        help="tags suggested per photo (default 5; at most the "
                        "model's number of tags)")
    parser.add_argument("--rank-by", choices=("p_tag", "p_true"), default="p_tag",
                        help="the probability that ranks the tags (default p_tag)")
    parser.add_argument("--output", type=_types.output_file, default=None,
                        help="file to write (default: stdout)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --output if it exists")
    parser.set_defaults(run=run)
    return parser


def photo_names(features_path, n_rows):
    """Photo paths from the features' sidecar, else row numbers as strings."""
    sidecar = photo_list_path(features_path)
    if sidecar.exists():
        return read_photo_list(sidecar, n_rows)
    return [str(i) for i in range(1, n_rows + 1)]


def top_tags(p_true, p_tag, names, k, rank_by="p_tag"):
    """Per photo, the ``k`` best tags as dicts (ties keep the model's tag order)."""
    if not 1 <= k <= len(names):
        raise CommandError(f"--k {k} is out of range: the model has {len(names)} tags")
    score = p_tag if rank_by == "p_tag" else p_true
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    return [[{"tag": names[j], "p_true": round(float(p_true[i, j]), 6),
              "p_tag": round(float(p_tag[i, j]), 6)} for j in row]
            for i, row in enumerate(order)]


def _csv(photos, suggestions):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["photo", "rank", "tag", "p_true", "p_tag"])
    for photo, tags in zip(photos, suggestions):
        for rank, tag in enumerate(tags, start=1):
            writer.writerow([photo, rank, tag["tag"], tag["p_true"], tag["p_tag"]])
    return buffer.getvalue()


def _json(photos, suggestions):
    records = [{"photo": photo, "tags": tags} for photo, tags in zip(photos, suggestions)]
    return json.dumps(records, indent=1, ensure_ascii=False) + "\n"


def output_format(args):
    """``--format``, else what ``--output``'s extension says (``.json``), else csv."""
    if args.format is not None:
        return args.format
    if args.output is not None and args.output.suffix.lower() == ".json":
        return "json"
    return "csv"


def run(args):
    from skrobust.cli._models import load_model, probabilities

    output = None if args.output is None else check_output_file(args.output, args.overwrite)
    model, names = load_model(args.model)
    X = read_features(args.features)
    photos = photo_names(args.features, X.shape[0])
    p_true, p_tag = probabilities(model, X, args.features)
    suggestions = top_tags(p_true, p_tag, names, args.k, args.rank_by)
    text = (_json if output_format(args) == "json" else _csv)(photos, suggestions)
    if output is None:
        sys.stdout.write(text)
    else:
        write_text(output, text)
    return 0
