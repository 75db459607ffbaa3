"""How fast does TagVectorizer turn a million tag lists into a matrix?

Synthetic but realistic input: tag frequencies follow a Zipf law over a vocabulary of
distinct strings (Flickr tag use is heavy-tailed), a fifth of them plural forms of
others, plus years and camera names; list lengths are geometric with mean ~8 (Flickr
lists are short, a few are long). Times fit, streaming partial_fit over chunks, and
transform, with WordNet lemmatization (default) and without. Prints a table and writes
benchmarks/results/tag_vectorizer.json.

Usage: python benchmarks/bench_tag_vectorizer.py [--n-images 1000000] [--vocab 100000]
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from skrobust.tags import TagVectorizer, WordNetNotFoundError, wordnet_lemmatize


def make_tag_lists(n_images, vocab_size, seed=0):
    rng = np.random.default_rng(seed)
    base = [f"tag{i}" for i in range(vocab_size)]
    # A fifth of the vocabulary are plurals of real words, so the lemmatizer has work.
    words = ["car", "dog", "church", "goose", "tree", "flower", "cloud", "bus", "glass"]
    for i in range(0, vocab_size, 5):
        base[i] = f"{words[i % len(words)]}{i}s" if i % 10 else words[i % len(words)] + "s"
    base[:6] = ["2008", "nikon", "canon", "d80", "explore", "flickr"]
    vocab = np.array(base, dtype=object)
    weights = 1.0 / np.arange(1, vocab_size + 1) ** 1.05
    weights /= weights.sum()
    lengths = np.minimum(rng.geometric(1 / 8, size=n_images), 75)
    draws = vocab[rng.choice(vocab_size, size=lengths.sum(), p=weights)]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [draws[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:])]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(X, lemmatize, chunk):
    rows = {}
    vec = TagVectorizer(lemmatize=lemmatize, min_images=5)
    rows["fit_transform"], Y = timed(lambda: vec.fit_transform(X))
    stream = TagVectorizer(lemmatize=lemmatize, min_images=5)

    def stream_fit():
        for start in range(0, len(X), chunk):
            stream.partial_fit(X[start : start + chunk])

    rows["partial_fit (chunks)"], _ = timed(stream_fit)
    assert stream.vocabulary_ == vec.vocabulary_, "streaming vocabulary differs from batch"
    rows["transform"], _ = timed(lambda: vec.transform(X))
    rows["transform_positions"], _ = timed(lambda: vec.transform_positions(X))
    return rows, Y.shape, Y.nnz


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=1_000_000)
    parser.add_argument("--vocab", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    args = parser.parse_args()

    t_make, X = timed(lambda: make_tag_lists(args.n_images, args.vocab))
    n_tags = sum(map(len, X))
    print(f"{args.n_images:,} tag lists, {n_tags:,} tags, {args.vocab:,}-string "
          f"vocabulary (generated in {t_make:.1f} s)")
    try:
        wordnet_lemmatize("cars")
        modes = {"wordnet": "wordnet", "none": None}
    except WordNetNotFoundError:
        print("WordNet not installed: timing lemmatize=None only")
        modes = {"none": None}

    results = {}
    print(f"{'lemmatize':<10} {'step':<22} {'seconds':>8} {'images/s':>12}")
    for name, lemmatize in modes.items():
        wordnet_lemmatize.cache_clear()  # each run pays for its own lemmatization
        rows, shape, nnz = run(X, lemmatize, args.chunk)
        for step, seconds in rows.items():
            print(f"{name:<10} {step:<22} {seconds:8.2f} {args.n_images / seconds:12,.0f}")
        results[name] = {"seconds": rows, "shape": list(shape), "nnz": int(nnz)}

    out = Path(__file__).parent / "results" / "tag_vectorizer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "n_images": args.n_images, "n_tags": n_tags, "vocab_strings": args.vocab,
        "chunk": args.chunk, "machine": platform.platform(),
        "python": platform.python_version(), "results": results,
    }, indent=1) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
