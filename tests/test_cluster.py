"""A search over neural estimators runs unchanged on a Dask LocalCluster (127.0.0.1)."""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skimgclf.datasets import load_digits_images

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def client():
    from skimgclf.cluster import TorchThreads

    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    client.register_plugin(TorchThreads(1))
    yield client
    client.close()
    cluster.close()


def test_workers_use_one_torch_thread(client):
    def n_threads():
        import torch

        return torch.get_num_threads()

    assert set(client.run(n_threads).values()) == {1}


@pytest.mark.slow
def test_search_on_the_cluster_matches_the_local_search(client):
    from skimgclf import CNNClassifier

    X, y = load_digits_images(return_X_y=True)
    X, y = X[:400], y[:400]
    search = GridSearchCV(
        CNNClassifier(architecture="lenet5", max_epochs=2, batch_size=64, random_state=0),
        {"lr": [1e-3, 3e-3], "max_epochs": [1, 2]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    )
    import torch

    threads = torch.get_num_threads()
    # Kept whatever the suite's thread limit (tests/conftest.py): the thread count changes the
    # order of torch's floating-point sums and so the trained weights. The workers run one
    # torch thread (TorchThreads(1)); the local reference fit must too, for equal scores.
    torch.set_num_threads(1)
    try:
        local = clone(search).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
        remote = clone(search).set_params(n_jobs=-1).fit(X, y)
    # the 4 candidates x 2 folds really ran on the workers
    assert len(tasks.data) >= 8
    assert len({task["worker"] for task in tasks.data}) == 2
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(remote.predict(X[:50]), local.predict(X[:50]))


@pytest.mark.parametrize("n_threads", [0, 1.7, "2", None, True])
def test_torch_threads_takes_a_positive_int(n_threads):
    from skimgclf.cluster import TorchThreads

    with pytest.raises(ValueError, match="n_threads must be an int of at least 1"):
        TorchThreads(n_threads)
