"""skrobust.streaming: training from files chunk by chunk, checkpoints, bad chunks."""

import os
import pickle
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.streaming import (
    ChunkedDataset,
    ChunkError,
    fit_stream,
    iter_chunks,
    load_checkpoint,
)
from skrobust._persistence import _archive

N_SAMPLES, CHUNK = 1000, 200  # the file is 5 chunks long
STATE = ("coef_", "intercept_", "pi_", "gamma_", "t_", "n_iter_", "loss_curve_")


@pytest.fixture(scope="module")
def tagged():
    X, Y, _ = make_tagged_classification(
        n_samples=N_SAMPLES, n_features=6, n_tags=3, pi=[0.3, 0.6, 0.9],
        dtype=np.float32, random_state=0,
    )
    return X, Y


@pytest.fixture
def files(tagged, tmp_path):
    """Features as .npy, tags as a sparse .npz and as a dense .npy."""
    X, Y = tagged
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    sp.save_npz(tmp_path / "Y.npz", sp.csr_matrix(Y))
    return tmp_path


def model():
    return RobustLogisticRegression(batch_size=50, random_state=0)


def in_memory(X, Y, dataset, n_epochs, estimator=None):
    """The reference: partial_fit on in-memory slices, in the dataset's chunk order."""
    estimator = model() if estimator is None else estimator
    for epoch in range(n_epochs):
        for index in dataset.chunk_order(epoch):
            start, stop = dataset.chunk_rows(index)
            estimator.partial_fit(X[start:stop], Y[start:stop])
    return estimator


def assert_same_model(a, b):
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# ----------------------------------------------------------------- the same model


@pytest.mark.parametrize("tags", ["Y.npz", "Y.npy"])
def test_out_of_core_equals_in_memory(tagged, files, tags):
    X, Y = tagged
    data = ChunkedDataset(files / "X.npy", files / tags, chunk_size=CHUNK, random_state=3)
    assert (data.n_samples, data.n_features, data.n_tags, data.n_chunks) == (1000, 6, 3, 5)
    streamed = fit_stream(model(), data, n_epochs=3, progress=False)
    assert_same_model(streamed, in_memory(X, Y, data, n_epochs=3))
    assert streamed.n_iter_ == 15  # one pass per chunk
    assert streamed.coef_.dtype == np.float32


def test_several_files_with_chunks_across_file_boundaries(tagged, tmp_path):
    X, Y = tagged
    cuts = [0, 130, 550, 1000]  # no boundary falls on a multiple of the chunk size
    paths = []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        np.save(tmp_path / f"X{i}.npy", X[a:b])
        paths.append(tmp_path / f"X{i}.npy")
    tags = [sp.csr_matrix(Y[:600]), sp.csr_matrix(Y[600:])]  # parts need not match X's
    data = ChunkedDataset(paths, tags, chunk_size=CHUNK, random_state=1)
    chunk = data.read_chunk(0)
    np.testing.assert_array_equal(chunk.X, X[:200])
    np.testing.assert_array_equal(chunk.Y.toarray(), Y[:200])
    assert "X0.npy' rows 0-129" in data.describe_chunk(0)
    assert "X1.npy' rows 0-69" in data.describe_chunk(0)
    streamed = fit_stream(model(), data, n_epochs=2, progress=False)
    assert_same_model(streamed, in_memory(X, Y, data, n_epochs=2))


def test_chunk_orders(tagged):
    X, Y = tagged
    data = ChunkedDataset(X, Y, chunk_size=100, random_state=0)
    orders = [data.chunk_order(epoch) for epoch in range(3)]
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(10))
    assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch
    again = ChunkedDataset(X, Y, chunk_size=100, random_state=0)
    np.testing.assert_array_equal(again.chunk_order(1), orders[1])
    fixed = ChunkedDataset(X, Y, chunk_size=100, shuffle_chunks=False)
    np.testing.assert_array_equal(fixed.chunk_order(5), np.arange(10))
    assert [c.index for c in data.iter_epoch(0, start=7)] == orders[0][7:].tolist()


