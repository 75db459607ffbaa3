"""The dask tests' cluster: a 2-process LocalCluster, one per test module (with
pytest-xdist's ``--dist loadgroup`` the modules marked ``xdist_group("dask")`` run
in one worker, one after the other)."""

import os
import signal
import time

import pytest


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                           dashboard_address=":0")
    client = Client(cluster)
    client.wait_for_workers(2)
    print(f"LocalCluster(2 processes) up in {time.perf_counter() - start:.1f} s")
    yield client
    client.close()
    cluster.close()


@pytest.fixture(params=["distributed", "threads"])
def scheduler(request, client):
    """The cluster, or dask's local threads (the client set aside)."""
    import dask

    from skrobust.linear_model._dask_pass import current_client

    if request.param == "distributed":
        assert current_client() is client
        yield client
    else:
        with dask.config.set(scheduler="threads"):
            assert current_client() is None
            yield None


@pytest.fixture
def fit_killing_a_worker(client):
    """``fit(model, X, Y, after)``: fit ``model`` and kill one worker process (its
    nanny restarts it empty) after epoch ``after``. True if the fit completed; False
    if it raised, having left the model as it was (unfitted), which is checked here.
    Either way the cluster has its 2 workers again afterwards."""

    def fit(model, X, Y, after):
        pids = client.run(os.getpid)
        victim = sorted(pids)[0]

        def kill_once(fitted):
            if fitted.n_iter_ == after:
                os.kill(pids[victim], signal.SIGKILL)

        model._epoch_callback = kill_once
        try:
            model.fit(X, Y)
        except Exception as error:  # a clean failure: the model is as it was
            print(f"fit failed cleanly: {error!r}")
            assert not hasattr(model, "coef_")
            return False
        finally:
            client.wait_for_workers(2, timeout=60)
        print(f"fit completed after the kill, {model.n_iter_} passes")
        return True

    return fit
