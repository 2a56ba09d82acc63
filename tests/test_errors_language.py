"""A user mistake's one-line error speaks the client's language (params `language`, or the run's LANGUAGE).

Through the front door: the runner's command line on a scratch project whose client is Italian, for the common
mistakes (missing data file, missing column, unreadable dates, unreadable amounts, a returns-only export, less than
a complete month of data for the default period, a bad params key) and the database ones (connection URL variable
unset, server refusing the connection, DuckDB file missing, a params rule the backend cannot apply), in Italian
and, with `--language en`, in English. Each run exits 2 with one `errore:` / `error:` line naming the file, table,
column and rows, no traceback, no password or URL, and no report published.
The catalogue itself is checked key by key. (The PDF-engine failure: tests/test_runner_e2e.py; `make client`:
tests/test_new_client.py.)"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clv_lib.exceptions import (
    CATALOGUE,
    ClvError,
    DataError,
    Msg,
    Rule,
    catalogue,
    error_line,
    errors_in,
    is_error_line,
)

ROOT = Path(__file__).resolve().parents[1]

PARAMS = """\
client_name: Negozio Prova
business_model: transactional
currency: EUR
language: it
gross_margin: 0.5
data:
  path: data/{file}
  columns: {{customer_id: cliente, order_id: ordine, order_date: data, amount: {amount}}}
