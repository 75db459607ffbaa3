"""Build skrobust's embedded MIRFLICKR subset (skrobust/datasets/data/mirflickr_subset.npz).

Takes the photos im1..im1000 of MIRFLICKR-25k that belong to the labelled
20,015-image subset (730 of them), computes their CNN features with
skrobust.features.CNNFeaturizer, and stores features, ordered user tags, the 24
manual labels and the image ids. The photos themselves are not stored.

Usage (from the repository root; needs the extra skrobust[features]):

    python scripts/build_mirflickr_subset.py --data-dir ../shared/data/mirflickr25k

The data directory may also come from $SKROBUST_MIRFLICKR_DIR, or from
$SKROBUST_SHARED_DATA (its mirflickr25k/ folder). The output is byte-for-byte
reproducible for the same features (fixed zip timestamps); the script prints
what it wrote and its SHA-256.
"""

import argparse
import hashlib
import io
import os
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "skrobust" / "datasets" / "data" / "mirflickr_subset.npz"
MAX_IMAGE_ID = 1000  # the photos im1..im1000 are the ones we have


def _data_dir(arg):
    if arg:
        return Path(arg)
    if os.environ.get("SKROBUST_MIRFLICKR_DIR"):
        return Path(os.environ["SKROBUST_MIRFLICKR_DIR"])
    if os.environ.get("SKROBUST_SHARED_DATA"):
        return Path(os.environ["SKROBUST_SHARED_DATA"]) / "mirflickr25k"
    sys.exit(
        "error: give --data-dir, or set SKROBUST_MIRFLICKR_DIR or SKROBUST_SHARED_DATA"
    )


def _write_npz(path, arrays):
    """Like np.savez_compressed, with fixed timestamps so equal data hash equal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)
    tmp.replace(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the mirflickr25k directory (with images/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--dtype", choices=["float16", "float32"], default="float32",
        help="storage dtype of the features (float16 halves the file; float32 is exact)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))  # run from a checkout without installing
    from skrobust.datasets._mirflickr import (
        MIRFLICKR_CONCEPTS,
        photo_paths,
        read_mirflickr25k_files,
    )
    from skrobust.features import CNNFeaturizer
    from skrobust.features._network import _weights_path

    data_dir = _data_dir(args.data_dir)
    image_ids, tags, labels, _ = read_mirflickr25k_files(data_dir)
    keep = np.flatnonzero(image_ids <= MAX_IMAGE_ID)
    keep = keep[np.argsort(image_ids[keep], kind="stable")]
    ids = image_ids[keep]
    paths = photo_paths(data_dir, ids)
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        sys.exit(f"error: {len(missing)} photos missing, e.g. {missing[0]}")
    print(f"{len(ids)} of the photos im1..im{MAX_IMAGE_ID} are in the labelled subset")

    featurizer = CNNFeaturizer(
        device=args.device, batch_size=args.batch_size, dtype="float32", progress=True
    )
    start = time.perf_counter()
    X = featurizer.transform(paths)
    seconds = time.perf_counter() - start
    print(f"featurized {len(paths)} photos in {seconds:.1f} s on {args.device}")

    import torch

    extractor = (
        f"skrobust.features.CNNFeaturizer(normalization={featurizer.normalization!r}, "
        f"batch_size={args.batch_size}): EfficientNet-Lite0 ImageNet weights "
        f"{Path(_weights_path()).name}, torch {torch.__version__}, device "
        f"{args.device}; stored as {args.dtype}"
    )
    arrays = {
        "data": X.astype(args.dtype),
        "target": labels[keep].astype(np.int8),
        "image_ids": ids.astype(np.int32),
        # Tags contain no commas (all_tags.txt is comma-separated), so one joined
        # string per image stores the ordered lists without pickle.
        "tags": np.array([",".join(tags[i]) for i in keep], dtype=str),
        "target_names": np.array(MIRFLICKR_CONCEPTS, dtype=str),
        "feature_extractor": np.array(extractor),
    }
    _write_npz(args.output, arrays)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    for name, a in arrays.items():
        print(f"  {name}: shape {a.shape}, dtype {a.dtype}")
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
