"""The names of the data layer's cleaning rules in the report's language (leaf module, imports nothing of clv_lib).

The data layer writes rule names in English (they are also the `rule` column of data_quality.csv, stable for
tooling); the report's data chapter and the errors of clv_lib.exceptions show them translated, from this one table.
Patterns with placeholders keep their values (dates, currencies).
"""

from __future__ import annotations

import re

_ITALIAN: list[tuple[str, str]] = [
    (r"read", "righe lette"),
    (r"kept", "righe conservate"),
    (r"exact duplicate row", "riga duplicata identica"),
    (r"unparsable or missing date", "data illeggibile o mancante"),
    (r"unparsable or missing amount", "importo illeggibile o mancante"),
    (r"unparsable or missing start date", "data di inizio illeggibile o mancante"),
    (r"unparsable end date", "data di fine illeggibile"),
    (r"unparsable or missing price", "prezzo illeggibile o mancante"),
    (r"malformed row \(wrong number of fields\)", "riga malformata (numero di campi errato)"),
    (r"after the observation end \((.+)\)", r"dopo la data di taglio (\1)"),
    (r"before the start date \((.+)\)", r"prima della data di inizio (\1)"),
    (r"excluded status \((.+)\)", r"stato escluso (\1)"),
    (r"cancelled order \(status\)", "ordine annullato (stato)"),
    (r"failed order \(status\)", "ordine non riuscito (stato)"),
    (r"test order \(status\)", "ordine di prova (stato)"),
    (r"cancelled order", "ordine annullato"),
    (r"failed order", "ordine non riuscito"),
    (r"test order", "ordine di prova"),
    (r"missing customer id and e-mail", "codice cliente ed e-mail mancanti"),
    (r"missing customer id", "codice cliente mancante"),
    (r"customer id taken from the e-mail", "codice cliente ricavato dall'e-mail"),
    (r"converted from (\w+) to (\w+) at ([\d.]+)", r"convertito da \1 a \2 al cambio \3"),
    (r"line items merged into their order", "righe articolo unite nel loro ordine"),
    (r"line item without an amount of its own \(its order's total is on another row\)",
     "riga articolo senza importo proprio (il totale del suo ordine è su un'altra riga)"),
    (r"totals or summary row \(not an order\)", "riga di totale o di riepilogo (non è un ordine)"),
    (r"partial refund subtracted from its order \(refunded amount column\)",
     "rimborso parziale sottratto dal suo ordine (colonna dell'importo rimborsato)"),
    (r"order refunded in full \(refund status\)", "ordine rimborsato per intero (stato di rimborso)"),
    (r"order refunded in full", "ordine rimborsato per intero"),
    (r"refund netted into its order", "rimborso compensato sul suo ordine"),
    (r"refund netted into the customer's latest earlier order",
     "rimborso compensato sull'ultimo ordine precedente del cliente"),
    (r"refund with no earlier order left to net it against",
     "rimborso senza un ordine precedente con importo residuo su cui compensarlo"),
    (r"refund not subtracted \(nothing left to net it against\)",
     "rimborso non sottratto (nessun importo residuo su cui compensarlo)"),
    (r"zero-value order \(kept\)", "ordine a valore zero (conservato)"),
    (r"unknown billing interval \((.+)\)", r"periodicità di fatturazione sconosciuta (\1)"),
    (r"unknown billing interval", "periodicità di fatturazione sconosciuta"),
    (r"trial or free \(zero price\)", "prova o gratuito (prezzo zero)"),
    (r"ended during its free trial \(never paid\)", "terminato durante la prova gratuita (mai pagato)"),
    (r"still in its free trial on (.+)", r"ancora in prova gratuita il \1"),
    (r"start moved to the end of the free trial", "inizio spostato alla fine della prova gratuita"),
    (r"negative price", "prezzo negativo"),
    (r"ends before it starts", "termina prima di iniziare"),
    (r"ends on the day it starts", "termina il giorno in cui inizia"),
    (r"starts after the observation end \((.+)\)", r"inizia dopo la data di taglio (\1)"),
    (r"ended before the start date \((.+)\)", r"terminato prima della data di inizio (\1)"),
    (r"ends after the observation end: active on (.+)", r"termina dopo la data di taglio: attivo il \1"),
    (r"trial \(status\)", "in prova (stato)"),
    (r"incomplete \(status\)", "incompleto (stato)"),
    (r"test subscription \(status\)", "abbonamento di prova tecnica (stato)"),
    (r"unparsable quantity", "quantità illeggibile"),
    (r"zero quantity \(no seats\)", "quantità zero (nessuna licenza)"),
    (r"negative quantity", "quantità negativa"),
    (r"empty quantity: taken as 1 seat", "quantità vuota: contata come 1 licenza"),
    (r"cancelled at once: MRR ends on the cancellation day \(params data\.mrr\.cancellation: immediate\)",
     "disdetta immediata: l'MRR termina il giorno della disdetta (parametro data.mrr.cancellation: immediate)"),
    (r"past due counted as churned from its unpaid period \(params data\.mrr\.past_due: churned\)",
     "pagamento scaduto contato come abbandono dall'inizio del periodo non pagato (parametro data.mrr.past_due: "
     "churned)"),
    (r"recurring discount subtracted from MRR \(coupon or discount column\)",
     "sconto ricorrente sottratto dall'MRR (coupon o colonna di sconto)"),
    (r"coupon not defined in params data\.mrr\.coupons \((.+)\): MRR at list price",
     r"coupon non definito nei parametri data.mrr.coupons (\1): MRR a prezzo di listino"),
    (r"one-time coupon left out of MRR \(params data\.mrr\.one_time_discounts: ignore\)",
     "coupon una tantum escluso dall'MRR (parametro data.mrr.one_time_discounts: ignore)"),
    (r"repeating discount: discounted MRR for its months from the paying start, then the list price",
     "sconto a durata: MRR scontato per i suoi mesi dall'inizio dei pagamenti, poi prezzo di listino"),
]


def rule_label(rule: str, language: str) -> str:
    """The rule's name in `language` (English names are returned unchanged)."""
    if language != "it":
        return rule
    for pattern, replacement in _ITALIAN:
        if re.fullmatch(pattern, rule):
            return re.sub(f"^{pattern}$", replacement, rule)
    return rule
