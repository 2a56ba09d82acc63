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
