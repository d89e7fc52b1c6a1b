"""Synthetic customers and transactions with known truth.

Every generator is seeded (``seed``: an int, ``None`` or a :class:`numpy.random.Generator`) and
vectorised over customers, so a million customers take a second or two. Two layers:

* **Model draws in continuous time** -- :func:`simulate_bgnbd`, :func:`simulate_paretonbd`, :func:`simulate_cnbd` and
  :func:`simulate_gamma_gamma_spend` draw each customer's latent parameters from the population
  distribution, then the customer's behaviour, and return the truth next to the summary statistics
  (``frequency`` x, ``recency`` t_x, ``T``) in the model's own time unit. Fitting a model on these
  tests the fitter without the bias of day rounding (merging same-day purchases biases a BG/NBD
  ``alpha`` estimate by about 5 %).
* **Transactions** -- :func:`simulate_transactions` places the same story on the calendar
  (staggered acquisition, day-resolution timestamps, Gamma-Gamma amounts) in the transactions
  contract; :func:`make_cdnow_like` and :func:`make_b2b_demo` are ready-made scenarios. The B2B demo's
  generating parameters live in :data:`B2B_DEMO`, so tests and documents can quote the truth.

Population parameters may be scalars or arrays with one value per customer (this is how customer
attributes shift behaviour in :func:`make_b2b_demo`).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). "Counting Your Customers: Who Are They
and What Will They Do Next?". Management Science 33(1), 1-24.
"""

from workbench.data.synthetic._common import CDNOW_PARAMS, Seed
from workbench.data.synthetic.b2b import B2B_DEMO, ZH_LABELS, make_b2b_demo
from workbench.data.synthetic.clusters import make_planted_clusters
from workbench.data.synthetic.draws import (
    simulate_bgnbd,
    simulate_cnbd,
    simulate_gamma_gamma_spend,
    simulate_paretonbd,
)
from workbench.data.synthetic.transactions import make_cdnow_like, simulate_transactions

__all__ = [
    "B2B_DEMO",
    "CDNOW_PARAMS",
    "ZH_LABELS",
    "Seed",
    "make_b2b_demo",
    "make_cdnow_like",
    "make_planted_clusters",
    "simulate_bgnbd",
    "simulate_cnbd",
    "simulate_gamma_gamma_spend",
    "simulate_paretonbd",
    "simulate_transactions",
]
