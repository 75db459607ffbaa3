"""
From tagged photos to a tagger
==============================

What a user has is a folder of photos and, for each, the tags their uploaders gave
them. This example turns that into a tagger that suggests tags for new photos, in
the few lines of the first cell: CNN features of the photos
(:class:`~skrobust.features.CNNFeaturizer`), a 0/1 tag matrix whose columns carry
the tag names (:class:`~skrobust.tags.TagVectorizer` with pandas output), and
:class:`~skrobust.RobustLogisticRegression` with its defaults behind a
``StandardScaler``. The same steps are the command line's ``skrobust featurize``
and ``skrobust train`` (see the user guide).

The photos are the 730 MIRFLICKR photos whose tags ship with skrobust. Their
features ship too (the featurizer's output, computed once), so only the photos we
show are run through the CNN here; a user featurizes their whole folder the same
way. The photos themselves are Flickr users' work and are not shipped: the example
looks for them in ``$SKROBUST_MIRFLICKR_DIR`` or the project's shared data folder,
and without them it still trains and prints suggestions.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression, predict_tag_proba
from skrobust.datasets import load_mirflickr_subset
from skrobust.tags import TagVectorizer

# %%
# Photos and their tags in, a tagger out
# --------------------------------------
shared = Path("../../../shared/data/mirflickr25k").resolve()  # beside a checkout
photos_dir = os.environ.get("SKROBUST_MIRFLICKR_DIR") or (shared if shared.is_dir() else None)
mir = load_mirflickr_subset(photos_dir=photos_dir)
X, tags = mir.data, mir.tags  # X = CNNFeaturizer().fit_transform(paths) for your photos

vectorizer = TagVectorizer(min_images=15).set_output(transform="pandas")
Y = vectorizer.fit_transform(tags[:600])  # columns named by the tags
tagger = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=0))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # few photos per tag: the fit warns it is small
    tagger.fit(X[:600], Y)
names = tagger[-1].tag_names_
print(f"{len(names)} tags learned from 600 photos, e.g. {', '.join(names[:8])}")

# %%
# Suggested tags for photos the tagger has not seen
# -------------------------------------------------
# :func:`~skrobust.predict_tag_proba` goes through the pipeline's scaler and gives
# P(a user would tag it); ``tagger.predict_proba`` gives P(the tag is true), which
# is the one to rank by for retrieval.
new = list(range(600, 606))
proba = predict_tag_proba(tagger, X[new])
for row, p in zip(new, proba):
    top = p.argsort()[::-1][:4]
    print(f"photo {mir.image_ids[row]}: suggested {', '.join(names[top])}; "
          f"uploader's tags: {', '.join(tags[row]) or '(none)'}")

# %%
# The same photos, featurized from their files
# --------------------------------------------
# With the photos at hand, the tagger runs on their pixels: the CNN's features of
# these files are the shipped ones, so the suggestions are the same.
if mir.image_paths is not None:
    from skrobust.features import CNNFeaturizer

    paths = [mir.image_paths[row] for row in new]
    features = CNNFeaturizer(progress=False).fit_transform(paths)
    proba = predict_tag_proba(tagger, features)
    fig, axes = plt.subplots(2, 3, figsize=(9, 6.5))
    for ax, path, p in zip(axes.ravel(), paths, proba):
        ax.imshow(plt.imread(path))
        top = p.argsort()[::-1][:3]
        ax.set_title("\n".join(f"{names[t]} {p[t]:.2f}" for t in top), fontsize=9)
        ax.axis("off")
    fig.suptitle("Suggested tags (probability that an uploader would tag it)")
    fig.tight_layout()
    plt.show()
else:
    print("Photos not found: set SKROBUST_MIRFLICKR_DIR to see them.")
