"""Faults against checkpoints and saved models: kill -9 mid-training and mid-write,
single-byte flips at every region of the file, truncation, crafted files that try to
run code, data changed between runs. Each must resume bit-exactly or raise a clear
error naming the file; none may load silently or execute anything."""

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import sklearn

import skrobust
from skrobust import RobustLogisticRegression
from skrobust._persistence import _archive
from skrobust.datasets import make_tagged_classification
from skrobust.streaming import ChunkedDataset, fit_stream, load_checkpoint

from _shared import REPO

STATE = ("coef_", "intercept_", "pi_", "gamma_", "t_", "n_iter_", "loss_curve_")
N_EPOCHS, CHUNK = 2, 100

# The subprocess tests run in one xdist worker, one after the other: on a 2-core
# machine two of them at once (plus the other worker) would only slow each other.
subprocess_test = pytest.mark.xdist_group("subprocess-kill")


def model():
    return RobustLogisticRegression(batch_size=50, random_state=0)


def assert_same_model(a, b):
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.fixture(scope="module")
def tagged():
    X, Y, _ = make_tagged_classification(
        n_samples=600, n_features=4, n_tags=2, pi=[0.4, 0.8], dtype=np.float32,
        random_state=0,
    )
    return X, Y


@pytest.fixture
def files(tagged, tmp_path):
    X, Y = tagged
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    return tmp_path


def dataset(folder):
    return ChunkedDataset(folder / "X.npy", folder / "Y.npy", chunk_size=CHUNK, random_state=0)


