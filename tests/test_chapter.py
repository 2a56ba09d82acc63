"""Chapters as objects: parts reachable and changeable by name, rendered through the templates (escaped, numbered,
formatted in the report's language), and the analyst's helpers (commentary, figure, table)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from clv_lib.exceptions import ClvError  # noqa: E402
from clv_lib.report import additions  # noqa: E402
from clv_lib.report import blocks as B  # noqa: E402
from clv_lib.report.chapter import Chapter  # noqa: E402
from clv_lib.report.fmt import Formatter  # noqa: E402
from clv_lib.report.render import Context  # noqa: E402


def small_figure() -> Figure:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1, 2], [0.0, 0.5, 1.0])
    return fig


def chapter(language: str = "en") -> Chapter:
    ch = Chapter("demo", "A chapter")
    ch.context = Context(language, Formatter(language, "EUR"))
    ch.text("lead", "Customers are worth a lot.")
    ch.figure("curve", small_figure(), caption="A curve")
    ch.table("top", pd.DataFrame({"customer_id": ["A-1", "<b>B</b>"], "clv_12m": [1234.5, 10.0],
                                  "prob_alive": [0.5, None]}),
             formats={"clv_12m": "money:2", "prob_alive": "pct:0"}, labels={"clv_12m": "CLV"}, caption="Top")
    ch.keep("block", B.Heading("Inside", name="block.title"), B.Text("kept together", name="block.lead"))
    return ch


def test_parts_are_reachable_by_name():
    ch = chapter()
    assert list(ch.tables) == ["top"] and list(ch.figures) == ["curve"]
    assert list(ch.texts) == ["lead", "block.title", "block.lead"]
    assert isinstance(ch.tables["top"], pd.DataFrame) and ch.tables["top"]["clv_12m"].dtype.kind == "f"
    assert isinstance(ch.figures["curve"], Figure)
    assert ch.captions["curve"] == "A curve"
    assert "tables [top]" in repr(ch)
    with pytest.raises(KeyError, match="has no table 'nope' .*top"):
        ch.tables["nope"]


def test_changes_before_display_are_what_is_shown():
    ch = chapter()
    ch.tables["top"] = ch.tables["top"].drop(columns="prob_alive").head(1)
    ch.texts["lead"] = "Changed words."
    ch.captions["curve"] = "A better caption"
    ch.titles["curve"] = "Title above"
    ch.figures["curve"].axes[0].set_title("Drawn title")
    html = ch.to_html()
    assert "Changed words." in html and "A better caption" in html and '<div class="figtitle">Title above' in html
    assert "<th>customer_id</th>" in html and ">CLV</th>" in html and "€1,234.50" in html
    assert "&lt;b&gt;B" not in html and "P(alive)" not in html  # the dropped row and column are gone
    svg = __import__("base64").b64decode(re.search(r"base64,([^\"]+)", html).group(1)).decode()
    assert "Drawn title" in svg  # matplotlib writes the text of each label in a comment


def test_everything_is_escaped_and_missing_values_print_a_dash():
    ch = chapter()
    ch.texts["lead"] = '<script>alert("x")</script>'
    html = ch.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;B&lt;/b&gt;" in html
    row = re.findall(r"<tr>(.*?)</tr>", html)[-1]
    assert ">–</td>" in row


def test_italian_formats_and_numbering_follow_the_report():
    context = Context("it", Formatter("it", "EUR"))
    first, second = chapter("it"), chapter("it")
    first.context = second.context = context
    a, b = first.to_html(), second.to_html()
    assert "1234,50\xa0€" in a.replace(".", "") and "1.234,50\xa0€" in a and "50%" in a
    assert '<span class="number">Figura 1.</span> A curve' in a and '<span class="number">Tabella 1.</span>' in a
    assert '<span class="number">Figura 2.</span>' in b and '<span class="number">Tabella 2.</span>' in b


def test_drop_add_and_layout_options():
    ch = chapter()
    extra = Chapter("x", None, page_break=False)
    extra.text("note", "An inserted sentence.")
    ch.add(extra, after="lead")
    assert ch.names()[:2] == ["lead", "note"]
    ch.drop("block")
    assert "block.lead" not in ch.names()
    ch.apply(titles={"curve": "T"}, captions={"top": "C"}, texts={"note": "N"}, hide=["lead"])
    assert ch.titles["curve"] == "T" and ch.captions["top"] == "C" and ch.texts["note"] == "N"
    assert "lead" not in ch.names()
    with pytest.raises(ClvError, match="no figure title 'nope'.*curve"):
        ch.apply(titles={"nope": "x"})


def test_unnamed_parts_get_unique_names():
    ch = Chapter("x", "X")
    ch.add(B.Text("a"))
    ch.add(B.Text("b"))
    ch.keep("g", B.Text("c"), B.Text("d"))
    assert ch.names() == ["text1", "text2", "g", "text3", "text4"]


def analyst_report(language: str):
    return SimpleNamespace(language=language, fmt=Formatter(language, "EUR"),
                           render_context=Context(language, Formatter(language, "EUR")))


def test_commentary_shows_the_report_language_as_markdown():
    r = analyst_report("it")
    html = additions.commentary(r, it="Il **Natale** <i>conta</i>", en="Christmas").to_html()
    assert "<strong>Natale</strong>" in html and "&lt;i&gt;" in html and "Christmas" not in html
    assert 'class="clv addition"' in html and "chapter" not in html
    with pytest.raises(ClvError, match="no text in the report's language \\(it\\); it has: en"):
        additions.commentary(r, en="Only English")


def test_figure_helper_numbers_localises_and_releases_pyplot():
    r = analyst_report("it")
    fig, ax = plt.subplots()
    ax.plot([0, 0.25, 0.5], [1000, 2000, 3000])
    out = additions.figure(r, ax, caption={"it": "Andamento", "en": "Trend"})
    assert not plt.fignum_exists(fig.number)  # the inline backend will not show it a second time
    html = out.to_html()
    assert '<span class="number">Figura 1.</span> Andamento' in html
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert "0,3" in labels and "2.000" in labels and "0.3" not in labels


def test_table_helper_formats_and_numbers():
    r = analyst_report("it")
    frame = pd.DataFrame({"ricavi": [1234.5, 99.0], "quota": [0.123, 0.5]}, index=pd.Index(["x", "y"], name="id"))
    html = additions.table(r, frame, caption="Clienti", formats={"ricavi": "money:2", "quota": "pct"}).to_html()
    assert "1.234,50\xa0€" in html and "12,3%" in html and "<td>x</td>" in html
    assert '<span class="number">Tabella 1.</span> Clienti' in html
    with pytest.raises(ValueError, match="unknown table format"):
        additions.table(r, frame, formats={"ricavi": "euros"}).to_html()


def test_a_styler_keeps_its_colours_with_the_report_formats():
    r = analyst_report("it")
    frame = pd.DataFrame({"cliente": ["<b>x</b>", "y"], "ricavi": [1234.5, 99.0]})
    styled = frame.style.background_gradient(subset=["ricavi"], cmap="Blues")
    html = additions.table(r, styled, caption="Con colori", formats={"ricavi": "money:2"}).to_html()
    assert "background-color" in html and "1.234,50\xa0€" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html
    assert '<span class="number">Tabella 1.</span> Con colori' in html and 'col1 num"' in html
    assert styled.data is frame


def test_an_unknown_chapter_option_is_one_clear_error_before_any_work():
    from clv_lib.report import Report

    report = Report.open("demo")
    with pytest.raises(ClvError, match="chapter 'predicted' has no option 'rowz'; its options: rows, segments, "
                                       "titles, captions, texts, hide"):
        report.predicted_clv(rowz=20)
    assert "analysis" not in report.__dict__  # nothing was computed


def test_a_chapter_built_outside_the_report_uses_the_open_report():
    from clv_lib.report import Report
    from clv_lib.report.html import chapter as build

    report = Report.open("demo", language="it")
    html = build("extra", "Extra", B.Figure(small_figure(), "Una curva")).to_html()
    assert '<span class="number">Figura 1.</span> Una curva' in html
