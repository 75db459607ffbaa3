"""Inputs of the command-line tests: 100 of the shared MIRFLICKR photos, as a user
would have them (a folder of photos, a tags file), with the features shipped in the
package for the same photos (so train/predict/report need no torch)."""

from pathlib import Path

import numpy as np

from _shared import shared_data_dir
from skrobust.datasets import load_mirflickr_subset
from skrobust.tags import TagVectorizer

N_PHOTOS = 100
MIN_IMAGES = 3  # the train tests' --min-images: tags on 3+ of the 100 photos
N_CHECKED = 40  # photos with clean labels


def photos_dir():
    """The shared MIRFLICKR photos (skip locally, fail in CI, when absent)."""
    return shared_data_dir() / "mirflickr25k" / "images"


def write_inputs(folder):
    """Write features.npy (+ .photos.txt), tags.txt and clean.txt into ``folder``.

    Returns a dict of their paths, the photos folder, the photo names, and the tags
    a model trained with ``--min-images MIN_IMAGES --lemmatize none`` will have.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = photos_dir()
    mir = load_mirflickr_subset()
    names = [f"im{n}.jpg" for n in mir.image_ids[:N_PHOTOS]]
    np.save(folder / "features.npy", mir.data[:N_PHOTOS])
    (folder / "features.photos.txt").write_text("".join(f"{n}\n" for n in names))
    tags = mir.tags[:N_PHOTOS]
    (folder / "tags.txt").write_text("".join(",".join(t) + "\n" for t in tags))
    vec = TagVectorizer(lemmatize=None, min_images=MIN_IMAGES).fit(tags)
    model_tags = [str(t) for t in vec.get_feature_names_out()]
    # Clean labels: the manual concepts of the first photos, for the concepts that
    # are also model tags (e.g. "sky"); other concepts are not the model's to learn.
    concepts = [c for c in mir.target_names if c in model_tags]
    lines = ["checked: " + " ".join(concepts)]  # the tags a person looked for
    for row in range(N_CHECKED):
        true = [c for c in concepts if mir.target[row, mir.target_names.index(c)]]
        lines.append(" ".join([str(row + 1), *true]))
    (folder / "clean.txt").write_text("\n".join(lines) + "\n")
    return {"features": folder / "features.npy", "tags": folder / "tags.txt",
            "clean": folder / "clean.txt", "photos": images, "names": names,
            "model_tags": model_tags, "concepts": concepts,
            "X": mir.data[:N_PHOTOS]}


def train_model(folder):
    """Write the inputs into ``folder`` and train a model on them with the CLI."""
    from skrobust.cli import main

    inputs = write_inputs(folder)
    model = Path(folder) / "tagger.skrobust"
    assert main(["train", "--features", str(inputs["features"]), "--tags",
                 str(inputs["tags"]), "--clean-labels", str(inputs["clean"]),
                 "--output", str(model), "--min-images", str(MIN_IMAGES),
                 "--lemmatize", "none", "--quiet"]) == 0
    return inputs, model
