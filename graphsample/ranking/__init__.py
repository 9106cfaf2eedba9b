"""PageRank: global, personalized, batched, and fully personalized by Monte Carlo; on Dask.

* :func:`pagerank` -- power iteration (any backend) or SCC-ordered Gauss--Seidel (host), with dangling policy,
  personalization, weights and a :class:`ConvergenceInfo`;
* :func:`personalized_pagerank` -- many sources at once (SpMM / blocked Gauss--Seidel), dense rows or :class:`TopK`;
* :func:`forward_push` -- Andersen--Chung--Lang local push with its error bound (:class:`PushResult`);
* :func:`fully_personalized_pagerank` -- Monte Carlo PPR of every node (Lin, WWW 2019), :class:`PPRResult`,
  with :func:`walks_for_accuracy` for the number of walks;
* :mod:`graphsample.ranking.dask` -- the same on a Dask cluster (imported on use).
"""

from .pagerank import ConvergenceInfo, TopK, pagerank, personalized_pagerank
from .ppr import PPRResult, fully_personalized_pagerank, walks_for_accuracy
from .push import PushResult, forward_push

__all__ = ["pagerank", "personalized_pagerank", "forward_push", "fully_personalized_pagerank", "walks_for_accuracy",
           "ConvergenceInfo", "TopK", "PushResult", "PPRResult"]