def test_iter_chunks_covers_every_row_once(tagged, files):
    X, _ = tagged
    seen = []
    for X_chunk, Y_chunk, index in iter_chunks(files / "X.npy", files / "Y.npz", 300,
                                               random_state=0):
        start = index * 300
        np.testing.assert_array_equal(X_chunk, X[start : start + 300])
        assert sp.issparse(Y_chunk) and Y_chunk.shape == (X_chunk.shape[0], 3)
        seen.append(index)
    assert sorted(seen) == [0, 1, 2, 3] and seen != [0, 1, 2, 3]


def test_binary_labels_and_partial_fit_params(tagged):
    X, Y = tagged
    labels = np.where(Y[:, 0] == 1, "cat", "dog")
    data = ChunkedDataset(X, labels, chunk_size=CHUNK, shuffle_chunks=False)
    fitted = fit_stream(model(), data, progress=False, classes=["cat", "dog"])
    assert list(fitted.classes_) == ["cat", "dog"]
    assert fitted.coef_.shape == (1, 6)


def test_callers_arrays_are_not_modified(tagged):
    X, Y = tagged
    X_before, Y_before = X.copy(), Y.copy()
    fit_stream(model(), ChunkedDataset(X, Y, chunk_size=CHUNK), n_epochs=2, progress=False)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


def test_plain_iterables_of_chunks(tagged):
    X, Y = tagged
    chunks = [(X[i : i + CHUNK], Y[i : i + CHUNK]) for i in range(0, N_SAMPLES, CHUNK)]
    streamed = fit_stream(model(), chunks, progress=False)
    reference = model()
    for Xc, Yc in chunks:
        reference.partial_fit(Xc, Yc)
    assert_same_model(streamed, reference)
    with pytest.raises(ValueError, match="need a ChunkedDataset"):
        fit_stream(model(), chunks, n_epochs=2)
    with pytest.raises(TypeError, match="must be an"):
        fit_stream(model(), [X], progress=False)


def test_progress_bar_is_optional(tagged, monkeypatch, capsys):
    X, Y = tagged
    data = ChunkedDataset(X, Y, chunk_size=CHUNK)
    fit_stream(model(), data, progress=True)
    assert "chunk" in capsys.readouterr().err  # tqdm draws on stderr
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)  # not installed
    fitted = fit_stream(model(), data, progress=True)
    assert fitted.n_iter_ == 5 and capsys.readouterr().err == ""


# --------------------------------------------------------- checkpoint and resume


class Interrupt:
    """Make the dataset raise KeyboardInterrupt on its n-th chunk read."""

    def __init__(self, dataset, at):
        self.dataset, self.at, self.reads = dataset, at, 0
        self.read_chunk = dataset.read_chunk

    def __call__(self, index):
        self.reads += 1
        if self.reads == self.at:
            raise KeyboardInterrupt
        return self.read_chunk(index)


@pytest.mark.parametrize("at", [1, 3, 5, 6, 9])  # 5 chunks per epoch: 6 is epoch 2's 1st
@pytest.mark.parametrize("every", [1, 3])
def test_resume_after_interrupt_is_exact(files, monkeypatch, at, every):
    def dataset():
        # random_state=None: the second dataset draws another seed; resuming must
        # follow the checkpoint's chunk orders, not the new dataset's.
        return ChunkedDataset(files / "X.npy", files / "Y.npz", chunk_size=CHUNK)

    first = dataset()
    uninterrupted = fit_stream(model(), first, n_epochs=2, progress=False)

    path = files / "run.ckpt"
    monkeypatch.setattr(first, "read_chunk", Interrupt(first, at))
    interrupted = model()
    with pytest.raises(KeyboardInterrupt):
        fit_stream(interrupted, first, n_epochs=2, checkpoint=path, checkpoint_every=every,
                   progress=False)
    saved = load_checkpoint(path) if at > 1 else None
    if saved is not None:  # the interrupt saved the last good state
        assert saved.chunks_done == at - 1
        assert_same_model(saved.estimator, interrupted)

    second = dataset()
    assert second.seed != first.seed
    resumed = fit_stream(model(), second, n_epochs=2, checkpoint=path, progress=False)
    assert_same_model(resumed, uninterrupted)
    assert [p.name for p in files.iterdir() if p.suffix == ".tmp"] == []


