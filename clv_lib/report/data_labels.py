"""The data layer's words in the report's language: cleaning-rule names and value-reading sentences.

The data layer writes them in English (the rule names are also the `rule` column of data_quality.csv, stable for
tooling); the report shows them translated. Patterns with placeholders keep their values (dates, currencies).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from clv_lib.rule_labels import rule_label  # noqa: F401 - the report's name for it

_TREATMENTS = {
    "it": {"total": "totale", "excluded": "escluse", "netted": "compensate", "merged": "unite",
           "converted": "convertite", "flagged": "segnalate"},
    "en": {"total": "total", "excluded": "excluded", "netted": "netted", "merged": "merged",
           "converted": "converted", "flagged": "flagged"},
}


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
