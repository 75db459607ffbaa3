"""``skrobust train``: photo features and their user tags in, a saved tagger out."""

import warnings

import numpy as np

from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._clean_labels import read_clean_labels
from skrobust.cli._inputs import read_features, read_tags
from skrobust.cli._outputs import check_output_file

DESCRIPTION = """\
Train a tagger on photos' features and their user tags.

The tags are turned into one 0/1 column per tag (TagVectorizer: normalised,
lemmatized, non-image tags such as years and camera names dropped), the features
are standardised, and a robust logistic regression learns, per tag, the photos
it is true of and the probability pi that an uploader supplies it when it is
true. Tags used on fewer than --min-images photos (default 15) are dropped:
too few examples to learn a tag from; the count dropped is printed. With
--clean-labels, the model is then calibrated on those checked photos
(InterceptCalibrator), for the tags that were checked, so its probabilities match
what is really in the photos; P(an uploader supplies a tag) follows from the
calibrated P(true). With --tag-effort, pi is set per uploader effort too: each
photo's count of tags (all of them, before --min-images) puts it in a bin (0-2,
3-5, 6-10, 11-20, 21+ tags), and an uploader who gives many tags is taken to
leave out fewer of the true ones.

Input files:
  features      .npy array, one row per photo (from skrobust featurize)
  tags          text, one line per photo in the order of the feature rows; each
                line holds the photo's tags separated by commas and/or spaces
                (a tag is one word); an empty line is a photo without tags
  clean labels  text: a line "checked: tag tag ..." naming the tags a person
                checked (only these are calibrated; without it, every model
                tag counts as checked), then one line per checked photo:
                "ROW tag tag ...", ROW being the photo's line number in the
                tags file (1 = first) and the tags the checked tags truly in it
                (none if it shows none of them); "#" starts a comment

The model is saved in skrobust's safe format (skrobust.save: no pickle);
skrobust predict and skrobust report read it.

example:
  skrobust train --features features.npy --tags tags.txt --output tagger.skrobust
"""

# The default --min-images: a tag on fewer photos gives too few positives to learn
# its classifier and its pi from. On 1,000 MIRFLICKR photos keeping every tag made
# ~560 of ~780 tags pi < 0.01 and over 100 tags per photo P(true) > 0.5; measured
# with the package's defaults (December 2026), 10 photos still gave 10.1 such tags
# per photo (thumbnail features of 1,000 photos) and 5.8 (the 730 shipped ones),
# 15 gave 4.8 and 3.3.
MIN_IMAGES = 15
# Uncalibrated tags named in the summary line (the rest are counted).
MAX_LISTED = 10


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
                        help="checked labels of some photos ('checked: TAG ...' and "
                        "'ROW tag tag ...' lines): calibrate the checked tags on them")
    parser.add_argument("--output", required=True, type=_types.output_file,
                        metavar="MODEL", help="file to save the model to")
    parser.add_argument("--min-images", type=_types.positive_int, default=MIN_IMAGES,
                        help="keep tags used on at least this many photos (default "
                        f"{MIN_IMAGES}: fewer are too few to learn a tag from)")
    parser.add_argument("--max-tags", type=_types.positive_int, default=None,
                        help="keep at most this many tags, the most frequent "
                        "(default: all)")
    parser.add_argument("--lemmatize", choices=("auto", "wordnet", "none"),
                        default="auto",
                        help="merge plural tags with WordNet (needs skrobust[nlp]); "
                        "auto: when WordNet is installed (default)")
    parser.add_argument("--tag-effort", action="store_true",
                        help="rates per uploader effort, from each photo's tag count "
                        "(on 12,541 MIRFLICKR photos: 2- and 3-tag search +2.2 and "
                        "+1.0 precision points; not measured on small sets)")
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


def _tag_lookup(vectorizer, tags):
    """Maps a tag as a person writes it to ``(name, model column)``, processed like
    the tags: name None when no photo has it, column None when the model dropped it."""
    from sklearn.base import clone

    every = clone(vectorizer).set_params(min_images=1, max_tags=None, vocabulary=None)
    every.set_output(transform="default").fit(tags)
    names = every.get_feature_names_out()

    def lookup(tag):
        row = every.transform([[tag]])
        if not row.nnz:
            return None, None
        name = str(names[row.indices[0]])
        return name, vectorizer.vocabulary_.get(name)
    return lookup


