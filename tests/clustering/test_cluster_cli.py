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


def test_no_standardize_reaches_ppp(tmp_path):
    """--no-standardize clusters the raw features, as PPP(standardize=False) does; on blobs whose second feature
    is 100 times smaller the z-scored features give other clusters (3 against 2 here), so the option must arrive."""
    X, _ = datasets.make_blobs(200, centers=3, n_features=2, random_state=3)
    X[:, 1] *= 0.01
    np.save(tmp_path / "X.npy", X)
    r = CliRunner().invoke(cli, ["cluster", "ppp", str(tmp_path / "X.npy"), "--k-max", "5", "--no-standardize",
                                 "-o", str(tmp_path / "labels.npy"), "-q"])
    assert r.exit_code == 0, r.output
    raw = PPP(k_max=5, standardize=False).fit(X).labels_
    assert len(set(raw)) != len(set(PPP(k_max=5).fit(X).labels_))
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), raw)

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


def test_seed_takes_every_64_bit_value_as_the_other_commands(tmp_path):
    """--seed 18446744073709551615 (2**64 - 1, which every other command and PPP itself take) was refused as 'does
    not fit in 64 bits'; beyond it the usage error gives the range, as on the other commands."""
    X, _ = datasets.make_blobs(60, centers=2, n_features=2, random_state=0)
    np.save(tmp_path / "X.npy", X)
    args = ["cluster", "ppp", str(tmp_path / "X.npy"), "--n-init", "2", "-q", "-o", str(tmp_path / "l.npy")]
    r = CliRunner().invoke(cli, [*args, "--seed", str(2**64 - 1)])
    assert r.exit_code == 0, r.output
    np.testing.assert_array_equal(np.load(tmp_path / "l.npy"), PPP(n_init=2, seed=2**64 - 1).fit(X).labels_)
    r = CliRunner().invoke(cli, [*args, "--seed", str(2**64)])
    assert r.exit_code == 2 and "Invalid value for '--seed': 18446744073709551616 is not in the range " \
                                 "0<=x<=18446744073709551615." in r.output, r.output
