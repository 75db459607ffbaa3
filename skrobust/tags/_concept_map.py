"""Which user tags name each labelled concept, and tag matrices over concepts."""

import numpy as np
import scipy.sparse as sp

# The user tags (as TagVectorizer outputs them: lowercase WordNet noun lemmas) that
# name each of MIRFLICKR-25k's 24 manually labelled concepts (Huiskes & Lew, ACM MIR
# 2008). Chosen from the collection's 1,386-tag vocabulary (TagList.txt): the concept's
# own name, its synonyms, its translations frequent on Flickr (cielo, nubes...) and,
# for the broad concepts (animals, people, plant_life, structures, transport, water),
# the frequent names of their kinds, since "dog" on a photo says "animals" is present.
# The plural forms need no entry: the lemmatizer merges them (clouds -> cloud).
MIRFLICKR_CONCEPT_TAGS = {
    "animals": (
        "animal bear bee bird butterfly cat chicken deer dog duck fauna fish "
        "fox frog horse insect kitty monkey moth owl parrot pet puppy seagull sheep "
        "spider squirrel wildlife zoo perro poodle standardpoodle"
    ).split(),
    "baby": "baby toddler".split(),
    "bird": "bird duck owl parrot seagull chicken".split(),
    "car": "car auto carshow".split(),
    "clouds": "cloud cloudy nubes nuvole".split(),
    "dog": "dog puppy perro poodle standardpoodle".split(),
    "female": "woman girl mujer bride mother sister".split(),
    "flower": (
        "flower flor flores fleur blume blumen rose tulip daisy orchid lily dandelion "
        "lotus blossom bloom sakura"
    ).split(),
    "food": (
        "food cake chocolate fruit dessert lunch dinner breakfast sushi cheese candy "
        "icecream bento strawberry tomato rice"
    ).split(),
    "indoor": "indoor interior room kitchen bedroom bathroom office studio".split(),
    "lake": "lake lago pond lakemichigan".split(),
    "male": "man men boy beard".split(),
    "night": "night noche notte nuit nightshot".split(),
    "people": (
        "people gente persona human crowd family friend child kid man men "
        "woman girl boy baby toddler mujer bride"
    ).split(),
    "plant_life": (
        "plant flora tree forest grass leaf garden cactus botanical flower flor fleur "
        "blume blumen rose tulip daisy orchid lily blossom"
    ).split(),
    "portrait": "portrait retrato ritratto selfportrait face".split(),
    "river": "river".split(),
    "sea": "sea ocean mar mare seaside".split(),
    "sky": "sky cielo céu ciel bluesky".split(),
    "structures": (
        "building architecture arquitectura architettura architektur edificio house "
        "church cathedral mosque temple tower skyscraper skyline castle bridge barn "
        "lighthouse ruin structure construction"
    ).split(),
    "sunset": "sunset atardecer tramonto sunrise dusk".split(),
    "transport": (
        "car auto train bike bicycle boat bus airplane plane aircraft ship truck subway "
        "tram motorcycle metro railway railroad traffic aviation"
    ).split(),
    "tree": "tree forest palm".split(),
    "water": (
        "water agua acqua sea ocean lake lago river waterfall pond wave canal harbour "
        "harbor underwater pool"
    ).split(),
}
"""dict of str to list of str: MIRFLICKR-25k concept -> the user tags that name it."""

# The narrowest faithful reading of "a user tag that names the concept": the concept's
# own name (lemmatized) plus its direct synonyms, no kinds and no translations. female,
# male and transport have no tag of their own name in the vocabulary, so they get the
# words that do name them. This is the kind of map behind the team's first reference
# numbers (sky->sky, dog->dog, structures->building/architecture) and reproduces its
# tag-noise rates (docs/results/tag_noise.md, "name + synonyms").
_NAME = dict(zip(MIRFLICKR_CONCEPT_TAGS, (
    "animal baby bird car cloud dog female flower food indoor lake male night "
    "people plant portrait river sea sky structure sunset transport tree water"
).split()))
MIRFLICKR_CONCEPT_SYNONYMS = {c: [t] for c, t in _NAME.items()}
MIRFLICKR_CONCEPT_SYNONYMS.update(
    female=["woman", "girl"],
    male=["man", "boy"],
    structures=["building", "architecture"],
    transport=["car", "train", "boat", "bus", "bike"],
)
"""dict of str to list of str: MIRFLICKR-25k concept -> its name and direct synonyms
(a narrower map than :data:`MIRFLICKR_CONCEPT_TAGS`)."""


