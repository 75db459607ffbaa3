"""The dask tests' cluster: a 2-process LocalCluster, one per test module (with
pytest-xdist's ``--dist loadgroup`` the modules marked ``xdist_group("dask")`` run
in one worker, one after the other)."""

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
