"""``graphsample embed line|deepwalk|node2vec``."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.embedding.graphvite import node2vec
from graphsample.io import read_graph


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("0\t1\n1\t2\n2\t0\n2\t3\n3\t4\n4\t5\n5\t3\n")
    return path


@pytest.mark.parametrize("method, extra", [("line", []), ("deepwalk", ["--augmentation-step", "2"]),
                                           ("node2vec", ["--p", "0.5", "--q", "2"])])
def test_embed_commands_write_embeddings(tmp_path, edges, method, extra):
    out, ctx = tmp_path / "emb.npy", tmp_path / "ctx.npy"
    res = CliRunner().invoke(cli, ["embed", method, str(edges), "-o", str(out), "--dim", "8", "--epochs", "20",
                                   "--seed", "3", "--partitions", "2", "--context", str(ctx), *extra])
    assert res.exit_code == 0, res.output
    V, C = np.load(out), np.load(ctx)
    assert V.shape == C.shape == (6, 8) and np.isfinite(V).all()
    again = tmp_path / "again.npy"
    CliRunner().invoke(cli, ["embed", method, str(edges), "-o", str(again), "--dim", "8", "--epochs", "20",
                             "--seed", "3", "--partitions", "2", *extra])
    np.testing.assert_array_equal(np.load(again), V)


def test_node2vec_options_reach_the_trainer(tmp_path, edges):
    """The command's embedding is the library's for the same options (the edge list read directed, then made
    undirected): --p and --q (swapped, the walks follow another law), the walk and SGD options and the seed."""
    out = tmp_path / "emb.npy"
    res = CliRunner().invoke(cli, ["embed", "node2vec", str(edges), "-o", str(out), "--dim", "8", "--epochs", "20",
                                   "--seed", "3", "--partitions", "2", "--p", "0.5", "--q", "2", "--walk-length", "7",
                                   "--augmentation-step", "3", "--negatives", "2", "--negative-weight", "3",
                                   "--lr", "0.02", "--weight-decay", "0.001"])
    assert res.exit_code == 0, res.output
    G = read_graph(str(edges), directed=True).to_undirected()
    expected = node2vec(G, 8, num_epoch=20, seed=3, num_partition=2, p=0.5, q=2.0, walk_length=7,
                        augmentation_step=3, num_negative=2, negative_weight=3.0, lr=0.02, weight_decay=0.001)
    np.testing.assert_array_equal(np.load(out), expected)


@pytest.mark.distributed
def test_a_list_of_gpus_trains_on_a_dask_cuda_cluster(tmp_path, edges, monkeypatch):
    """``--devices cuda:0,cuda:1`` starts a ``dask_cuda.LocalCUDACluster`` on those GPUs and trains through the Dask
    trainer. Here a stand-in cluster (CPU workers) and a trainer that records its call and trains on the CPU: the
    GPUs named reach the cluster, the client and graph reach the trainer in its order, and the embedding written is
    the Dask trainer's for the same seed."""
    import sys
    import types

    distributed = pytest.importorskip("distributed")
    from graphsample.embedding import graphvite_dask

    seen = {}

    def cluster(CUDA_VISIBLE_DEVICES):
        seen["gpus"] = CUDA_VISIBLE_DEVICES
        return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                        dashboard_address="127.0.0.1:0")

    train = graphvite_dask.train

    def on_cpu(client, G, method, **kw):
        seen["device"], seen["method"] = kw.pop("device"), method
        return train(client, G, method, **kw)

    monkeypatch.setitem(sys.modules, "dask_cuda", types.SimpleNamespace(LocalCUDACluster=cluster))
    monkeypatch.setattr(graphvite_dask, "train", on_cpu)
    out = tmp_path / "emb.npy"
    res = CliRunner().invoke(cli, ["embed", "deepwalk", str(edges), "-o", str(out), "--dim", "8", "--epochs", "20",
                                   "--seed", "3", "--partitions", "2", "--devices", "cuda:0,cuda:1", "--quiet"])
    assert res.exit_code == 0, res.output
    assert seen == {"gpus": "0,1", "device": "cuda", "method": "deepwalk"}
    G = read_graph(str(edges), directed=True).to_undirected()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as c, distributed.Client(c) as client:
        expected = train(client, G, "deepwalk", dim=8, num_epoch=20, seed=3, num_partition=2)
    np.testing.assert_allclose(np.load(out), expected, atol=1e-6)


@pytest.mark.parametrize("args, message", [
    (["--dim", "0"], "'--dim': must be a positive integer"),
    (["--lr", "0"], "'--lr': must be a finite number > 0"),  # was 'lr must be ...', the trainer's name
    (["--epochs", "-1"], "'--epochs': must be a finite number > 0"),
    (["--negatives", "0"], "'--negatives': must be a positive integer"),
    (["--walk-length", "0"], "'--walk-length': must be a positive integer"),
    (["--partitions", "0"], "'--partitions': must be a positive integer"),
    (["--partitions", "many"], "'--partitions': must be an integer or 'auto'"),
    (["--augmentation-step", "x"], "'--augmentation-step': must be an integer or 'auto'"),
    (["--devices", "tpu"], "'--devices': 'tpu'; expected 'cpu', 'cuda' or 'cuda:N'"),  # was 'bad device 'tpu''
    (["--devices", "cuda:0,gpu1"], "'--devices': a list must name GPUs as cuda:N"),
])
def test_embed_errors_are_one_line(tmp_path, edges, args, message):
    # bad option values are click's usage error (status 2), in the options' terms
    res = CliRunner().invoke(cli, ["embed", "deepwalk", str(edges), "-o", str(tmp_path / "e.npy"), *args])
    assert res.exit_code == 2 and res.output.startswith("Usage: "), res.output
    assert f"\nError: Invalid value for {message}" in res.output, res.output
    assert "Traceback" not in res.output