def test_resume_from_pickle_in_a_new_object_and_longer_runs(files):
    data = ChunkedDataset(files / "X.npy", files / "Y.npy", chunk_size=CHUNK, random_state=0)
    path = files / "run.ckpt"
    once = fit_stream(model(), data, n_epochs=1, checkpoint=path, progress=False)
    done = load_checkpoint(path)
    assert (done.epoch, done.position, done.chunks_done) == (1, 0, 5)
    # Same call again: already finished, nothing is trained.
    again = fit_stream(model(), data, n_epochs=1, checkpoint=path, progress=False)
    assert_same_model(again, once)
    # A larger n_epochs trains on from the checkpoint to the same end as one long run.
    longer = fit_stream(model(), data, n_epochs=3, checkpoint=path, progress=False)
    straight = fit_stream(model(), data, n_epochs=3, progress=False)
    assert_same_model(longer, straight)


def test_checkpoint_write_is_atomic(files, monkeypatch):
    data = ChunkedDataset(files / "X.npy", files / "Y.npy", chunk_size=CHUNK, random_state=0)
    path = files / "run.ckpt"
    fit_stream(model(), data, checkpoint=path, progress=False)
    before = path.read_bytes()

    def broken_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_archive, "_write_and_sync", broken_write)
    with pytest.raises(OSError, match="disk full"):
        fit_stream(model(), data, n_epochs=2, checkpoint=path, progress=False)
    assert path.read_bytes() == before  # the old checkpoint is whole
    assert sorted(p.name for p in files.iterdir()) == [
        "X.npy", "Y.npy", "Y.npz", "run.ckpt"
    ]


def test_resume_refuses_other_estimators_and_data(files, tagged):
    data = ChunkedDataset(files / "X.npy", files / "Y.npy", chunk_size=CHUNK, random_state=0)
    path = files / "run.ckpt"
    fit_stream(model(), data, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="not the estimator passed"):
        fit_stream(RobustLogisticRegression(batch_size=10), data, checkpoint=path)
    other = ChunkedDataset(files / "X.npy", files / "Y.npy", chunk_size=100)
    with pytest.raises(ValueError, match="was written for data"):
        fit_stream(model(), other, checkpoint=path)
    (files / "junk.ckpt").write_bytes(pickle.dumps({"a": "x" * 500}))  # a pickle
    with pytest.raises(ValueError, match="junk.ckpt' does not end with skrobust's trailer"):
        load_checkpoint(files / "junk.ckpt")


# ----------------------------------------------------------- bad chunks mid-stream


def test_nan_chunk_names_the_chunk_and_keeps_the_model(tagged, files):
    X, Y = tagged
    bad = X.copy()
    bad[650, 2] = np.nan  # chunk 3 (rows 600-799)
    np.save(files / "bad.npy", bad)
    data = ChunkedDataset(files / "bad.npy", files / "Y.npz", chunk_size=CHUNK,
                          shuffle_chunks=False)
    path = files / "run.ckpt"
    estimator = model()
    with pytest.raises(ChunkError, match=r"(?s)chunk 3 \(rows 600-799; X: '.*bad.npy' rows 600-799; "
                       r"Y: '.*Y.npz' rows 600-799\).*Stopped after 3 chunks.*NaN") as info:
        fit_stream(estimator, data, checkpoint=path, checkpoint_every=2, progress=False)
    error = info.value
    assert (error.chunk_index, error.epoch, error.position, error.chunks_done) == (3, 0, 3, 3)
    assert isinstance(error.__cause__, ValueError)
    before = model()
    for start in (0, 200, 400):
        before.partial_fit(X[start : start + CHUNK], Y[start : start + CHUNK])
    assert_same_model(estimator, before)
    assert_same_model(load_checkpoint(path).estimator, before)  # saved though every=2

    # Fix the file: the checkpoint sees that the data changed, and resumes at the
    # failed chunk when told the change is deliberate.
    np.save(files / "bad.npy", X)
    data = ChunkedDataset(files / "bad.npy", files / "Y.npz", chunk_size=CHUNK,
                          shuffle_chunks=False)
    with pytest.raises(ValueError, match=r"run.ckpt' was written for other data: X \("
                       r"'.*bad.npy'\): modification time was .*allow_data_change=True"):
        fit_stream(model(), data, checkpoint=path, progress=False)
    resumed = fit_stream(model(), data, checkpoint=path, progress=False,
                         allow_data_change=True)
    assert_same_model(resumed, in_memory(X, Y, data, n_epochs=1))


