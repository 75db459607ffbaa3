"""Data sets of ``python -m skrobust demo``: features, noisy tags and clean labels."""

import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

# Where a source checkout keeps the shared data: <repo>/../shared/data, beside the
# checkout (as tests/_shared.py and CI have it). parents[2] is <repo> itself.
_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# Tagging rates of the simulated MULAN scene tags: spread out, so that a learned pi
# can be checked against a known truth (and the correlation is meaningful).
SCENE_PI = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


class DemoDataError(RuntimeError):
    """The demo cannot run on the requested data (missing files or features)."""


def _concept_map(name):
    from skrobust.tags import MIRFLICKR_CONCEPT_SYNONYMS, MIRFLICKR_CONCEPT_TAGS

    maps = {"synonyms": MIRFLICKR_CONCEPT_SYNONYMS, "full": MIRFLICKR_CONCEPT_TAGS}
    if name not in maps:
        raise ValueError(f"concept map must be one of {sorted(maps)}, got {name!r}.")
    return maps[name]


def _lemmatizer(concept_tags, notes):
    """WordNet when it is installed; else a plural-stripper limited to concept tags.

    The concept tags are singular lemmas, so without a lemmatizer "clouds" or
    "dogs" would not count; stripping an "s" only where that yields a concept tag
    recovers the plurals that matter here and changes nothing else.
    """
    from skrobust.tags import WordNetNotFoundError, wordnet_lemmatize

    try:
        wordnet_lemmatize("clouds")
        return "wordnet"
    except (WordNetNotFoundError, ImportError, LookupError):
        names = {t for tags in concept_tags.values() for t in tags}
        notes.append(
            "WordNet is not installed (pip install 'skrobust[nlp]' and "
            "scripts/provision_wordnet.sh): plurals of concept tags are merged by a "
            "simple rule instead, so the numbers may differ slightly."
        )
        return lambda tag: tag[:-1] if tag.endswith("s") and tag[:-1] in names else tag


def concept_tags_and_positions(tag_lists, concept_tags, notes):
    """User tag lists to 0/1 concept tags Y and first positions P (dense arrays)."""
    from skrobust.tags import TagVectorizer, concept_tag_matrices

    # Every tag is kept (no truncation, no exclusion): the positions must be the
    # uploader's, and concept tags are image words anyway.
    vec = TagVectorizer(max_tags_per_image=None, exclude=None,
                        lemmatize=_lemmatizer(concept_tags, notes))
    T = vec.fit_transform(tag_lists)
    P = vec.transform_positions(tag_lists)
    Y, positions = concept_tag_matrices(T, P, vec.get_feature_names_out(), concept_tags)
    return Y.toarray().astype(np.int8), positions.toarray()


def _photos_dir(photos_dir):
    """The MIRFLICKR photo folder, or None: argument, environment, shared checkout."""
    candidates = [photos_dir, os.environ.get("SKROBUST_MIRFLICKR_DIR"),
                  _SHARED / "mirflickr25k"]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate).expanduser()
        if (path / "images").is_dir():
            path = path / "images"
        if (path / "im1.jpg").is_file():
            return path
        if candidate is photos_dir:
            raise DemoDataError(f"--photos-dir {photos_dir}: no im1.jpg there.")
    return None


def load_mirflickr_subset_demo(concept_map="synonyms", photos_dir=None):
    """The embedded 730 photos with user tags mapped to the 24 concepts."""
    from skrobust.datasets import load_mirflickr_subset

    notes = []
    folder = _photos_dir(photos_dir)
    with warnings.catch_warnings():
        # The loader warns when $SKROBUST_MIRFLICKR_DIR has no photos; the demo
        # looks in more places and reports a missing grid itself.
        warnings.simplefilter("ignore", UserWarning)
        mir = load_mirflickr_subset()
    image_paths = None
    if folder is not None:
        paths = [str(folder / f"im{n}.jpg") for n in mir.image_ids]
        if all(Path(p).is_file() for p in paths):
            image_paths = paths
        else:
            notes.append(f"some of the 730 photos are missing from {folder}.")
    concept_tags = _concept_map(concept_map)
    if list(concept_tags) != list(mir.target_names):
        raise DemoDataError("the concept map does not match the subset's 24 concepts")
    Y, positions = concept_tags_and_positions(mir.tags, concept_tags, notes)
    return Bunch(
        name="mirflickr-subset", X=mir.data, Y=Y, Z=mir.target.astype(np.int8),
        tag_names=list(mir.target_names), positions=positions, image_paths=image_paths,
        true_pi=None, notes=notes, concept_map=concept_map,
        description=(
            "MIRFLICKR subset shipped with skrobust: 730 Flickr photos, "
            "EfficientNet-Lite0 features (1280-D), user tags mapped to the 24 manually "
            f"labelled concepts ({concept_map} map). MIRFLICKR: Huiskes & Lew, ACM MIR 2008."
        ),
    )


