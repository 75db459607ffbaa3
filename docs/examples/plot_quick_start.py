"""
Quick start: robust vs plain logistic regression on real user tags
==================================================================

The 730 MIRFLICKR photos shipped with skrobust come with their uploaders' tags (noisy
labels) and manual labels for 24 concepts (ground truth). We turn the user tags into
concept labels, train :class:`~skrobust.RobustLogisticRegression` on them with the
paper's noise model (``noise="missing"``) and without one (``noise="none"``: plain
logistic regression, same trainer), and score both against the manual labels of
held-out photos. The robust model also learns ``pi``, the probability that an
uploader tags a concept that is present.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrobust import RobustLogisticRegression
from skrobust.datasets import load_mirflickr_subset
from skrobust.metrics import annotation_scores
from skrobust.tags import MIRFLICKR_CONCEPT_TAGS, TagVectorizer, concept_tag_matrices

# %%
# User tags as noisy concept labels
# ---------------------------------
# A concept counts as tagged when the photo carries a tag naming it
# (``MIRFLICKR_CONCEPT_TAGS``: "sky" for sky, "dog"/"puppy" for dog, ...).
mir = load_mirflickr_subset()
vectorizer = TagVectorizer(max_tags_per_image=None).fit(mir.tags)
Y, _ = concept_tag_matrices(
    vectorizer.transform(mir.tags),
    vectorizer.transform_positions(mir.tags),
    vectorizer.get_feature_names_out(),
    MIRFLICKR_CONCEPT_TAGS,
)
Y = Y.toarray()
X, Z = mir.data, mir.target
print(f"{X.shape[0]} photos, {Z.shape[1]} concepts; "
      f"{int(Z.sum())} true labels, of which {int((Y * Z).sum())} are tagged")

X_train, X_test, Y_train, Y_test, Z_train, Z_test = train_test_split(
    X, Y, Z, test_size=0.3, random_state=0
)

# %%
# Train on the tags, test against the manual labels
# -------------------------------------------------
models = {}
for noise in ("missing", "none"):
    model = make_pipeline(
        StandardScaler(), RobustLogisticRegression(noise=noise, alpha=1e-2, random_state=0)
    )
    with warnings.catch_warnings():
        # pi keeps moving slowly on 511 photos; 100 epochs are enough for this demo.
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[noise] = model.fit(X_train, Y_train)

for noise, model in models.items():
    proba = model.predict_proba(X_test)
    has_both = [t for t in range(Z.shape[1]) if 0 < Z_test[:, t].sum() < len(Z_test)]
    auc = np.mean([roc_auc_score(Z_test[:, t], proba[:, t]) for t in has_both])
    f5 = annotation_scores(Z_test, proba, k=5).f1
    print(f"noise={noise!r:10} annotation F@5 {100 * f5:.1f}  mean AUC {auc:.3f}")

# %%
# What the robust model learned about the taggers
# -----------------------------------------------
# ``pi_`` estimates P(tag | concept present) per concept. We compare it with the
# rate measured on the training photos' manual labels.
learned = models["missing"][-1].pi_
measured = (Y_train * Z_train).sum(0) / np.maximum(Z_train.sum(0), 1)
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
ax.scatter(measured, learned)
for name, x, y in zip(mir.target_names, measured, learned):
    ax.annotate(name, (x, y), fontsize=7)
ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
ax.set(xlabel="P(tag | present), measured on manual labels", ylabel="learned pi",
       xlim=(0, 1), ylim=(0, 1))
plt.show()