def test_file_truncated_mid_stream(tagged, files):
    X, Y = tagged
    data = ChunkedDataset(files / "X.npy", files / "Y.npz", chunk_size=CHUNK,
                          shuffle_chunks=False)
    # The file loses its last 250 rows after the dataset was opened (a copy in
    # progress, a full disk): chunks 0-3 are whole, chunk 4 is short.
    row_bytes = X.shape[1] * X.itemsize
    os.truncate(files / "X.npy", os.path.getsize(files / "X.npy") - 150 * row_bytes)
    estimator = model()
    with pytest.raises(ChunkError, match=r"(?s)chunk 4 \(rows 800-999.*"
                       r"Stopped after 4 chunks.*X.npy' is truncated") as info:
        fit_stream(estimator, data, progress=False)
    assert info.value.chunk_index == 4
    reference = model()
    for start in (0, 200, 400, 600):
        reference.partial_fit(X[start : start + CHUNK], Y[start : start + CHUNK])
    assert_same_model(estimator, reference)
    # Opening the truncated file again fails at once, naming it.
    with pytest.raises(ValueError, match=r"Cannot read '.*X.npy' as a .npy array"):
        ChunkedDataset(files / "X.npy", files / "Y.npz", chunk_size=CHUNK)


def test_chunk_with_another_tag_count(tagged):
    X, Y = tagged
    chunks = [(X[i : i + CHUNK], Y[i : i + CHUNK], i // CHUNK) for i in range(0, 600, CHUNK)]
    chunks[2] = (chunks[2][0], np.hstack([chunks[2][1], chunks[2][1][:, :1]]), 2)
    estimator = model()
    with pytest.raises(ChunkError, match=r"(?s)chunk 2 .*Stopped after 2 chunks.*4 tags"):
        fit_stream(estimator, chunks, progress=False)
    reference = model()
    for Xc, Yc, _ in chunks[:2]:
        reference.partial_fit(Xc, Yc)
    assert_same_model(estimator, reference)


def test_construction_checks(tagged, files):
    X, Y = tagged
    np.save(files / "Y4.npy", np.hstack([Y, Y[:, :1]]))
    with pytest.raises(ValueError, match=r"disagree on their columns.*Y.npy.*Y4.npy"):
        ChunkedDataset(X, [files / "Y.npy", files / "Y4.npy"])
    with pytest.raises(ValueError, match="different numbers of rows: 1000 and 999"):
        ChunkedDataset(X, Y[:-1])
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        ChunkedDataset(X, Y, chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size must be an int"):
        ChunkedDataset(X, Y, chunk_size=10.0)
    np.save(files / "F.npy", np.asfortranarray(X))
    with pytest.raises(ValueError, match="Fortran order"):
        ChunkedDataset(files / "F.npy", Y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        ChunkedDataset(X[:, 0], Y)
    with pytest.raises(ValueError, match="positive int"):
        fit_stream(model(), ChunkedDataset(X, Y), n_epochs=0)


# ------------------------------------------------------------------------ memory


def test_memory_stays_at_one_chunk_as_the_file_grows(tmp_path):
    """Python-side allocations (NumPy reports its buffers to tracemalloc) of a
    streamed fit do not grow with the file: 2 and 16 chunks peak alike."""
    rng = np.random.default_rng(0)
    chunk_rows, d = 2000, 64
    peaks = {}
    for n_chunks in (2, 16):
        X = rng.standard_normal((n_chunks * chunk_rows, d), dtype=np.float32)
        Y = (rng.random((n_chunks * chunk_rows, 5)) < 0.2).astype(np.int8)
        np.save(tmp_path / f"X{n_chunks}.npy", X)
        np.save(tmp_path / f"Y{n_chunks}.npy", Y)
        del X, Y
        data = ChunkedDataset(tmp_path / f"X{n_chunks}.npy", tmp_path / f"Y{n_chunks}.npy",
                              chunk_size=chunk_rows, random_state=0)
        tracemalloc.start()
        fit_stream(RobustLogisticRegression(random_state=0), data, progress=False)
        peaks[n_chunks] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    chunk_bytes = chunk_rows * d * 4
    assert peaks[16] < 1.25 * peaks[2], peaks
    assert peaks[16] < 4 * chunk_bytes, peaks  # the whole file would be 16 chunks
