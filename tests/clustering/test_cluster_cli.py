"""``graphsample cluster ppp``."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.clustering import PPP

datasets = pytest.importorskip("sklearn.datasets")


def test_ppp_writes_labels_and_mask(tmp_path):
    X, _ = datasets.make_blobs(300, centers=3, n_features=2, random_state=4)
    np.save(tmp_path / "X.npy", X)
    r = CliRunner().invoke(cli, ["cluster", "ppp", str(tmp_path / "X.npy"), "--k-max", "5", "--n-init", "5",
                                 "-o", str(tmp_path / "labels.npy"), "--separable", str(tmp_path / "sep.npy")])
    assert r.exit_code == 0, r.output
    labels = np.load(tmp_path / "labels.npy")
    np.testing.assert_array_equal(labels, PPP(k_max=5, n_init=5).fit(X).labels_)
    assert np.load(tmp_path / "sep.npy").dtype == bool
    assert '"n_clusters": ' in r.output


@pytest.mark.parametrize("array,args,msg", [
    (np.ones(5), [], "2-D"),
    (np.array(["a", "b"]), [], "numeric"),
    (np.ones((6, 2)), ["--mode", "sideways"], "Invalid value"),
    (np.ones((3, 2)), [], "at least 4"),
])
def test_errors(tmp_path, array, args, msg):
    np.save(tmp_path / "X.npy", array)
    r = CliRunner().invoke(cli, ["cluster", "ppp", str(tmp_path / "X.npy"), *args])
    assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output


def test_not_npy(tmp_path):
    (tmp_path / "X.npy").write_text("hello")
    r = CliRunner().invoke(cli, ["cluster", "ppp", str(tmp_path / "X.npy")])
    assert r.exit_code != 0 and "not a NumPy" in r.output