@pytest.fixture(scope="module")
def uninterrupted(tagged, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    np.save(folder / "X.npy", tagged[0])
    np.save(folder / "Y.npy", tagged[1])
    return fit_stream(model(), dataset(folder), n_epochs=N_EPOCHS, progress=False)


def stale_temp_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------- kill -9

CHILD = r"""
import os, signal, sys, time
from pathlib import Path
from skrobust import RobustLogisticRegression
from skrobust._persistence import _archive
from skrobust.streaming import ChunkedDataset, fit_stream

mode, at = sys.argv[1], int(sys.argv[2])
folder = Path.cwd()
calls = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if mode == "train":  # killed as chunk `at` starts training
    partial_fit = RobustLogisticRegression.partial_fit
    def dying_partial_fit(self, *args, **kwargs):
        global calls
        calls += 1
        if calls == at:
            die()
        return partial_fit(self, *args, **kwargs)
    RobustLogisticRegression.partial_fit = dying_partial_fit
elif mode == "write":  # killed halfway through writing checkpoint `at`
    write = _archive._write_and_sync
    def dying_write(file, data):
        global calls
        calls += 1
        if calls == at:
            file.write(data[: len(data) // 2])
            file.flush()
            os.fsync(file.fileno())
            die()
        return write(file, data)
    _archive._write_and_sync = dying_write
elif mode == "external":  # reports each chunk; the parent kills it when it likes
    partial_fit = RobustLogisticRegression.partial_fit
    def reporting_partial_fit(self, *args, **kwargs):
        out = partial_fit(self, *args, **kwargs)
        print("chunk done", flush=True)
        time.sleep(0.05)
        return out
    RobustLogisticRegression.partial_fit = reporting_partial_fit

data = ChunkedDataset(folder / "X.npy", folder / "Y.npy", chunk_size=%(chunk)d, random_state=0)
fit_stream(RobustLogisticRegression(batch_size=50, random_state=0), data,
           n_epochs=%(epochs)d, checkpoint=folder / "run.ckpt", progress=False)
print("finished", flush=True)
""" % {"chunk": CHUNK, "epochs": N_EPOCHS}


def child(folder, mode, at=0):
    (folder / "child.py").write_text(CHILD)
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.Popen(
        [sys.executable, "child.py", mode, str(at)], cwd=folder, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_killed(process):
    out, err = process.communicate(timeout=180)
    assert process.returncode == -signal.SIGKILL, (process.returncode, out, err)


def resume_and_compare(folder, uninterrupted):
    resumed = fit_stream(model(), dataset(folder), n_epochs=N_EPOCHS,
                         checkpoint=folder / "run.ckpt", progress=False)
    assert_same_model(resumed, uninterrupted)
    assert stale_temp_files(folder) == []


@subprocess_test
def test_kill_during_training_resumes_exactly(files, uninterrupted):
    wait_killed(child(files, "train", at=8))  # 6 chunks per epoch: in the 2nd epoch
    assert load_checkpoint(files / "run.ckpt").chunks_done == 7
    resume_and_compare(files, uninterrupted)


@subprocess_test
@pytest.mark.parametrize("at", [1, 5])
def test_kill_during_checkpoint_write_resumes_exactly(files, uninterrupted, at):
    wait_killed(child(files, "write", at=at))
    # The torn write is a temp file; the checkpoint before it is whole.
    [stale] = stale_temp_files(files)
    assert stale.startswith(".run.ckpt.")
    if at == 1:
        assert not (files / "run.ckpt").exists()
    else:
        assert load_checkpoint(files / "run.ckpt").chunks_done == at - 1
    resume_and_compare(files, uninterrupted)  # and the temp file is removed


@subprocess_test
def test_kill_from_outside_at_any_moment_resumes_exactly(files, uninterrupted):
    process = child(files, "external")
    for _ in range(3):
        assert process.stdout.readline().strip() == "chunk done"
    process.kill()  # SIGKILL, wherever it is: training, sleeping, writing
    wait_killed(process)
    # At least the 2 chunks before the last reported one are saved; not all 12.
    assert 2 <= load_checkpoint(files / "run.ckpt").chunks_done < 2 * 6
    resume_and_compare(files, uninterrupted)


def test_stale_temp_files_of_this_checkpoint_only_are_removed(files):
    (files / ".run.ckpt.k2j3h4.tmp").write_bytes(b"torn")
    (files / ".other.ckpt.k2j3h4.tmp").write_bytes(b"someone else's")
    fit_stream(model(), dataset(files), checkpoint=files / "run.ckpt", progress=False)
    assert stale_temp_files(files) == [".other.ckpt.k2j3h4.tmp"]


# ------------------------------------------------------- damaged and truncated


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    """A small checkpoint and a small saved model, as bytes."""
    folder = tmp_path_factory.mktemp("small")
    X, Y, _ = make_tagged_classification(n_samples=200, n_features=3, n_tags=2, random_state=0)
    fit_stream(model(), ChunkedDataset(X, Y, chunk_size=100, random_state=0),
               checkpoint=folder / "run.ckpt", progress=False)
    skrobust.save(load_checkpoint(folder / "run.ckpt").estimator, folder / "model.skrobust")
    return {
        "checkpoint": (folder / "run.ckpt").read_bytes(),
        "model": (folder / "model.skrobust").read_bytes(),
    }


def regions(data):
    """Offsets in every region of an archive: each member's zip header, the start,
    middle and end of its data, the central directory, the end record, the trailer
    of hashes; plus 50 offsets evenly spaced over the whole file."""
    offsets = set(np.linspace(0, len(data) - 1, 50).astype(int).tolist())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        directory = archive.start_dir
    for info in infos:
        start = info.header_offset + 30 + len(info.filename.encode())
        offsets.update({info.header_offset, info.header_offset + 10, start,
                        start + info.file_size // 2, start + info.file_size - 1})
    end_record = data.rindex(b"PK\x05\x06")
    offsets.update({directory, directory + 20, end_record, end_record + 12,
                    end_record + 20, end_record + 22, len(data) - 100, len(data) - 1})
    return sorted(offsets)


def loader(kind):
    return load_checkpoint if kind == "checkpoint" else skrobust.load


@pytest.mark.parametrize("kind", ["checkpoint", "model"])
def test_every_single_byte_flip_is_detected(small_files, kind, tmp_path):
    good = small_files[kind]
    path = tmp_path / f"flipped-{kind}"
    offsets = regions(good)
    assert len(offsets) > 70
    for offset in offsets:
        for mask in (0x01, 0xFF):
            data = bytearray(good)
            data[offset] ^= mask
            path.write_bytes(bytes(data))
            with pytest.raises(ValueError) as info:
                loader(kind)(path)
            assert f"'{path}'" in str(info.value), (offset, str(info.value))


def test_a_flip_in_the_coefficients_names_the_member_and_both_hashes(small_files, tmp_path):
    good = small_files["checkpoint"]
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        member = manifest["root"]["items"][0][1]["attributes"]["coef_"]["member"]
        info = archive.getinfo(member)
    data = bytearray(good)
    data[info.header_offset + 30 + len(member) + info.file_size - 1] ^= 0x01  # a coef_ byte
    path = tmp_path / "run.ckpt"
    path.write_bytes(bytes(data))
    expected = manifest["arrays"][member]["sha256"]
    with pytest.raises(ValueError, match=rf"run.ckpt' is damaged: member '{member}' has "
                                         rf"sha256 [0-9a-f]{{64}}, expected {expected}"):
        load_checkpoint(path)
    # fit_stream refuses to resume from it, and leaves it as it is.
    X, Y, _ = make_tagged_classification(n_samples=200, n_features=3, n_tags=2, random_state=0)
    with pytest.raises(ValueError, match="is damaged"):
        fit_stream(model(), ChunkedDataset(X, Y, chunk_size=100), checkpoint=path,
                   progress=False)
    assert path.read_bytes() == bytes(data)


@pytest.mark.parametrize("kind", ["checkpoint", "model"])
def test_truncated_and_extended_files_are_detected(small_files, kind, tmp_path):
    good = small_files[kind]
    path = tmp_path / f"cut-{kind}"
    for length in (0, 1, 22, 100, len(good) // 3, len(good) // 2, len(good) - 157,
                   len(good) - 156, len(good) - 1):
        path.write_bytes(good[:length])
        with pytest.raises(ValueError, match=rf"'{path}' (is only|does not end with)"):
            loader(kind)(path)
    path.write_bytes(good + b"\0")
    with pytest.raises(ValueError, match="does not end with skrobust's trailer"):
        loader(kind)(path)


# ------------------------------------------------------------ crafted files


class RunsCode:
    """Unpickling this runs a shell command (what a crafted pickle does)."""

    def __init__(self, sentinel):
        self.sentinel = sentinel

    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


def crafted(node, kind, members=None):
    """An archive with valid hashes around a hostile ``node``: only the loader's
    whitelists stand between it and code execution. As a checkpoint, the node is
    where the model would be."""
    members = members or {}
    if kind == "streaming checkpoint":
        node = {"type": "dict", "id": 100, "items": [["estimator", node]]}
    manifest = {
        "format": "skrobust", "format_version": 1, "kind": kind,
        "versions": {"scikit-learn": sklearn.__version__},
        "root": node,
        "arrays": {
            name: {"shape": [1], "dtype": "|O", "sha256": _archive.sha256(data)}
            for name, data in members.items()
        },
    }
    return _archive.archive_bytes(manifest, members)


def object_npy(obj):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([obj], dtype=object), allow_pickle=True)
    return buffer.getvalue()


@pytest.fixture
def sentinel(tmp_path):
    path = tmp_path / "code-ran"
    yield path
    assert not path.exists(), "loading a crafted file ran code"


# name -> (node, members, what the error says), given the sentinel path
CRAFTED = {
    "class os.system": lambda s: (
        {"type": "estimator", "class": "os.system", "params": {"command": f"touch {s}"},
         "attributes": {}},
        None, "names the class 'os.system', which is not one skrobust loads",
    ),
    "type os.system": lambda s: (
        {"type": "type", "name": "posix.system"}, None,
        "names the type 'posix.system', which is not one skrobust loads",
    ),
    "bit generator os.system": lambda s: (
        {"type": "RandomState", "id": 0,
         "state": {"type": "dict", "id": 1, "items": [["bit_generator", "system"]]}},
        None, "names the bit generator 'system', which is not one skrobust loads",
    ),
    "pickle member": lambda s: (
        {"type": "ndarray", "id": 0, "member": "arrays/0.npy"},
        {"arrays/0.npy": pickle.dumps(RunsCode(s))},
        "has a member 'arrays/0.npy' that is not a plain .npy array",
    ),
    "object .npy member": lambda s: (
        {"type": "ndarray", "id": 0, "member": "arrays/0.npy"},
        {"arrays/0.npy": object_npy(RunsCode(s))},
        "not a plain .npy array .*holds Python objects, not numbers",
    ),
    "object dtype scalar": lambda s: (
        {"type": "numpy_scalar", "dtype": "|O", "hex": "00" * 8}, None,
        "names the dtype '|O', which holds Python objects",
    ),
}


@pytest.mark.parametrize("kind", ["model", "streaming checkpoint"])
@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_files_run_nothing_and_raise(name, kind, sentinel, tmp_path):
    node, members, match = CRAFTED[name](sentinel)
    path = tmp_path / "crafted"
    path.write_bytes(crafted(node, kind, members))
    with pytest.raises(ValueError, match=f"'{path}'.*{match}"):
        (skrobust.load if kind == "model" else load_checkpoint)(path)
    if kind == "streaming checkpoint":
        X, Y, _ = make_tagged_classification(n_samples=200, n_features=3, random_state=0)
        with pytest.raises(ValueError, match=f"'{path}'.*{match}"):
            fit_stream(model(), ChunkedDataset(X, Y, chunk_size=100), checkpoint=path,
                       progress=False)


def test_hand_edited_checkpoint_fields_are_refused(small_files, tmp_path):
    path = tmp_path / "run.ckpt"
    path.write_bytes(small_files["checkpoint"])
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    fields = dict((key, i) for i, (key, _) in enumerate(manifest["root"]["items"]))
    manifest["root"]["items"][fields["position"]][1] = 99  # past the chunk order's end
    manifest["root"]["items"][fields["data_fingerprint"]][1] = "none"
    path.write_bytes(_archive.archive_bytes(manifest, members))
    with pytest.raises(ValueError, match=r"run.ckpt' is not a valid streaming checkpoint: "
                                         r"its fields \['data_fingerprint', 'position'\]"):
        load_checkpoint(path)


@pytest.mark.parametrize("depth", [400, 100_000])
def test_deeply_nested_manifests_are_refused(tmp_path, depth):
    path = tmp_path / "deep"
    nested = '{"type": "tuple", "id": 0, "items": [' * depth + "0" + "]}" * depth
    manifest = ('{"format": "skrobust", "format_version": 1, "kind": "model", "versions": '
                f'{{"scikit-learn": "{sklearn.__version__}"}}, "arrays": {{}}, "root": {nested}}}')
    path.write_bytes(_archive._archive_of(manifest.encode(), {}))
    with pytest.raises(ValueError, match="deep' (nests values too deeply|has a manifest.json "
                                         "that is not valid JSON)"):
        skrobust.load(path)


def test_an_old_pickled_checkpoint_is_not_unpickled(sentinel, tmp_path):
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(RunsCode(control)))  # the attack is real: unpickling runs it
    assert control.exists()
    path = tmp_path / "run.ckpt"
    path.write_bytes(pickle.dumps({"format": "skrobust.streaming.checkpoint/1",
                                   "estimator": RunsCode(sentinel), "pad": "x" * 500}))
    X, Y, _ = make_tagged_classification(n_samples=200, n_features=3, random_state=0)
    for run in (lambda: load_checkpoint(path), lambda: skrobust.load(path),
                lambda: fit_stream(model(), ChunkedDataset(X, Y, chunk_size=100),
                                   checkpoint=path, progress=False)):
        with pytest.raises(ValueError, match="run.ckpt' does not end with skrobust's trailer"):
            run()


# ------------------------------------------------------ data changed between runs


def train_by_hand(epochs, dataset_of_epoch):
    """The reference: partial_fit on in-memory slices in the run's chunk orders."""
    estimator = model()
    for epoch in range(epochs):
        data = dataset_of_epoch(epoch)
        for index in data.chunk_order(epoch):
            chunk = data.read_chunk(index)
            estimator.partial_fit(chunk.X, chunk.Y)
    return estimator


def test_changed_in_memory_data_is_detected_and_the_override_resumes(tagged, tmp_path):
    X, Y = tagged
    path = tmp_path / "run.ckpt"
    fit_stream(model(), ChunkedDataset(X, Y, chunk_size=CHUNK, random_state=0),
               checkpoint=path, progress=False)
    changed = X + np.float32(0.5)  # same shape and dtype, other values
    data = ChunkedDataset(changed, Y, chunk_size=CHUNK, random_state=0)
    with pytest.raises(ValueError, match=r"run.ckpt' was written for other data: X \(X\): "
                                         r"sha256 of the sampled rows was [0-9a-f]{64}, is "
                                         r"[0-9a-f]{64}\. .*allow_data_change=True"):
        fit_stream(model(), data, n_epochs=2, checkpoint=path, progress=False)
    assert load_checkpoint(path).chunks_done == 6  # left as it was
    resumed = fit_stream(model(), data, n_epochs=2, checkpoint=path, progress=False,
                         allow_data_change=True)
    expected = train_by_hand(2, lambda epoch: ChunkedDataset(
        X if epoch == 0 else changed, Y, chunk_size=CHUNK, random_state=0))
    assert_same_model(resumed, expected)
    np.testing.assert_array_equal(X + np.float32(0.5), changed)  # inputs untouched


def test_changed_tags_are_detected(tagged, tmp_path):
    X, Y = tagged
    path = tmp_path / "run.ckpt"
    fit_stream(model(), ChunkedDataset(X, Y, chunk_size=CHUNK), checkpoint=path, progress=False)
    with pytest.raises(ValueError, match=r"other data: Y \(Y\): sha256 of the sampled rows"):
        fit_stream(model(), ChunkedDataset(X, 1 - Y, chunk_size=CHUNK), n_epochs=2,
                   checkpoint=path, progress=False)


def test_a_rewritten_file_is_detected(tagged, files):
    X, _ = tagged
    path = files / "run.ckpt"
    fit_stream(model(), dataset(files), checkpoint=path, progress=False)
    np.save(files / "X.npy", X[::-1])  # same shape and size, rows reversed
    with pytest.raises(ValueError, match=r"(?s)other data: X \('.*X.npy'\): modification "
                                         r"time was .*, is .*; X .*sha256 of the sampled rows"):
        fit_stream(model(), dataset(files), n_epochs=2, checkpoint=path, progress=False)


def test_a_touched_file_counts_as_changed(files):
    path = files / "run.ckpt"
    fit_stream(model(), dataset(files), checkpoint=path, progress=False)
    status = os.stat(files / "Y.npy")
    os.utime(files / "Y.npy", ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
    with pytest.raises(ValueError, match=r"other data: Y \('.*Y.npy'\): modification time "
                                         r"was [^;]*\. If the change is deliberate"):
        fit_stream(model(), dataset(files), n_epochs=2, checkpoint=path, progress=False)
    fit_stream(model(), dataset(files), n_epochs=2, checkpoint=path, progress=False,
               allow_data_change=True)
    assert load_checkpoint(path).chunks_done == 12


# ------------------------------------------- concurrent runs, resume points


def _temp_name(pid):
    host = _archive._owner().split(".")[0]
    return f".run.ckpt.{host}.{pid}.abc123.tmp"


def test_a_running_writers_temp_file_is_left_alone(files):
    """A new run's start-up removed the temp file another process was writing."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (files / _temp_name(os.getppid())).write_bytes(b"being written")  # a live process
    (files / _temp_name(dead.pid)).write_bytes(b"torn")  # its writer has exited
    fit_stream(model(), dataset(files), checkpoint=files / "run.ckpt", progress=False)
    assert stale_temp_files(files) == [_temp_name(os.getppid())]


def test_writes_name_their_owner(files, monkeypatch):
    seen, mkstemp = [], _archive.tempfile.mkstemp

    def recording(*args, **kwargs):
        fd, name = mkstemp(*args, **kwargs)
        seen.append(os.path.basename(name))
        return fd, name

    monkeypatch.setattr(_archive.tempfile, "mkstemp", recording)
    fit_stream(model(), dataset(files), checkpoint=files / "run.ckpt", progress=False)
    assert seen and all(name.startswith(f".run.ckpt.{_archive._owner()}.") for name in seen)


def test_resuming_with_fewer_epochs_than_done_is_refused(files):
    fit_stream(model(), dataset(files), n_epochs=2, checkpoint=files / "run.ckpt",
               progress=False)
    with pytest.raises(ValueError, match=r"has already trained 2 epoch\(s\), more than "
                                         r"n_epochs=1"):
        fit_stream(model(), dataset(files), n_epochs=1, checkpoint=files / "run.ckpt",
                   progress=False)
    # The same count is fine: the run is complete, the model is returned as is.
    again = fit_stream(model(), dataset(files), n_epochs=2, checkpoint=files / "run.ckpt",
                       progress=False)
    assert again.n_iter_ == 2 * 6


def _edit_checkpoint(path, edit):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    items = dict((key, value) for key, value in manifest["root"]["items"])

    def set_field(name, value):
        for pair in manifest["root"]["items"]:
            if pair[0] == name:
                pair[1] = value

    def set_order(order):
        member = items["order"]["member"]
        members[member] = _archive.array_bytes(np.asarray(order, dtype=np.int64))
        manifest["arrays"][member] = {"shape": [len(order)], "dtype": "<i8",
                                      "sha256": _archive.sha256(members[member])}

    edit(set_field, set_order, items)
    path.write_bytes(_archive.archive_bytes(manifest, members))


CRAFTED_POSITIONS = {
    "order [0] * n": (lambda field, order, items: order([0] * 6), "chunk order"),
    "order out of range": (lambda field, order, items: order([9, 1, 2, 3, 4, 5]),
                           "chunk order"),
    "order too short": (lambda field, order, items: order([0]), ""),
    "epoch 10**6": (lambda field, order, items: field("epoch", 10**6), "do not agree"),
    "position 3, chunks_done unchanged": (lambda field, order, items: field("position", 3),
                                          "do not agree"),
}


@pytest.mark.parametrize("name", CRAFTED_POSITIONS)
def test_crafted_resume_points_are_refused(files, name):
    edit, match = CRAFTED_POSITIONS[name]
    path = files / "run.ckpt"
    fit_stream(model(), dataset(files), n_epochs=1, checkpoint=path, progress=False)
    # Mid-epoch: resume at position 2 of the second epoch's order.
    _edit_checkpoint(path, lambda field, order, items: (
        field("position", 2), field("chunks_done", 8), field("epoch", 1)))
    _edit_checkpoint(path, edit)
    with pytest.raises(ValueError, match=rf"run.ckpt' is not a valid streaming "
                                         rf"checkpoint: .*{match}"):
        fit_stream(model(), dataset(files), n_epochs=2, checkpoint=path, progress=False)