def concept_tag_matrices(tags, positions, feature_names, concept_tags):
    """Observed tags and their positions over concepts, from a tag-level matrix.

    An image is tagged with a concept when it carries any of the concept's tags; the
    concept's position is the first of their positions.

    Parameters
    ----------
    tags : sparse matrix of shape (n_images, n_tags)
        0/1 tag matrix, e.g. from :meth:`TagVectorizer.transform`.
    positions : sparse matrix of shape (n_images, n_tags)
        1-based tag positions with the same sparsity, e.g. from
        :meth:`TagVectorizer.transform_positions`.
    feature_names : array-like of str, shape (n_tags,)
        The column names of ``tags``.
    concept_tags : dict of str to list of str
        Concept -> the tags that name it (e.g. :data:`MIRFLICKR_CONCEPT_TAGS`); tags
        absent from ``feature_names`` are ignored.

    Returns
    -------
    Y : scipy.sparse.csr_array of int8, shape (n_images, n_concepts)
        1 where the image carries a tag of the concept (concepts in dict order).
    P : scipy.sparse.csr_array of int32, shape (n_images, n_concepts)
        The concept's first position in the image's list, 0 where not tagged.

    Examples
    --------
    >>> from skrobust.tags import TagVectorizer, concept_tag_matrices
    >>> vec = TagVectorizer(lemmatize=None).fit([["sky", "dog", "puppy"], ["cielo"]])
    >>> X = [["sky", "dog", "puppy"], ["cielo"]]
    >>> Y, P = concept_tag_matrices(vec.transform(X), vec.transform_positions(X),
    ...                             vec.get_feature_names_out(),
    ...                             {"sky": ["sky", "cielo"], "dog": ["dog", "puppy"]})
    >>> P.toarray()
    array([[1, 2],
           [1, 0]], dtype=int32)
    """
    column = {str(t): j for j, t in enumerate(feature_names)}
    P = sp.csr_array(positions)
    if P.shape != sp.csr_array(tags).shape:
        raise ValueError("tags and positions must have the same shape")
    rows, cols_out, values = [], [], []
    big = np.int64(P.max()) + 1 if P.nnz else 1
    for k, names in enumerate(concept_tags.values()):
        cols = sorted({column[t] for t in names if t in column})
        if not cols:
            continue
        sub = sp.csr_array(P[:, cols])
        sub.eliminate_zeros()
        # The first position is a minimum over stored entries, but sparse min/max
        # count the implicit zeros too: store big - position, whose maximum (> 0)
        # marks the smallest position and is 0 only where nothing is stored.
        flipped = sp.csr_array((big - sub.data.astype(np.int64), sub.indices, sub.indptr),
                               shape=sub.shape)
        top = flipped.max(axis=1).toarray().ravel()
        hit = np.flatnonzero(top)
        rows.append(hit)
        cols_out.append(np.full(len(hit), k))
        values.append(big - top[hit])
    shape = (P.shape[0], len(concept_tags))
    if rows:
        rows, cols_out, values = map(np.concatenate, (rows, cols_out, values))
    P_out = sp.csr_array(
        (np.asarray(values, dtype=np.int32), (np.asarray(rows, dtype=np.int64),
                                              np.asarray(cols_out, dtype=np.int64))),
        shape=shape,
    )
    Y_out = sp.csr_array(
        (np.ones(P_out.nnz, dtype=np.int8), P_out.indices, P_out.indptr), shape=shape
    )
    return Y_out, P_out