def _too_few_tags(vectorizer, args, n_left):
    """The error for fewer than 2 tags left, with a --min-images that would keep more."""
    counts = sorted(vectorizer.tag_counts_.values(), reverse=True)
    hint = ""
    if len(counts) >= 2:  # the value keeping the 10 most used tags (ties included)
        lower = counts[min(9, len(counts) - 1)]
        hint = (f"; --min-images {lower} would keep {sum(c >= lower for c in counts)} "
                "(fewer photos per tag make weaker classifiers)")
    return CommandError(f"{args.tags}: {n_left} tag(s) left after filtering (--min-images "
                        f"{args.min_images}); a tagger needs at least 2{hint}")


def _listed(names, limit=MAX_LISTED):
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def _kept_tags(vectorizer, Y, n_photos, args):
    """One line: the tags kept, how many were dropped and why, photos left without."""
    n_all, n_kept = len(vectorizer.tag_counts_), Y.shape[1]
    rare = sum(count < args.min_images for count in vectorizer.tag_counts_.values())
    dropped = [f"{rare} used on fewer than {args.min_images} photos (--min-images)"]
    if n_all - n_kept > rare:
        dropped.append(f"{n_all - n_kept - rare} beyond --max-tags {args.max_tags}")
    per_photo = np.asarray(Y.sum(axis=1)).ravel()
    note = f"kept {n_kept} of {n_all} tags" if n_all > n_kept else f"kept all {n_kept} tags"
    if n_all > n_kept:
        note += f" (dropped {' and '.join(dropped)})"
    return (f"{note}, {per_photo.mean():.2f} per photo; {int((per_photo == 0).sum())} "
            f"of {n_photos} photos have none of them")


def _calibrate(model, X, clean, names, args, stages):
    from skrobust import InterceptCalibrator

    if clean.checked is None:
        warnings.warn(
            f"{args.clean_labels} does not say which tags were checked (a line "
            f"'checked: TAG TAG ...'): all {len(names)} model tags count as checked, so "
            "each tag a photo's line does not name counts as absent from that photo",
            UserWarning, stacklevel=2)
    tags = None if clean.checked is None else [int(j) for j in clean.checked]
    model = InterceptCalibrator(model, tags=tags).fit(X[clean.rows], clean.Z)
    calibrated = model.calibrated_tags_
    stages(f"calibrated {int(calibrated.sum())} of {len(names)} tags on "
           f"{len(clean.rows)} checked photos ({model.selection_})")
    left = [names[j] for j in np.flatnonzero(~calibrated)]
    if left:
        stages(f"not checked, left uncalibrated: {len(left)} tags ({_listed(left)})")
    if clean.not_model_tags:
        stages(f"checked but not model tags (too few photos), not calibrated: "
               f"{_listed(clean.not_model_tags)}")
    return model


def run(args):
    from skrobust.cli._progress import library_notices

    with library_notices(args.quiet):
        return _run(args)


def _effort_summary(model):
    """The effort bins' median pi, for the progress line ("" without effort)."""
    cells = getattr(model, "pi_effort_", None)
    if cells is None:
        return ""
    medians = np.median(np.asarray(cells), axis=1)
    return "; per effort bin (median): " + ", ".join(f"{m:.2f}" for m in medians)


def _run(args):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skrobust import RobustLogisticRegression
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
    try:
        Y = vectorizer.fit_transform(tags)
    except ValueError:
        if getattr(vectorizer, "vocabulary_", None) != {}:
            raise
        raise _too_few_tags(vectorizer, args, 0) from None  # every tag was pruned
    vectorizer.set_output(transform="default")  # sparse rows again for the clean labels
    names = [str(name) for name in vectorizer.get_feature_names_out()]
    if len(names) < 2:
        raise _too_few_tags(vectorizer, args, len(names))
    stages(f"read {X.shape[0]} photos with {X.shape[1]} features; "
           + _kept_tags(vectorizer, Y, X.shape[0], args))

    clean = None
    if args.clean_labels is not None:  # read before training: a typo fails at once
        clean = read_clean_labels(args.clean_labels, X.shape[0],
                                  _tag_lookup(vectorizer, tags), len(names))

    model = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=args.seed))
    effort = {}
    if args.tag_effort:  # over all of a photo's tags, not only the kept ones
        effort["robustlogisticregression__tag_effort"] = vectorizer.count_tags(tags)
    model.fit(X, Y, **effort)
    pi = np.asarray(model[-1].pi_)
    stages(f"trained: pi from {pi.min():.2f} to {pi.max():.2f} (median {np.median(pi):.2f})"
           + _effort_summary(model[-1]))

    if clean is not None:
        model = _calibrate(model, X, clean, names, args, stages)

    save_model(model, output, names)
    stages(f"saved the model to {output}")
    return 0