"""
#: The same shop with its orders in a database table (a bare `{extra}` line adds data keys).
DATABASE = PARAMS.replace("  path: data/{file}", "  engine: {engine}\n  connection_env: {env}\n  table: {table}") \
    .replace("{amount}", "importo") + "{extra}"
SECRET = "s3cret-pw"
#: The connection variables of the database clients (CLV_TEST_NO_URL is never set).
ENGINE_ENV = {"CLV_TEST_PG_URL": f"postgresql://analyst:{SECRET}@127.0.0.1:9/clv",
              "CLV_TEST_DUCKDB_MISSING": "data/archivio_2025.duckdb", "CLV_TEST_DUCKDB": "data/shop.duckdb"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch project: the real notebook, a small Italian shop (300 demo customers) and one client per
    mistake."""
    root = tmp_path_factory.mktemp("errors")
    (root / "notebooks").symlink_to(ROOT / "notebooks", target_is_directory=True)
    (root / "pyproject.toml").write_text("")
    (root / "params").mkdir()
    (root / "data").mkdir()
    orders = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    keep = orders["Cliente"].dropna().drop_duplicates().head(300)
    shop = orders[orders["Cliente"].isin(keep)].rename(columns={"Cliente": "cliente", "Data": "data",
                                                                 "Importo": "importo", "Ordine": "ordine"})
    shop = shop[["cliente", "ordine", "data", "importo"]]
    shop.to_csv(root / "data" / "shop.csv", sep=";", index=False)
    shop.assign(data="n.d.").to_csv(root / "data" / "dates.csv", sep=";", index=False)
    shop.assign(importo="circa cento").to_csv(root / "data" / "amounts.csv", sep=";", index=False)
    # The returns report exported instead of the orders: every amount negative.
    returns = shop.assign(importo="-" + shop["importo"].str.lstrip("-"))  # (its zero amounts stay orders)
    returns.to_csv(root / "data" / "returns.csv", sep=";", index=False)
    # A shop that opened on 1 March 2025 and exports on the 14th: no complete month for the default period.
    shop.assign(data=[f"{1 + i % 14:02d}/03/2025" for i in range(len(shop))]).to_csv(
        root / "data" / "short.csv", sep=";", index=False)
    clients = {
        "nofile": PARAMS.format(file="ordini_2025.csv", amount="importo"),
        "nocolumn": PARAMS.format(file="shop.csv", amount="totale"),
        "dates": PARAMS.format(file="dates.csv", amount="importo"),
        "amounts": PARAMS.format(file="amounts.csv", amount="importo"),
        "short": PARAMS.format(file="short.csv", amount="importo"),
        "returns": PARAMS.format(file="returns.csv", amount="importo"),
        "badkey": PARAMS.format(file="shop.csv", amount="importo").replace("gross_margin: 0.5",
                                                                             "gross_margin: 0.5\nmargine_lordo: 0.4"),
    }
    import duckdb

    with duckdb.connect(str(root / "data" / "shop.duckdb")) as con:
        con.register("shop", shop)
        con.execute("create table orders as select * from shop")
    clients.update({
        "pgunset": DATABASE.format(engine="postgres", env="CLV_TEST_NO_URL", table="vendite.ordini", extra=""),
        "pgrefused": DATABASE.format(engine="postgres", env="CLV_TEST_PG_URL", table="vendite.ordini", extra=""),
        "duckmissing": DATABASE.format(engine="duckdb", env="CLV_TEST_DUCKDB_MISSING", table="orders", extra=""),
        "duckrule": DATABASE.format(engine="duckdb", env="CLV_TEST_DUCKDB", table="orders",
                                    extra="  delimiter: ';'\n"),
    })
    for name, text in clients.items():
        (root / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def run(project: Path, client: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clv_lib.runner", "report", "--client", client, "--quiet", *args],
                          capture_output=True, text=True, cwd=project, timeout=600,
                          env={**{k: v for k, v in os.environ.items() if k != "CLV_TEST_NO_URL"},
                               "CLV_PROJECT_ROOT": str(project), **ENGINE_ENV})


def one_error_line(proc: subprocess.CompletedProcess, prefix: str) -> str:
    """The run failed as a user mistake: exit 2, no traceback, exactly one error line (in `prefix`'s language)."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if is_error_line(line)]
    assert len(errors) == 1 and errors[0].startswith(prefix), proc.stderr
    assert SECRET not in proc.stderr + proc.stdout and "analyst@" not in errors[0], proc.stderr  # no URL, user
    return errors[0]


def nothing_published(project: Path, client: str) -> None:
    folder = project / "reports" / client
    published = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []
    assert published in ([], ["failed"]), published  # at most the executed notebook, kept as the log
    assert not list(folder.glob("**/clv_report.html")) and not list(folder.glob("**/clv_report.pdf"))


# (client, the Italian line must contain..., the English line must contain...)
MISTAKES = [
    ("nofile", ["data.path data/ordini_2025.csv: file non trovato"],
     ["data.path data/ordini_2025.csv: file not found"]),
    ("nocolumn", ["data/shop.csv: colonna 'totale' (indicata come amount) non trovata; le colonne sono: cliente, "
                  "ordine, data, importo"],
     ["data/shop.csv: column 'totale' (mapped to amount) not found; columns are: cliente, ordine, data, importo"]),
    ("dates", ["data/dates.csv: nessuna data leggibile nei dati", "colonna delle date"],
     ["data/dates.csv: no parsable date in the data", "date column"]),
    ("amounts", ["data/amounts.csv: nessun ordine valido rimasto;", "righe escluse su",
                 "soprattutto per 'importo illeggibile o mancante'"],
     ["data/amounts.csv: no valid orders left;", "rows were excluded, mostly 'unparsable or missing amount'"]),
    ("short", ["data/short.csv: i dati non coprono ancora un mese di calendario completo (l'ultimo ordine è del "
               "2025-03-14)", "l'ultimo mese completo, 2025-02,", "PERIOD=2025-03"],
     ["data/short.csv: the data do not yet cover a complete calendar month (the last order is on 2025-03-14)",
      "the last complete month, 2025-02,", "PERIOD=2025-03"]),
    ("returns", ["data/returns.csv: solo 3 clienti con un ordine valido", "soprattutto per 'rimborso senza un "
                 "ordine precedente con importo residuo su cui compensarlo'"],
     ["data/returns.csv: only 3 customers with a valid order", "mostly 'refund with no earlier order left to net it "
      "against'"]),
    ("badkey", ["badkey.yaml: chiave sconosciuta 'margine_lordo'"], ["badkey.yaml: unknown key 'margine_lordo'"]),
    ("pgunset", ["motore postgres: la variabile d'ambiente CLV_TEST_NO_URL non è impostata; assegnarle l'URL di "
                 "connessione, es. export CLV_TEST_NO_URL="],
     ["engine postgres: the environment variable CLV_TEST_NO_URL is not set; set it to the connection URL"]),
    ("pgrefused", ["motore postgres: connessione non riuscita per leggere vendite.ordini (connessione rifiutata); "
                   "controllare l'URL in $CLV_TEST_PG_URL"],
     ["engine postgres: cannot connect to read vendite.ordini (connection refused); check the URL in "
      "$CLV_TEST_PG_URL"]),
    ("duckmissing", ["motore duckdb: il file di database archivio_2025.duckdb indicato da $CLV_TEST_DUCKDB_MISSING "
                     "non esiste"],
     ["engine duckdb: the database file archivio_2025.duckdb named by $CLV_TEST_DUCKDB_MISSING does not exist"]),
    ("duckrule", ["motore duckdb: data.delimiter (;) nei parametri vale per i file, ma i dati sono la tabella "
                  "orders, le cui colonne sono già tipizzate da duckdb; togliere data.delimiter"],
     ["engine duckdb: params data.delimiter (;) applies to files, but the data is the table orders, whose columns "
      "duckdb already types; remove data.delimiter"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("client, italian, english", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_user_mistake_is_one_line_in_the_clients_language(project, client, italian, english):
    line = one_error_line(run(project, client), "errore: ")
    for part in italian:
        assert part in line, line
    assert not re.search(r"\b(not found|columns are|no valid|rows were|unknown key|engine|cannot|failed|is not "
                         r"set|does not exist|applies to)\b", line), line
    nothing_published(project, client)
    for log in (project / "reports" / client).glob("failed/*.ipynb"):  # the kept log holds no password either
        assert SECRET not in log.read_text(encoding="utf-8"), log
    line = one_error_line(run(project, client, "--language", "en"), "error: ")
    for part in english:
        assert part in line, line
    nothing_published(project, client)


@pytest.mark.slow
def test_an_italian_missing_column_keeps_the_log_and_says_so_in_italian(project):
    """The acceptance case of issue 16: the Italian client with a missing column gets the error in Italian."""
    proc = run(project, "nocolumn")
    line = one_error_line(proc, "errore: ")
    assert line.startswith("errore: data/shop.csv: colonna 'totale'"), line
    hint = [text for text in proc.stderr.splitlines() if text.strip() and text != line]
    assert len(hint) == 1 and hint[0].startswith("  notebook eseguito conservato come registro: "), proc.stderr
    nothing_published(project, "nocolumn")


# ---- the catalogue and the error objects ---------------------------------------------------------------------
def test_every_message_has_both_languages_with_the_same_details():
    fields = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
    for key, texts in catalogue().items():
        if key.startswith("pydantic."):  # pydantic's own English words, translated
            assert set(texts) == {"it"}, key
            continue
        assert set(texts) == {"en", "it"}, f"{CATALOGUE.name}: {key} needs en and it"
        assert set(fields.findall(texts["en"])) == set(fields.findall(texts["it"])), key


def test_a_keyed_error_renders_in_either_language_with_numbers_the_languages_way():
    error = DataError(key="data.no_valid_rows", file="data/x.csv", kind=Msg("term.orders"), excluded=1234,
                      read=1234, cause=Msg("data.mostly", rule=Rule("unparsable or missing date"), rows=1200))
    assert str(error) == ("data/x.csv: no valid orders left; 1,234 of 1,234 rows were excluded, mostly "
                          "'unparsable or missing date' (1,200)")
    assert error.render("it") == ("data/x.csv: nessun ordine valido rimasto; 1.234 righe escluse su 1.234, "
                                  "soprattutto per 'data illeggibile o mancante' (1.200)")
    assert error_line(error, "it").startswith("errore: data/x.csv: nessun ordine")
    assert error_line(error, "fr").startswith("error: data/x.csv: no valid orders")


def test_the_notebook_boundary_sets_the_language_and_pickling_keeps_the_key():
    with pytest.raises(DataError) as caught:
        with errors_in("it"):
            raise DataError(key="data.file_not_found", file="data/x.csv")
    assert str(caught.value) == "data/x.csv: file non trovato"
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is DataError and str(copy) == "data/x.csv: file non trovato"
    assert copy.render("en") == "data/x.csv: file not found"
    plain = ClvError("a sentence of its own")
    assert plain.render("it") == "a sentence of its own" and pickle.loads(pickle.dumps(plain)).args == plain.args


def test_params_problems_in_italian(tmp_path):
    from clv_lib.exceptions import ParamsError
    from clv_lib.params import load_params

    path = tmp_path / "acme.yaml"
    path.write_text("client_name: Acme\nbusiness_model: retail\ncurrency: XYZ\nlanguage: it\nhorizon_months: [500]\n"
                    "data: {path: x.csv}\nsconto: 1\n")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    english = str(caught.value)
    assert "key 'business_model': Input should be 'transactional' or 'subscription' (got 'retail')" in english
    assert "key 'currency': unknown currency code 'XYZ'" in english and "unknown key 'sconto'" in english
    italian = caught.value.render("it")
    assert "chiave 'business_model': deve essere uno tra 'transactional', 'subscription' (trovato 'retail')" in italian
    assert "chiave 'currency': codice valuta sconosciuto 'XYZ'" in italian
    assert "chiave 'horizon_months': gli orizzonti devono essere tra 1 e 120 mesi" in italian
    assert "chiave sconosciuta 'sconto'" in italian


def test_every_key_the_code_names_is_in_the_catalogue():
    """A raise site with a key missing from errors.yaml would fail only when that mistake happens: find them all."""
    import ast

    named = set()
    for path in (ROOT / "clv_lib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            texts = [k.value for k in node.keywords if k.arg == "key"]
            if getattr(node.func, "id", None) in ("Msg", "_invalid") and node.args:
                texts.append(node.args[0])
            named |= {(path.name, t.value) for t in texts if isinstance(t, ast.Constant) and isinstance(t.value, str)}
    assert len(named) > 100
    missing = sorted((file, key) for file, key in named if key not in catalogue())
    assert missing == [], missing