#: The at-scale real set in the shared data: features of 12,541 photos and their ids.
SHARED_FEATURES = Path("features") / "effnetlite0_thumb128.npy"


def load_mirflickr25k_demo(data_dir, features=None, concept_map="synonyms"):
    """MIRFLICKR-25k photos with features: those a features file has rows for.

    ``features`` is a .npy array; with an ids file beside it (``<stem>.ids.txt``, one
    image number per row, as :func:`skrobust.datasets.load_mirflickr_features` reads)
    its rows may be any subset of the 20,015 labelled images, else it needs one row
    per image of ``all_imgs.txt``. Without ``features``, the shared data's at-scale
    set (``<data_dir>/features/effnetlite0_thumb128.npy``, 12,541 photos) if present.
    """
    from skrobust.datasets import load_mirflickr25k, load_mirflickr_features
    from skrobust.datasets._mirflickr_features import default_ids_path

    notes = []
    if features is None and (Path(data_dir) / SHARED_FEATURES).is_file():
        features = Path(data_dir) / SHARED_FEATURES
    if features is None:
        raise DemoDataError(
            "MIRFLICKR-25k ships user tags and manual labels but no image features, and "
            "the demo does not invent them. Compute CNN features of its photos "
            "(skrobust featurize), save them as a .npy array with an ids file beside it "
            "(<stem>.ids.txt, the image number N of each row's mirflickr/imN.jpg) or one "
            "row per image of all_imgs.txt, and pass --features FILE; or run the demo on "
            "the embedded subset (--dataset mirflickr-subset)."
        )
    concept_tags = _concept_map(concept_map)
    if default_ids_path(features).is_file():
        mir = load_mirflickr_features(features, data_home=data_dir)
        X, tags, Z, names, paths = mir.data, mir.tags, mir.target, mir.target_names, None
    else:
        mir = load_mirflickr25k(data_dir)
        X = np.load(features, allow_pickle=False)
        if X.ndim != 2 or X.shape[0] != len(mir.tags):
            raise DemoDataError(
                f"--features {features}: expected {len(mir.tags)} rows (one per image of "
                f"all_imgs.txt) or an ids file {default_ids_path(features)}, got an array "
                f"of shape {X.shape}."
            )
        tags, Z, names, paths = mir.tags, mir.labels, mir.concept_names, mir.image_paths
        if paths is not None and any(p is None for p in paths):
            paths = None
    Y, positions = concept_tags_and_positions(tags, concept_tags, notes)
    return Bunch(
        name="mirflickr25k", X=X, Y=Y, Z=Z.astype(np.int8),
        tag_names=list(names), positions=positions, image_paths=paths,
        true_pi=None, notes=notes, concept_map=concept_map,
        description=f"MIRFLICKR-25k ({len(tags)} images with features from {features}). "
        "Huiskes & Lew, ACM MIR 2008.",
    )


def load_scene_demo(data_dir, pi=SCENE_PI, seed=0):
    """MULAN scene with simulated missing tags (known pi)."""
    from skrobust.datasets import load_mulan_scene

    scene = load_mulan_scene(data_dir, subset="all", pi=pi, random_state=seed)
    return Bunch(
        name="mulan-scene", X=scene.data, Y=scene.tags.astype(np.int8),
        Z=scene.target.astype(np.int8), tag_names=list(scene.target_names),
        positions=None, image_paths=None, true_pi=np.asarray(scene.pi), notes=[],
        concept_map=None,
        description=(
            f"MULAN scene (Boutell et al., 2004): {scene.data.shape[0]} images, 294 colour "
            "features, 6 labels; tags simulated by keeping each true label with "
            f"probability pi = {list(map(float, scene.pi))}."
        ),
    )


def default_data_dir(dataset):
    """The shared checkout's folder of a data set, if it exists."""
    folder = {"mirflickr25k": "mirflickr25k", "mulan-scene": "mulan-scene"}[dataset]
    path = _SHARED / folder
    return path if path.is_dir() else None
