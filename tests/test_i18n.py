"""Every report text exists in Italian and English, with the same placeholders, and none is empty."""

import re

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import catalogue

PLACEHOLDER = re.compile(r"{(\w+)")


def test_same_keys_in_both_languages():
    en, it = catalogue("en"), catalogue("it")
    assert set(en) == set(it), sorted(set(en) ^ set(it))


def test_same_placeholders_and_no_empty_text():
    en, it = catalogue("en"), catalogue("it")
    for key in en:
        assert en[key].strip() and it[key].strip(), key
        assert set(PLACEHOLDER.findall(en[key])) == set(PLACEHOLDER.findall(it[key])), key


def test_locale_number_formats():
    it, en = Formatter("it", "EUR"), Formatter("en", "EUR")
    assert it.money(1234.56, 2) == "1.234,56\xa0€"
    assert en.money(1234.56, 2) == "€1,234.56"
    assert it.pct(0.123) == "12,3%" and en.pct(0.123) == "12.3%"
    assert it.money(float("nan")) == "–" and en.ratio(float("inf")) == "–"


def test_italian_elides_the_article_before_vowel_sounds():
    from clv_lib.report.i18n import elide_italian

    assert elide_italian("detiene il 83% e il 18,9%") == "detiene l'83% e il 18,9%"
    assert elide_italian("del 8% e al 11% e il 1,5% ma il 110% e il 50%") == "dell'8% e all'11% e l'1,5% ma il 110% e il 50%"


def test_data_layer_words_in_italian():
    from clv_lib.report.data_labels import inference_label, rule_label

    assert rule_label("totals or summary row (not an order)", "it").startswith("riga di totale")
    assert rule_label("line item without an amount of its own (its order's total is on another row)",
                      "it").startswith("riga articolo senza importo")
    # Counts take the Italian thousands separator; the decimal marks quoted in the sentence stay as they are.
    text = inference_label("Totale: decimal mark comma (',') inferred from the values (8,145 distinct values with "
                           "',' decimals, 0 with '.'); 1,002 rows unparsable or empty", "it")
    assert "8.145 valori distinti" in text and "1.002 righe" in text and "(',')" in text
