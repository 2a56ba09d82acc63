"""Stage 4: probabilistic customer-base models, written from the papers and tested against their tables.

Transaction models (non-contractual, continuous time) share one interface over an RFM summary
(`frequency`, `recency`, `T` in the summary's time unit): `BetaGeoModel` (BG/NBD), `ParetoNBDModel`
(Pareto/NBD), `ModifiedBetaGeoModel` (MBG/NBD), their no-drop-out limit `NBDModel` (NBD) and its
no-heterogeneity limit `PoissonModel` (Poisson: one purchase rate for everybody).
`GammaGammaModel` models spend per transaction;
`BetaGeoBetaBinomModel` (BG/BB) is the discrete-opportunity model and `ShiftedBetaGeoModel` (sBG) the
contractual retention model. `TimeUnit` makes the summary's unit explicit. Holdout checks live in
`clv_lib.models.validation`, the choice among transaction models in `clv_lib.models.selection`, simulators
in `clv_lib.models.simulate`.
"""

from clv_lib.models.bgbb import BetaGeoBetaBinomModel
from clv_lib.models.bgnbd import BetaGeoModel
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.mbgnbd import ModifiedBetaGeoModel
from clv_lib.models.nbd import NBDModel
from clv_lib.models.pareto_nbd import ParetoNBDModel
from clv_lib.models.poisson import PoissonModel
from clv_lib.models.sbg import ShiftedBetaGeoModel, summary_from_survivors
from clv_lib.models.timeunit import DAYS, MONTHS, WEEKS, TimeUnit

__all__ = ["BetaGeoBetaBinomModel", "BetaGeoModel", "DAYS", "GammaGammaModel", "MONTHS", "ModifiedBetaGeoModel",
           "NBDModel", "ParetoNBDModel", "PoissonModel", "ShiftedBetaGeoModel", "TimeUnit", "WEEKS", "summary_from_survivors"]
