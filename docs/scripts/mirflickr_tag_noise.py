"""How noisy are Flickr user tags? The paper's tag-noise analysis on MIRFLICKR-25k.

Izadinia et al. measure on NUS-WIDE how often uploaders tag a concept that is present,
tag one that is absent, and how tag accuracy falls with the tag's position in the list.
This script measures the same on MIRFLICKR-25k (Huiskes & Lew, ACM MIR 2008): 20,015
images with ordered user tags (``all_tags.txt``) and 24 manually labelled concepts
(``all_labels.txt``). Each concept is observed as "tagged" when the image carries one of
the user tags that name it (:data:`skrobust.tags.MIRFLICKR_CONCEPT_TAGS`, after WordNet
lemmatization); its position is the first such tag's position.

Usage::

    python docs/scripts/mirflickr_tag_noise.py [DATA_DIR]

DATA_DIR defaults to $SKROBUST_MIRFLICKR_DIR, else ../shared/data/mirflickr25k next to
the repository. Writes docs/results/tag_noise.{md,json} and tag_noise_position.png.
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np

from skrobust.datasets import load_mirflickr25k
from skrobust.tags import (
    MIRFLICKR_CONCEPT_SYNONYMS,
    MIRFLICKR_CONCEPT_TAGS,
    TagVectorizer,
    accuracy_by_position,
    concept_tag_matrices,
    effect_of_tag_count,
    tag_noise,
)

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results"
CONCEPTS = (
    "animals baby bird car clouds dog female flower food indoor lake male night people "
    "plant_life portrait river sea sky structures sunset transport tree water"
).split()
# Only the concept's own name, lemmatized (the narrowest reading of "the tag that names
# it"); female, male and transport have no tag of their own name in the vocabulary.
NAME_ONLY = {
    c: [t] for c, t in zip(CONCEPTS, (
        "animal baby bird car cloud dog female flower food indoor lake male night "
        "people plant portrait river sea sky structure sunset transport tree water"
    ).split())
}
# The name plus its direct synonyms, no kinds (close to the map behind the team's
# reference numbers in DESIGN.md: sky->sky, dog->dog/dogs, structures->building/...);
# it lives in the package so that the demo (python -m skrobust demo) can use it too.
NAME_SYNONYMS = MIRFLICKR_CONCEPT_SYNONYMS
# The paper's NUS-WIDE figures (Izadinia et al., section on tag noise), read from its
# text and position figure.
PAPER = {
    "tag_given_present": 0.38,
    "tag_given_absent": 0.01,
    "present_given_tag": 0.62,
    "position_accuracy": {"1-2": 0.65, "20+": 0.35},
}
POSITION_BINS = (1, 3, 5, 7, 9, 11)
COUNT_BINS = (1, 2, 3, 5, 10, 20)


def load(data_dir):
    # The package's loader: strict parsing (every line checked, lines split at
    # "\n" only), the same tags and labels as the files on clean data.
    mir = load_mirflickr25k(data_dir)
    return [",".join(tags) for tags in mir.tags], mir.labels


def analyse(tags, Z, concept_tags):
    # Every tag is kept (no truncation, no exclusion): positions up to the longest list
    # are analysed, and the concept tags are not non-image words anyway.
    vec = TagVectorizer(delimiter=",", max_tags_per_image=None, exclude=None)
    tag_matrix = vec.fit_transform(tags)
    positions = vec.transform_positions(tags)
    Y, P = concept_tag_matrices(tag_matrix, positions, vec.get_feature_names_out(),
                                concept_tags)
    n_tags = np.array([len([t for t in line.split(",") if t.strip()]) for line in tags])
    return (
        tag_noise(Y, Z, concepts=list(concept_tags)),
        accuracy_by_position(P, Z, bins=POSITION_BINS),
        effect_of_tag_count(Y, Z, n_tags, bins=COUNT_BINS),
        n_tags,
    )


def pct(x, se=None):
    if np.isnan(x):
        return "n/a"
    return f"{100 * x:.1f}" if se is None else f"{100 * x:.1f} ± {100 * se:.1f}"


def markdown(noise, pos, count, narrow, synonyms, n_tags):
    lines = [
        "# Tag noise on MIRFLICKR-25k, side by side with the paper's NUS-WIDE figures",
        "",
        "Produced by `python docs/scripts/mirflickr_tag_noise.py` (rerun it to update). "
        "Data: MIRFLICKR-25k (M. J. Huiskes and M. S. Lew, *The MIR Flickr Retrieval "
        "Evaluation*, ACM MIR 2008), the 20,015 images with at least one of the 24 "
        "manually labelled concepts and one frequent tag; tags are the uploaders' "
        "ordered tags restricted to the collection's 1,386-tag vocabulary "
        f"(mean {n_tags.mean():.2f} tags per image). Paper: H. Izadinia, A. Farhadi, "
        "A. Hertzmann and M. D. Hoffman, *Image Classification and Retrieval from "
        "User-Supplied Tags*, NUS-WIDE, 81 concepts.",
        "",
        "A concept counts as tagged when the image carries a user tag naming it "
        "(`skrobust.tags.MIRFLICKR_CONCEPT_TAGS`: the name, synonyms, frequent "
        "translations and, for broad concepts, their kinds; plurals merged by WordNet). "
        "Rates are pooled over all (image, concept) pairs; ± is one binomial standard "
        "error.",
        "",
        "| quantity | MIRFLICKR, concept map | MIRFLICKR, name + synonyms | "
        "MIRFLICKR, name only | paper, NUS-WIDE |",
        "|---|---|---|---|---|",
    ]
    for key, name in [("tag_given_present", "P(tag \\| concept present)"),
                      ("tag_given_absent", "P(tag \\| concept absent)"),
                      ("present_given_tag", "P(concept present \\| tag)")]:
        ours = pct(getattr(noise, f"overall_{key}"), getattr(noise, f"overall_{key}_se"))
        name_only = pct(getattr(narrow, f"overall_{key}"))
        synonym = pct(getattr(synonyms[0], f"overall_{key}"))
        lines.append(
            f"| {name} | {ours} | {synonym} | {name_only} | {100 * PAPER[key]:.0f} |")
    lines += [
        "",
        "## Accuracy by position in the tag list",
        "",
        "P(concept present | tag) for tags at each position (concept map). The paper "
        "reports about 65% at positions 1-2 falling to about 35% at 20 and beyond; "
        "MIRFLICKR lists are short (restricted to frequent tags), so the last bin here "
        "is 11+.",
        "",
        "| position | tags | accuracy (%) | name + synonyms: tags | accuracy (%) |",
        "|---|---|---|---|---|",
    ]
    spos = synonyms[1]
    for label, n, acc, se, n2, acc2, se2 in zip(
        pos.labels, pos.n_tags, pos.accuracy, pos.stderr,
        spos.n_tags, spos.accuracy, spos.stderr,
    ):
        lines.append(f"| {label} | {n} | {pct(acc, se)} | {n2} | {pct(acc2, se2)} |")
    lines += [
        "",
        "**Why these differ from the team's reference numbers** (DESIGN.md: 12.8%, "
        "0.35%, 87%; 89% at positions 1-2 to 80% at 11+). The rates depend mostly on "
        "which user tags are taken to name a concept. The team's map was narrow (a "
        "concept's name and a synonym or two); our name + synonyms column is that kind "
        "of map and lands within about 1.5 points of their figures. The full concept "
        "map also counts kinds (dog, cat... for animals; man, girl... for people; "
        "church, bridge... for structures), which nearly doubles P(tag | present) "
        "and lowers precision, most at late positions (72% against 80% at 11+): these "
        "extra tags come later in the lists and are wrong more often. With any of the "
        "three maps, MIRFLICKR's tags are more precise than NUS-WIDE's but name a "
        "present concept less often. Likely reasons, not tested here: its tags are "
        "restricted to 1,386 frequent tags, and several of its concepts (indoor, male, "
        "female, plant_life) are broad classes that uploaders rarely name.",
        "",
        "![tag accuracy by position](tag_noise_position.png)",
        "",
        "## Effect of the number of tags per image",
        "",
        "| tags on the image | images | P(tag \\| present) (%) | P(present \\| tag) (%) |",
        "|---|---|---|---|",
    ]
    for label, n, a, a_se, b, b_se in zip(
        count.labels, count.n_images, count.tag_given_present, count.tag_given_present_se,
        count.present_given_tag, count.present_given_tag_se,
    ):
        lines.append(f"| {label} | {n} | {pct(a, a_se)} | {pct(b, b_se)} |")
    lines += [
        "",
        "## Per concept (concept map)",
        "",
        "| concept | present | tagged | P(tag \\| present) (%) | P(tag \\| absent) (%) "
        "| P(present \\| tag) (%) |",
        "|---|---|---|---|---|---|",
    ]
    for j, c in enumerate(noise.concepts):
        lines.append(
            f"| {c} | {noise.n_present[j]} | {noise.n_tagged[j]} "
            f"| {pct(noise.tag_given_present[j])} | {pct(noise.tag_given_absent[j])} "
            f"| {pct(noise.present_given_tag[j])} |"
        )
    return "\n".join(lines) + "\n"


def to_json(noise, pos, count, narrow, synonyms):
    def plain(result):
        out = {}
        for k, v in vars(result).items():
            if isinstance(v, np.ndarray):
                v = [None if isinstance(x, float) and np.isnan(x) else x
                     for x in v.tolist()]
            out[k] = v
        return out

    return {"data": "MIRFLICKR-25k (Huiskes & Lew, ACM MIR 2008), 20,015 images",
            "concept_map": MIRFLICKR_CONCEPT_TAGS, "tag_noise": plain(noise),
            "tag_noise_name_only": plain(narrow), "position_accuracy": plain(pos),
            "name_synonyms_map": NAME_SYNONYMS,
            "tag_noise_name_synonyms": plain(synonyms[0]),
            "position_accuracy_name_synonyms": plain(synonyms[1]),
            "tag_count_effect": plain(count), "paper_nus_wide": PAPER}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SKROBUST_MIRFLICKR_DIR",
                             str(REPO.parent / "shared" / "data" / "mirflickr25k"))
    parser.add_argument("data_dir", nargs="?", default=default, type=Path)
    parser.add_argument("--out", default=RESULTS, type=Path)
    args = parser.parse_args(argv)

    tags, Z = load(args.data_dir)
    assert list(MIRFLICKR_CONCEPT_TAGS) == CONCEPTS
    noise, pos, count, n_tags = analyse(tags, Z, MIRFLICKR_CONCEPT_TAGS)
    narrow = analyse(tags, Z, NAME_ONLY)[0]
    synonyms = analyse(tags, Z, NAME_SYNONYMS)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tag_noise.md").write_text(markdown(noise, pos, count, narrow, synonyms, n_tags))
    (args.out / "tag_noise.json").write_text(
        json.dumps(to_json(noise, pos, count, narrow, synonyms), indent=1, default=str) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    from skrobust.plotting import plot_tag_position_accuracy

    ax = plot_tag_position_accuracy(
        pos, label="MIRFLICKR-25k (this analysis)",
        reference={"labels": ["1-2", "11+"],
                   "accuracy": [PAPER["position_accuracy"]["1-2"],
                                PAPER["position_accuracy"]["20+"]],
                   "label": "paper, NUS-WIDE (1-2 and 20+)"})
    ax.set_title("Accuracy of user tags by position (MIRFLICKR-25k)")
    ax.figure.savefig(args.out / "tag_noise_position.png", dpi=120)

    print(f"P(tag|present) {noise.overall_tag_given_present:.4f}  "
          f"P(tag|absent) {noise.overall_tag_given_absent:.4f}  "
          f"P(present|tag) {noise.overall_present_given_tag:.4f}")
    print(f"name only: {narrow.overall_tag_given_present:.4f} "
          f"{narrow.overall_tag_given_absent:.4f} {narrow.overall_present_given_tag:.4f}")
    sn = synonyms[0]
    print(f"name + synonyms: {sn.overall_tag_given_present:.4f} "
          f"{sn.overall_tag_given_absent:.4f} {sn.overall_present_given_tag:.4f}; "
          "position", np.round(synonyms[1].accuracy, 3).tolist())
    print("position:", dict(zip(pos.labels.tolist(), np.round(pos.accuracy, 3).tolist())))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
