"""MBG/NBD with time-invariant covariates: the BG/NBD formulation of Fader & Hardie (2007), "Incorporating
Time-Invariant Covariates into the Pareto/NBD and BG/NBD Models" (brucehardie.com note 019), applied to the
MBG/NBD of Batislam, Denizel & Filiztekin (2007), as pymc-marketing's ModifiedBetaGeoModel does:

    alpha_i = alpha_0 exp(-gamma_1' z_i),   a_i = a_0 exp(gamma_2' z_i),   b_i = b_0 exp(gamma_3' z_i),

r common; `purchase[...]` multiplies the mean purchase rate, `a[...]` and `b[...]` the drop-out shapes. The
likelihood is the MBG/NBD's per covariate pattern.
"""

from __future__ import annotations

from clv_lib.models.covariates import Effect
from clv_lib.models.mbgnbd import ModifiedBetaGeoModel
from clv_lib.models.transaction_covariates import CovariateTransactionModel


class ModifiedBetaGeoCovariateModel(CovariateTransactionModel):
    """MBG/NBD with covariates; fit(summary) with frequency, recency, T and the columns named in `covariates`."""

    base_model = ModifiedBetaGeoModel
    effects = (Effect("purchase", "alpha", -1, "purchase rate"), Effect("a", "a", +1, "drop-out shape a"),
               Effect("b", "b", +1, "drop-out shape b"))
