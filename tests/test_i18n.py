"""Every report text exists in Italian and English, with the same placeholders, and none is empty."""

import re

from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import Texts, catalogue

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
    # a tiny churn (no cancellation in 21,223 renewals) keeps two significant digits instead of reading 0.0%
    assert it.small_pct(0.5 / 21224) == "0,0024%" and en.small_pct(0.00014) == "0.014%"
    assert en.small_pct(0.123) == "12.3%" and en.small_pct(0.0) == "0.0%" and en.small_pct(float("nan")) == "–"
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
    # a one-month window on a short history: "the last month", never "the last 1 month(s)"
    assert Texts("it")("economics.orders.lead", months="1").endswith("per cliente vivo nell'ultimo mese.")
    assert Texts("it")("economics.subscription.lead", months="1", average="x").startswith(
        "Le formule SaaS sull'ultimo mese:")
    assert Texts("en")("economics.orders.lead", months="1").endswith("per live customer over the last month.")
    assert singular_units("Ultimi 1 mesi, ultimi 12 mesi; last 1 months, last 11 months, last 1.5 months", "it") == \
        "Ultimo mese, ultimi 12 mesi; last 1 months, last 11 months, last 1.5 months"


def test_data_layer_words_in_italian():
    from clv_lib.report.data_labels import inference_label, rule_label

    assert rule_label("totals or summary row (not an order)", "it").startswith("riga di totale")
    assert rule_label("line item without an amount of its own (its order's total is on another row)",
                      "it").startswith("riga articolo senza importo")
    # Counts take the Italian thousands separator; the decimal marks quoted in the sentence stay as they are.
    text = inference_label("Totale: decimal mark comma (',') inferred from the values (8,145 distinct values with "
                           "',' decimals, 0 with '.'); 1,002 rows unparsable or empty", "it")
    assert "8.145 valori distinti" in text and "1.002 righe" in text and "(',')" in text


def test_no_duplicate_keys_in_the_text_files():
    """YAML keeps the last of two equal keys silently, which would drop a whole block of sentences."""
    import yaml

    from clv_lib.report.i18n import LANGUAGES, TEXT_DIR

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        duplicated = {k for k in keys if keys.count(k) > 1}
        assert not duplicated, f"duplicate keys {duplicated} at line {node.start_mark.line + 1}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    for language in LANGUAGES:
        yaml.load((TEXT_DIR / f"{language}.yaml").read_text(encoding="utf-8"), Loader=Strict)


def test_amounts_that_print_as_zero_have_no_sign():
    """A movement of -0.0 (no contraction this month) or -0.3 at whole units prints as zero, not "-€0"."""
    it, en = Formatter("it", "EUR"), Formatter("en", "EUR")
    assert en.money(-0.0) == "€0" and en.money(-0.3) == "€0" and en.money(-0.6) == "-€1"
    assert it.money(-0.001, 2) == "0,00\xa0€" and en.number(-0.04, 1) == "0.0" and en.pct(-0.00004) == "0.0%"
    assert en.pct(-0.0004) == "0.0%" and en.pct(-0.0006) == "-0.1%"


def test_warning_values_name_ledger_rules_in_the_report_language():
    """The pipeline stores a rule's English name (as in data_quality.csv); the data chapter translates it."""
    from types import SimpleNamespace

    from clv_lib.report.chapters.data_quality import _fmt_values

    values = {"rule": "cancelled order (status)", "rows": 1234, "share": 12}
    it = _fmt_values(SimpleNamespace(fmt=Formatter("it", "EUR"), language="it"), values)
    en = _fmt_values(SimpleNamespace(fmt=Formatter("en", "EUR"), language="en"), values)
    assert it == {"rule": "ordine annullato (stato)", "rows": "1.234", "share": "12"}
    assert en == {"rule": "cancelled order (status)", "rows": "1,234", "share": "12"}


def test_chapter_references_follow_the_contents_given():
    from clv_lib.report.chapters.cover import TOC

    with_since = Texts("en", chapters=lambda: list(TOC))
    without = Texts("en", chapters=lambda: [k for k in TOC if k != "since"])
    assert "(chapter 10)" in with_since("summary.reliability.pass", model="BG/NBD")
    assert "(chapter 9)" in without("summary.reliability.pass", model="BG/NBD")
    assert "(capitolo 9)" in Texts("it")("summary.reliability.pass", model="BG/NBD")  # default: no earlier report