def test_missing_input_file(tmp_path):
    res = CliRunner().invoke(cli, ["embed", "line", str(tmp_path / "nope.tsv"), "-o", str(tmp_path / "e.npy")])
    assert res.exit_code != 0 and "nope.tsv" in res.output


def test_a_gpu_that_is_not_there_is_one_line(tmp_path, edges):
    # --devices cuda:7 ended in a numba CudaSupportError traceback (no driver) or an IndexError (no GPU 7)
    res = CliRunner().invoke(cli, ["embed", "line", str(edges), "-o", str(tmp_path / "e.npy"), "--epochs", "1",
                                   "--devices", "cuda:7"])
    assert res.exit_code == 1
    assert "--devices 'cuda:7'" in res.output  # the trainer's device is --devices, not --backend's --device
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_help_states_the_undirected_default(tmp_path, edges):
    # the help said '[default: directed; ...]' while an edge list is embedded as undirected unless
    # --directed is given
    help_text = " ".join(CliRunner().invoke(cli, ["embed", "line", "--help"]).output.split())
    assert "[default: undirected" in help_text and "default: directed" not in help_text
    runs = {}
    for flags in ([], ["--undirected"], ["--directed"]):
        out = tmp_path / "e.npy"
        res = CliRunner().invoke(cli, ["embed", "line", str(edges), "-o", str(out), "--dim", "4", "--epochs", "2",
                                       "--seed", "1", "--partitions", "1", *flags])
        assert res.exit_code == 0, res.output
        runs[tuple(flags)] = np.load(out)
    np.testing.assert_array_equal(runs[()], runs[("--undirected",)])
    assert not np.array_equal(runs[()], runs[("--directed",)])


def test_text_outputs_and_row_labels(tmp_path):
    # the embedding and --context were bare matrices: text now labels every row, --row-labels labels a .npy
    path = tmp_path / "g.tsv"
    path.write_text("Ann\tBob\nBob\tCy\nCy\tAnn\n")
    res = CliRunner().invoke(cli, ["embed", "line", str(path), "--delimiter", "\\t", "--dim", "4", "--epochs", "2",
                                   "--seed", "1", "--partitions", "1", "-o", str(tmp_path / "e.npy"), "--context",
                                   str(tmp_path / "c.csv"), "--row-labels", str(tmp_path / "rows.txt")])
    assert res.exit_code == 0, res.output
    assert res.stderr.endswith(f"3 x 4 embedding; row i is node i of the graph, labelled by line or entry i of "
                               f"{tmp_path / 'rows.txt'}\n")
    assert (tmp_path / "rows.txt").read_text() == "Ann\nBob\nCy\n"
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0] == "node,0,1,2,3" and [line.split(",")[0] for line in lines[1:]] == ["Ann", "Bob", "Cy"]
    assert np.load(tmp_path / "e.npy").shape == (3, 4)


def test_a_directed_graph_with_sinks_is_warned_about_in_one_line(tmp_path):
    """--directed keeps the arcs: node 2 has an in-arc and no out-arc, so it heads no pair and its row stays as drawn;
    the command says so in one line naming the option that embeds it, and still writes the embedding."""
    path = tmp_path / "g.tsv"
    path.write_text("0\t1\n1\t2\n0\t2\n")
    out = tmp_path / "emb.npy"
    res = CliRunner().invoke(cli, ["embed", "deepwalk", str(path), "--directed", "-o", str(out), "--dim", "4",
                                   "--epochs", "20", "--seed", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.output.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1 and "1 of 3 nodes have in-arcs but no out-arcs" in warnings[0]
    assert "--undirected" in warnings[0] and np.load(out).shape == (3, 4)
    res = CliRunner().invoke(cli, ["embed", "deepwalk", str(path), "-o", str(out), "--dim", "4", "--epochs", "20"])
    assert res.exit_code == 0 and "Warning" not in res.output  # an edge list is embedded undirected by default


@pytest.mark.filterwarnings("error::DeprecationWarning")  # click.get_text_stream warned; Click 9 removes it
def test_the_progress_bar_counts_samples_and_shows_the_rate_and_loss(monkeypatch):
    """The training bar (stderr, terminals only, so CliRunner never shows it): its length is the samples to train,
    it advances to the samples done (capped at the total: the last pool's walks can run past it) and its label
    gives the rate and the last pool's mean loss; a disabled one makes no bar."""
    import io
    import sys

    from graphsample.cli.embed_graphvite import _Progress

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = _Progress(True)
    bar(400, 1000, 0.6931)
    assert (bar.bar.length, bar.bar.pos) == (1000, 400) and bar.bar.label.endswith("samples/s  loss 0.6931")
    bar(1024, 1000, 0.25)
    assert bar.bar.pos == 1000 and bar.bar.label.endswith("loss 0.2500")
    bar.close()
    off = _Progress(False)
    off(400, 1000, 0.7)
    off.close()
    assert off.bar is None
