"""Customer ids in outputs: HTML-escaped always, pseudonymised with a per-client salt when the params ask."""

from __future__ import annotations

from types import SimpleNamespace

from clv_lib.report import html as H
from clv_lib.report.outputs import output_ids


def report(tmp_path, client="acme", pseudonymize=True):
    return SimpleNamespace(root=tmp_path, client=client, params=SimpleNamespace(pseudonymize_ids=pseudonymize))


def test_ids_unchanged_by_default(tmp_path):
    assert output_ids(report(tmp_path, pseudonymize=False), [123, "A-7"]) == ["123", "A-7"]


def test_pseudonyms_are_stable_salted_and_hide_the_id(tmp_path):
    ids = ["10001", "10002", "mario.rossi@example.it"]
    first = output_ids(report(tmp_path), ids)
    again = output_ids(report(tmp_path), ids)
    other = output_ids(report(tmp_path, client="globex"), ids)
    assert first == again  # same client: the same pseudonym every period (migration still works)
    assert first != other  # another client's salt gives other pseudonyms
    assert len(set(first)) == 3 and all(p.startswith("c_") and len(p) == 18 for p in first)
    assert not any(i in p for i, p in zip(ids, first))
    salt = tmp_path / "reports" / "acme" / ".id_salt"
    assert salt.exists() and len(salt.read_text().strip()) == 32


def test_customer_ids_are_escaped_in_html():
    evil = '<script>alert("x")</script>'
    html = H.chapter("x", "<b>Title</b>", H.table(["Customer"], [[evil]], caption=evil), H.p(evil),
                     H.bullets([evil]), H.callout(evil), H.tiles([(evil, evil, evil)])).to_html()
    assert "<script>" not in html and "<b>" not in html and "&lt;script&gt;" in html
