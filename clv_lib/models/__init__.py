"""Stage 4: probabilistic customer-base models, written from the papers and tested against their tables.

Transaction models (non-contractual, continuous time) share one interface over an RFM summary
(`frequency`, `recency`, `T` in the summary's time unit): `BetaGeoModel` (BG/NBD), `ParetoNBDModel`
(Pareto/NBD), `ModifiedBetaGeoModel` (MBG/NBD). `GammaGammaModel` models spend per transaction;
`BetaGeoBetaBinomModel` (BG/BB) is the discrete-opportunity model and `ShiftedBetaGeoModel` (sBG) the
contractual retention model. Import from here; the submodules are one model each.
"""

from clv_lib.models.bgbb import BetaGeoBetaBinomModel
from clv_lib.models.bgnbd import BetaGeoModel
from clv_lib.models.mbgnbd import ModifiedBetaGeoModel
from clv_lib.models.pareto_nbd import ParetoNBDModel
from clv_lib.models.sbg import ShiftedBetaGeoModel, summary_from_survivors
from clv_lib.models.gamma_gamma import GammaGammaModel

__all__ = ["BetaGeoBetaBinomModel", "BetaGeoModel", "GammaGammaModel", "ModifiedBetaGeoModel", "ParetoNBDModel", "ShiftedBetaGeoModel", "summary_from_survivors"]
