"""Pareto/NBD with time-invariant covariates: Fader & Hardie (2007), "Incorporating Time-Invariant Covariates into
the Pareto/NBD and BG/NBD Models" (brucehardie.com note 019), section 2, as CLVTools and pymc-marketing fit it.

The scales of the purchase and drop-out rates depend on the customer's covariates z:

    alpha_i = alpha_0 exp(-gamma_1' z_i),   beta_i = beta_0 exp(-gamma_2' z_i),

r and s are common. exp(gamma_1) multiplies the mean purchase rate r / alpha_i (parameter
`purchase[<column>=<level>]`) and exp(gamma_2) the mean drop-out rate s / beta_i (`dropout[...]`). The likelihood is
the Pareto/NBD's (FH note 009, eq. 16) per covariate pattern.
"""

from __future__ import annotations

from clv_lib.models.covariates import Effect
from clv_lib.models.pareto_nbd import ParetoNBDModel
from clv_lib.models.transaction_covariates import CovariateTransactionModel


class ParetoNBDCovariateModel(CovariateTransactionModel):
    """Pareto/NBD with covariates; fit(summary) with frequency, recency, T and the columns named in `covariates`."""

    base_model = ParetoNBDModel
    effects = (Effect("purchase", "alpha", -1, "purchase rate"), Effect("dropout", "beta", -1, "drop-out rate"))
