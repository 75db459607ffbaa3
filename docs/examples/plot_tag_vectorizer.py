"""
From user tags to a tag matrix with TagVectorizer
=================================================

:class:`~skrobust.tags.TagVectorizer` turns each photo's ordered list of user tags
into a row of a sparse 0/1 matrix, as the paper prepares Flickr tags: keep the first
tags, normalise and lemmatize them with WordNet (``flowers`` -> ``flower``), drop
tags that do not describe the image (years, cameras, "explore"), and keep tags used
on enough photos. Here on the user tags of the 730 MIRFLICKR photos shipped with
skrobust.
"""

import matplotlib.pyplot as plt
import numpy as np

from skrobust.datasets import load_mirflickr_subset
from skrobust.tags import TagVectorizer, is_non_image_tag

mir = load_mirflickr_subset()
print("first photo's tags:", mir.tags[0])

# %%
# Fit and transform
# -----------------
vectorizer = TagVectorizer(max_tags_per_image=20, min_images=10)
Y = vectorizer.fit_transform(mir.tags)
tags = vectorizer.get_feature_names_out()
print(f"{Y.shape[0]} photos x {Y.shape[1]} tags kept, {Y.nnz} tags set "
      f"({len(vectorizer.tag_counts_)} distinct processed tags seen)")

# %%
# What preprocessing did
# ----------------------
# Lemmatization merges plurals; the non-image filter drops years and Flickr words.
raw = sorted({t.lower() for photo in mir.tags for t in photo})
print("merged plurals:", [t for t in raw if t.endswith("s") and t[:-1] in vectorizer.vocabulary_][:8])
print("dropped as non-image tags:", [t for t in raw if is_non_image_tag(t)][:8])

# %%
# The most frequent tags
# ----------------------
order = np.argsort(-vectorizer.document_counts_)[:20]
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
ax.barh(tags[order][::-1], vectorizer.document_counts_[order][::-1])
ax.set_xlabel("photos carrying the tag")
plt.show()
