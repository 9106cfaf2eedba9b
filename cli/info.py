"""``graphsample info INPUT``: size, degrees, reciprocity and degree-matrix sizes of a graph."""

from __future__ import annotations

import json

import click

from ._common import graph_options, input_argument, load_graph, user_errors


def graph_summary(G) -> dict:
    """The facts ``graphsample info`` prints, as a dict."""
    from graphsample.sampling import degree_correlation_matrix, joint_degree_matrix
    from graphsample.sampling.metrics import reciprocity

    out_deg, in_deg = G.out_degree(), G.in_degree()
    n = max(G.n_nodes, 1)
    return {
        "nodes": G.n_nodes,
        "arcs": G.n_arcs,
        "edges": G.n_edges,
        "directed": G.directed,
        "weighted": G.is_weighted,
        "self_loops": G.n_self_loops,
        "self_loops_dropped": G.meta.get("self_loops_dropped", 0),
        "duplicates_dropped": G.meta.get("duplicates_merged", 0),
        "out_degree": {"min": int(out_deg.min()) if G.n_nodes else 0, "mean": G.n_arcs / n,
                       "max": int(out_deg.max()) if G.n_nodes else 0},
        "in_degree": {"min": int(in_deg.min()) if G.n_nodes else 0, "mean": G.n_arcs / n,
                      "max": int(in_deg.max()) if G.n_nodes else 0},
        "reciprocity": reciprocity(G),
        "jdm_nonzeros": int(joint_degree_matrix(G)[2].shape[0]),
        "dcm_nonzeros": int(degree_correlation_matrix(G)[2].shape[0]),
    }


@click.command()
@input_argument
@graph_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@user_errors
def info(input: str, as_json: bool, **opts) -> None:
    """Print nodes, arcs, self-loops, degrees, reciprocity and JDM/DCM sizes of INPUT."""
    G = load_graph(input, **opts)
    s = graph_summary(G)
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    rows = [
        ("nodes", f"{s['nodes']:,}"),
        ("arcs", f"{s['arcs']:,}"),
        ("directed", "yes" if s["directed"] else "no (each edge stored as two arcs)"),
        ("weighted", "yes" if s["weighted"] else "no"),
        ("self-loops", f"{s['self_loops']:,}" + (f" ({s['self_loops_dropped']:,} dropped)" if s["self_loops_dropped"] else "")),
        ("duplicates dropped", f"{s['duplicates_dropped']:,}"),
        ("out-degree min/mean/max", "{min} / {mean:.3f} / {max}".format(**s["out_degree"])),
        ("in-degree min/mean/max", "{min} / {mean:.3f} / {max}".format(**s["in_degree"])),
        ("reciprocity", f"{s['reciprocity']:.4f}"),
        ("JDM non-zeros", f"{s['jdm_nonzeros']:,}"),
        ("DCM non-zeros", f"{s['dcm_nonzeros']:,}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}")
