"""``skrobust train``: photo features and their user tags in, a saved tagger out."""

import numpy as np

from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._inputs import read_clean_labels, read_features, read_tags
from skrobust.cli._outputs import check_output_file

DESCRIPTION = """\
Train a tagger on photos' features and their user tags.

The tags are turned into one 0/1 column per tag (TagVectorizer: normalised,
lemmatized, non-image tags such as years and camera names dropped), the features
are standardised, and a robust logistic regression learns, per tag, the photos
it is true of and the probability pi that an uploader supplies it when it is
true. With --clean-labels, the model is then calibrated on those checked photos
(InterceptCalibrator), so its probabilities match what is really in the photos.

Input files:
  features      .npy array, one row per photo (from skrobust featurize)
  tags          text, one line per photo in the order of the feature rows; each
                line holds the photo's tags separated by commas and/or spaces
                (a tag is one word); an empty line is a photo without tags
  clean labels  text, one line per checked photo: "ROW tag tag ...", ROW being
                the photo's line number in the tags file (1 = first) and the tags
                all the model's tags truly in it (none if it shows none of them)

The model is saved in skrobust's safe format (skrobust.save: no pickle);
skrobust predict and skrobust report read it.

example:
  skrobust train --features features.npy --tags tags.txt --output tagger.skrobust
"""


def add_parser(commands, common):
    parser = commands.add_parser(
        "train", parents=[common], description=DESCRIPTION,
        help="train a tagger on features and user tags (saved in the safe format)",
        formatter_class=common.formatter_class)
    parser.add_argument("--features", required=True, type=_types.existing_file,
                        metavar="FEATURES.npy", help="photo features, one row per photo")
    parser.add_argument("--tags", required=True, type=_types.existing_file,
                        metavar="TAGS.txt",
                        help="user tags, one line per photo in the features' order")
    parser.add_argument("--clean-labels", type=_types.existing_file, metavar="LABELS.txt",
                        help="checked labels of some photos ('ROW tag tag ...' lines): "
                        "calibrate the model on them")
    parser.add_argument("--output", required=True, type=_types.output_file,
                        metavar="MODEL", help="file to save the model to")
    parser.add_argument("--min-images", type=_types.positive_int, default=1,
                        help="keep tags used on at least this many photos (default 1)")
    parser.add_argument("--max-tags", type=_types.positive_int, default=None,
                        help="keep at most this many tags, the most frequent "
                        "(default: all)")
    parser.add_argument("--lemmatize", choices=("auto", "wordnet", "none"),
                        default="auto",
                        help="merge plural tags with WordNet (needs skrobust[nlp]); "
                        "auto: when WordNet is installed (default)")
    parser.add_argument("--seed", type=_types.non_negative_int, default=0,
                        help="random seed of the training (default 0)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --output if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(run=run)
    return parser


def _lemmatizer(choice, stages):
    if choice == "none":
        return None
    if choice == "wordnet":
        return "wordnet"
    from skrobust.tags import WordNetNotFoundError, wordnet_lemmatize

    try:
        wordnet_lemmatize("clouds")
    except (WordNetNotFoundError, ImportError):
        stages("note: WordNet is not installed; tags are not lemmatized "
               "(pip install 'skrobust[nlp]' to merge plurals)")
        return None
    return "wordnet"


def _has_pandas():
    """pandas is optional: without it the model cannot learn the names from Y."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def _tag_column(vectorizer):
    """Maps a tag as a person writes it to its model column, processed like the tags."""
    def column(tag):
        row = vectorizer.transform([[tag]])
        return int(row.indices[0]) if row.nnz else None
    return column


def run(args):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skrobust import InterceptCalibrator, RobustLogisticRegression
    from skrobust.cli._models import save_model
    from skrobust.cli._progress import Stages
    from skrobust.tags import TagVectorizer

    stages = Stages(args.quiet)
    output = check_output_file(args.output, args.overwrite)
    X = read_features(args.features)
    tags = read_tags(args.tags, X.shape[0])
    vectorizer = TagVectorizer(lemmatize=_lemmatizer(args.lemmatize, stages),
                               min_images=args.min_images, max_tags=args.max_tags)
    if _has_pandas():  # a DataFrame of sparse columns: the model learns the tag names
        vectorizer.set_output(transform="pandas")
    # else a plain sparse matrix, and the tag names go to the model's sidecar file
    Y = vectorizer.fit_transform(tags)
    vectorizer.set_output(transform="default")  # sparse rows again for the clean labels
    names = [str(name) for name in vectorizer.get_feature_names_out()]
    if len(names) < 2:
        raise CommandError(f"{args.tags}: {len(names)} tag(s) left after filtering "
                           f"(--min-images {args.min_images}); a tagger needs at least 2")
    stages(f"read {X.shape[0]} photos with {X.shape[1]} features; {len(names)} tags, "
           f"{np.asarray(Y.sum(axis=1)).mean():.2f} per photo")

    clean = None
    if args.clean_labels is not None:  # read before training: a typo fails at once
        clean = read_clean_labels(args.clean_labels, X.shape[0], _tag_column(vectorizer),
                                  len(names))

    model = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=args.seed))
    model.fit(X, Y)
    pi = np.asarray(model[-1].pi_)
    stages(f"trained: pi from {pi.min():.2f} to {pi.max():.2f} (median {np.median(pi):.2f})")

    if clean is not None:
        rows, Z = clean
        model = InterceptCalibrator(model).fit(X[rows], Z)
        stages(f"calibrated on {len(rows)} checked photos ({model.selection_})")

    save_model(model, output, names)
    stages(f"saved the model to {output}")
    return 0
