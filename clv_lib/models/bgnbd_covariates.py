"""BG/NBD with time-invariant covariates: Fader & Hardie (2007), "Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models" (brucehardie.com note 019), section 3, as CLVTools and pymc-marketing fit it.

The purchase-rate scale and both drop-out shapes depend on the customer's covariates z:

    alpha_i = alpha_0 exp(-gamma_1' z_i),   a_i = a_0 exp(gamma_2' z_i),   b_i = b_0 exp(gamma_3' z_i),

r is common. exp(gamma_1) multiplies the mean purchase rate r / alpha_i (parameter `purchase[<column>=<level>]`);
exp(gamma_2), exp(gamma_3) multiply a and b (`a[...]`, `b[...]`), which together set the chance of dropping out
after a purchase, E[p] = a / (a + b). The likelihood is the BG/NBD's (FHL 2005, eq. 6) per covariate pattern.
"""

from __future__ import annotations

from clv_lib.models.bgnbd import BetaGeoModel
from clv_lib.models.covariates import Effect
from clv_lib.models.transaction_covariates import CovariateTransactionModel


class BetaGeoCovariateModel(CovariateTransactionModel):
    """BG/NBD with covariates; fit(summary) with frequency, recency, T and the columns named in `covariates`."""

    base_model = BetaGeoModel
    effects = (Effect("purchase", "alpha", -1, "purchase rate"), Effect("a", "a", +1, "drop-out shape a"),
               Effect("b", "b", +1, "drop-out shape b"))
