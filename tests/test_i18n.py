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


def test_value_reading_sentences_use_italian_digit_grouping():
    """The data layer writes its sentences in English; the Italian report groups their counts the Italian way and
    leaves decimal marks, quoted separators and small numbers alone."""
    from clv_lib.report.data_labels import inference_label

    text = ("canceled_at: ISO 8601 (1,077 rows); 1,077 timestamps converted to Europe/Rome; "
            "1,096 rows empty (active) or unparsable")
    assert inference_label(text, "it") == ("canceled_at: ISO 8601 (1.077 righe); 1.077 orari convertiti al fuso "
                                           "Europe/Rome; 1.096 righe vuote (attivi) o illeggibili")
    decimals = "price: decimal mark point ('.') inferred from the values (0 distinct values with ',' decimals, 7 with '.')"
    assert "(0 valori distinti con decimali ',', 7 con '.')" in inference_label(decimals, "it")
    assert inference_label("12,345,678 rows", "it").startswith("12.345.678") and inference_label(text, "en") == text


def test_a_count_of_one_takes_the_singular_unit():
    from clv_lib.report.i18n import Texts, singular_units

    assert singular_units("contratti da 1 mesi 76%, contratti da 12 mesi 81%", "it") == \
        "contratti da 1 mese 76%, contratti da 12 mesi 81%"
    assert singular_units("1 customers, 21 customers, 1.5 months, 1,000 rows, 1 rows", "en") == \
        "1 customer, 21 customers, 1.5 months, 1,000 rows, 1 row"
    assert Texts("it")("economics.months", months="1") == "1 mese"
    assert Texts("en")("economics.months", months="1") == "1 month"
