"""Wall time of skrobust.metrics on paper-sized test sets (NumPy, float64).

Random 0/1 tag matrices (81 tags, as NUS-WIDE's concepts) with a given mean number of
true tags per image, and uniform random probabilities. Retrieval queries every 1-, 2-
and 3-tag combination that some image has (no subsampling), which at 6 tags per image
is almost all 85,320 triples of 81 tags. Reported: the number of queries per size, the
time to enumerate them from the sparse tag matrix, the total retrieval time, and the
time of tag prediction and annotation at k=5.

Usage: python benchmarks/bench_metrics.py [--images 4000 20000] [--tags-per-image 3 6]
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp

from _common import median_time, print_table, save
from skrobust.metrics._queries import enumerate_queries
from skrobust.metrics import annotation_scores, retrieval_precision, tag_prediction_scores


def measure(n_images, tags_per_image, n_tags=81, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.random((n_images, n_tags)) < tags_per_image / n_tags
    P = rng.random((n_images, n_tags))

    start = time.perf_counter()
    queries = enumerate_queries(sp.csc_matrix(Y), [1, 2, 3])
    enumerate_s = time.perf_counter() - start
    start = time.perf_counter()
    retrieval_precision(Y, P, k=5)
    retrieval_s = time.perf_counter() - start
    return {
        "images": n_images,
        "tags": n_tags,
        "tags_per_image": tags_per_image,
        "queries_1": len(queries[1]),
        "queries_2": len(queries[2]),
        "queries_3": len(queries[3]),
        "enumerate_s": enumerate_s,
        "retrieval_s": retrieval_s,
        "tag_prediction_ms": 1e3 * median_time(lambda: tag_prediction_scores(Y, P, k=5), 3),
        "annotation_ms": 1e3 * median_time(lambda: annotation_scores(Y, P, k=5), 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, nargs="+", default=[4000, 20000])
    parser.add_argument("--tags-per-image", type=float, nargs="+", default=[3, 6])
    args = parser.parse_args()
    rows = [measure(n, t) for n in args.images for t in args.tags_per_image]
    print_table(rows, list(rows[0]))
    save("metrics", {"rows": rows})


if __name__ == "__main__":
    main()
