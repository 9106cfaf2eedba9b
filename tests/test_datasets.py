"""The dataset registry: mirror, cache, download with checksums, labels."""

from __future__ import annotations

import hashlib
import io
import urllib.error

import numpy as np
import pytest

from graphsample import datasets
from graphsample.errors import DatasetError

from .conftest import have_dataset, needs_dataset


def test_registry_entries():
    assert datasets.names() == ["blogcatalog", "cora", "email-eu-core", "p2p-gnutella08", "wiki-vote"]
    ds = datasets.info("wiki-vote")
    assert ds.directed and ds.source.startswith("https://snap.stanford.edu") and len(ds.edges["sha256"]) == 64
    with pytest.raises(DatasetError, match="unknown dataset 'nope'; known datasets: blogcatalog"):
        datasets.info("nope")
    with pytest.raises(DatasetError, match="which must be 'edges' or 'labels', got 'edge'"):  # was read as 'labels'
        datasets.fetch("wiki-vote", "edge", download=False)


@pytest.mark.parametrize("name", ["wiki-vote", "email-eu-core", "p2p-gnutella08", "cora", "blogcatalog"])
def test_load_matches_registry_counts(name):
    if not have_dataset(name):
        pytest.skip(f"{name} not available locally")
    G = datasets.load(name)
    ds = datasets.info(name)
    assert (G.n_nodes, G.n_arcs, G.directed) == (ds.nodes, ds.arcs, ds.directed)


@needs_dataset("email-eu-core")
def test_email_labels_and_self_loops():
    G, y = datasets.load("email-eu-core", return_labels=True)
    assert G.n_self_loops == 642
    assert y.shape == (1005,) and y.min() == 0 and y.max() == 41


@needs_dataset("cora")
def test_cora_orientation_and_labels():
    G, y = datasets.load("cora", return_labels=True)
    assert int(G.out_degree().max()) == 5 and int(G.in_degree().max()) == 166  # citing -> cited
    assert np.bincount(y).tolist() == [818, 180, 217, 426, 351, 418, 298]


@needs_dataset("blogcatalog")
def test_blogcatalog_multilabel():
    G, Y = datasets.load("blogcatalog", return_labels=True)
    assert Y.shape == (10312, 39) and Y.nnz == 14476 and (Y.sum(axis=1) >= 1).all()


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Empty mirror and cache; downloads served by a fake urlopen."""
    monkeypatch.setenv("GRAPHSAMPLE_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("GRAPHSAMPLE_DATA", str(tmp_path / "cache"))
    return tmp_path


def test_offline_without_copy_says_where_it_looked(isolated, monkeypatch):
    def offline(*a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(datasets.urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError, match=r"no local copy \(looked in .*mirror.*cache.*\) and the download"):
        datasets.load("cora")
    with pytest.raises(DatasetError, match="not available locally"):
        datasets.fetch("cora", download=False)


def _serve(monkeypatch, payload: bytes):
    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(datasets.urllib.request, "urlopen", lambda url, timeout: Response(payload))


def test_download_is_verified_and_cached(isolated, monkeypatch):
    payload = b"0 1\n1 2\n"
    spec = dict(datasets.info("cora").edges, sha256=hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(datasets, "info", lambda name: datasets.DatasetInfo(
        "tiny", "t", "d", True, "src", "cite", 3, 2, spec))
    _serve(monkeypatch, payload)
    path = datasets.fetch("tiny")
    assert path.read_bytes() == payload and path.parent.parent == isolated / "cache"
    G = datasets.load("tiny")
    assert G.n_arcs == 2


def test_download_with_wrong_checksum_is_rejected(isolated, monkeypatch):
    _serve(monkeypatch, b"tampered\n")
    with pytest.raises(DatasetError, match="downloaded file has sha256"):
        datasets.fetch("cora")
    assert not list((isolated / "cache").rglob("*.txt"))


def _no_download(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(datasets.urllib.request, "urlopen", refuse)


def test_corrupt_mirror_copy_is_rejected(isolated, monkeypatch):
    # the mirror is the user's: a wrong copy there is an error, never a reason to download (which no test may do)
    _no_download(monkeypatch)
    folder = isolated / "mirror" / "cora"
    folder.mkdir(parents=True)
    (folder / "cora_edgelist.txt").write_text("0 1\n")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.fetch("cora")


def test_the_mirror_is_read_before_the_cache(isolated, monkeypatch):
    """A good mirror copy is used as it is, without a look at a stale cache copy (checked first, it was an error
    offline and a download otherwise); a corrupt mirror copy is an error even beside a good cache copy."""
    _no_download(monkeypatch)
    payload = b"0 1\n1 2\n"
    spec = dict(datasets.info("cora").edges, sha256=hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(datasets, "info", lambda name: datasets.DatasetInfo(
        "tiny", "t", "d", True, "src", "cite", 3, 2, spec))
    mirror, cache = (isolated / where / "tiny" / spec["file"] for where in ("mirror", "cache"))
    for path, data in ((mirror, payload), (cache, b"0 1\n")):
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    assert datasets.fetch("tiny", download=False) == mirror
    assert datasets.fetch("tiny") == mirror and cache.read_bytes() == b"0 1\n"
    mirror.write_bytes(b"0 1\n")
    cache.write_bytes(payload)
    with pytest.raises(DatasetError, match="mirror.*checksum mismatch"):
        datasets.fetch("tiny")


def test_corrupt_cache_copy_is_downloaded_again(isolated, monkeypatch):
    payload = b"0 1\n1 2\n"
    spec = dict(datasets.info("cora").edges, sha256=hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(datasets, "info", lambda name: datasets.DatasetInfo(
        "tiny", "t", "d", True, "src", "cite", 3, 2, spec))
    stale = isolated / "cache" / "tiny" / spec["file"]
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"0 1\n")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.fetch("tiny", download=False)
    _serve(monkeypatch, payload)
    with pytest.warns(UserWarning, match="checksum mismatch.*downloading it again"):
        assert datasets.fetch("tiny") == stale
    assert stale.read_bytes() == payload
