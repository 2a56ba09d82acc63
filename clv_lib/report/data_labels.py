"""The data layer's words in the report's language: cleaning-rule names and value-reading sentences.

The data layer writes them in English (the rule names are also the `rule` column of data_quality.csv, stable for
tooling); the report shows them translated. Patterns with placeholders keep their values (dates, currencies).
"""

from __future__ import annotations

import re
from pathlib import PurePath

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
]
_TREATMENTS = {
    "it": {"total": "totale", "excluded": "escluse", "netted": "compensate", "merged": "unite",
           "converted": "convertite", "flagged": "segnalate"},
    "en": {"total": "total", "excluded": "excluded", "netted": "netted", "merged": "merged",
           "converted": "converted", "flagged": "flagged"},
}


def rule_label(rule: str, language: str) -> str:
    """The rule's name in `language` (English names are returned unchanged)."""
    if language != "it":
        return rule
    for pattern, replacement in _ITALIAN:
        if re.fullmatch(pattern, rule):
            return re.sub(f"^{pattern}$", replacement, rule)
    return rule


def treatment_label(treatment: str, language: str) -> str:
    return _TREATMENTS.get(language, _TREATMENTS["en"]).get(treatment, treatment)


_ITALIAN_PHRASES: list[tuple[str, str]] = [
    ("rows empty (active) or unparsable", "righe vuote (attivi) o illeggibili"),
    ("rows without a trial or unparsable", "righe senza prova gratuita o illeggibili"),
    ("rows unparsable or empty", "righe illeggibili o vuote"),
    ("(inferred from values above 12)", "(dedotto dai valori sopra 12)"),
    ("(default, no value decides; set data.dayfirst: false if the file writes the month first)",
     "(predefinito, nessun valore lo determina; impostare data.dayfirst: false se il file scrive prima il mese)"),
    ("(the column has values above 12 in both places, so it mixes both orders; set data.dayfirst)",
     "(la colonna ha valori sopra 12 in entrambe le posizioni, quindi mescola i due ordini; impostare "
     "data.dayfirst)"),
    ("day first", "prima il giorno"),
    ("month first", "prima il mese"),
    ("from params", "dai parametri"),
    ("timestamps converted to", "orari convertiti al fuso"),
    ("numeric column, read as numbers", "colonna numerica, letta come numeri"),
    ("no value decides the decimal mark: read as comma", "nessun valore determina il separatore decimale: letto come virgola"),
    ("no value decides the decimal mark: read as point", "nessun valore determina il separatore decimale: letto come punto"),
    ("decimal mark comma", "separatore decimale virgola"),
    ("decimal mark point", "separatore decimale punto"),
    ("inferred from the values", "dedotto dai valori"),
    ("distinct values with ',' decimals", "valori distinti con decimali ','"),
    ("distinct values were ambiguous (e.g. 1.234)", "valori distinti ambigui (es. 1.234)"),
    ("distinct values could only be read with the other mark and were read so",
     "valori distinti leggibili solo con l'altro separatore, letti così"),
    ("with '.'", "con '.'"),
    ("no readable dates", "nessuna data leggibile"),
    ("no customer id column, the e-mail", "nessuna colonna del codice cliente, l'e-mail"),
    ("identifies customers", "identifica i clienti"),
    ("quantity x unit price", "quantità x prezzo unitario"),
    ("no end date column, every subscription is taken as active",
     "nessuna colonna della data di fine, ogni abbonamento è considerato attivo"),
    ("no billing interval column,", "nessuna colonna della periodicità,"),
    ("is taken as monthly", "è considerato mensile"),
    ("months of", "mesi di"),
    ("month =", "mese ="),
    ("year =", "anno ="),
    (" rows)", " righe)"),
]


def inference_label(text: str, language: str) -> str:
    """A value-reading sentence of the data layer (`CleanData.inferences`) in `language`."""
    if language != "it":
        return text
    for english, italian in _ITALIAN_PHRASES:
        text = text.replace(english, italian)
    return _THOUSANDS.sub(lambda m: m.group(0).replace(",", "."), text)  # 2,173 -> 2.173


_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")  # English-grouped counts in the sentences


def source_name(source) -> str:
    """The client's data as the report names it: a file by its name only (the folders of the consultant's machine
    stay out of a document sent to the client; the SHA-256 identifies the file), an engine's table or query by
    its label."""
    path = getattr(source, "path", None)
    return PurePath(str(path)).name if path else str(source.display)
