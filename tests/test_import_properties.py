"""Property-based import tests (hypothesis): records written in random dialects, encodings
and French formats come back as the same records; random garbage never crashes and leaves
the database either unchanged or complete."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorecard.errors import ImportRefused
from scorecard.importing import import_files
from scorecard.store import open_db

TEXT = st.text(
    alphabet=st.sampled_from(list("abcdeéèàçœ€’«» ;,|\t\"'\nxyz0123456789")), max_size=12
)


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(1, 12))
    out = []
    for i in range(n):
        out.append(
            {
                "evaluation_id": f"E{i}",
                "interaction_id": f"I{draw(st.integers(0, 99))}",
                "agent_id": draw(st.sampled_from(["A1", "A2", "Zoé", "Noël"])),
                "interaction_at": dt.datetime(2026, 1, 1)
                + dt.timedelta(minutes=draw(st.integers(0, 300_000))),
                "ok": draw(st.sampled_from([True, False, None])),
                "count": draw(st.integers(-5000, 5000)),
                "rate": draw(st.integers(0, 100_000)) / 100,
                "note": draw(st.one_of(st.none(), TEXT.map(lambda t: ("r" + t).strip()))),
            }
        )
    return out


def render(value: object, column: str, french: bool, thousands: str) -> str:
    """A value as a French spreadsheet or a canonical export writes it."""
    if value is None:
        return random.choice(["", "N/A", " ", "so"]) if french and column != "note" else ""
    if isinstance(value, bool):
        return random.choice([["non", "oui"], ["Non", "OUI"], ["n", "x"]])[value] if french \
            else ["false", "true"][value]
    if isinstance(value, dt.datetime):
        return value.strftime(random.choice(["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:00"])) \
            if french else value.isoformat(sep=" ")
    if isinstance(value, float):
        if not french:
            return repr(value)
        text = f"{value:,.2f}".replace(",", thousands).replace(".", ",")
        return text + random.choice(["", " %"])
    if isinstance(value, int):
        return str(value)
    return str(value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=records(),
    french=st.booleans(),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    seed=st.integers(0, 1000),
)
def test_round_trip(data, french, delimiter, encoding, newline, seed) -> None:
    random.seed(seed)
    columns = list(data[0])
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    thousands = "\u00a0" if encoding == "cp1252" else random.choice(["\u00a0", "\u202f", " "])
    for record in data:
        writer.writerow([render(record[c], c, french, thousands) for c in columns])
    if random.random() < 0.5:
        buf.write(newline)  # a trailing blank row
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        con = open_db(Path(tmp) / "db.duckdb")
        report = import_files(con, [path], profile="canonical")
        assert report.total("rejected") == 0, report.render()
        types = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'evaluations'"
        ).fetchall())
        got = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT evaluation_id, interaction_id, agent_id, interaction_at, ok, count, "
                "rate, note FROM evaluations"
            ).fetchall()
        }
        con.close()
    assert len(got) == len(data)
    for record in data:
        row = got[record["evaluation_id"]]
        assert row[0:3] == (record["interaction_id"], record["agent_id"],
                            record["interaction_at"])
        if types.get("ok") == "BOOLEAN":
            assert row[3] == record["ok"]
        assert row[4] == record["count"]
        assert abs(row[5] - record["rate"]) < 1e-9
        assert (row[6] or None) == record["note"]


GARBAGE = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda s: s.encode("utf-8")),
    st.lists(
        st.lists(st.sampled_from(["a", "", '"', "\n", ";", ",", "31/02/2026", "oui", "12,5",
                                  "interaction_id", "agent_id", "interaction_at"]),
                 max_size=8).map("".join),
        max_size=12,
    ).map(lambda rows: "\n".join(rows).encode("utf-8")),
)


def state(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    return (
        con.execute("SELECT * FROM evaluations ORDER BY evaluation_id").fetchall(),
        con.execute("SELECT count(*) FROM imports").fetchall(),
        con.execute("SELECT count(*) FROM rejects").fetchall(),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=GARBAGE, header=st.booleans())
def test_garbage_never_crashes(blob: bytes, header: bool) -> None:
    prefix = b"evaluation_id;interaction_id;agent_id;interaction_at\n" if header else b""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "garbage.csv"
        path.write_bytes(prefix + blob)
        con = open_db(Path(tmp) / "db.duckdb")
        con.execute(
            "INSERT INTO evaluations (evaluation_id, interaction_id, agent_id, interaction_at) "
            "VALUES ('keep', 'I', 'A', TIMESTAMP '2026-01-01')"
        )
        before = state(con)
        try:
            report = import_files(con, [path])
        except ImportRefused as refused:
            assert str(refused)
            assert state(con) == before
        else:
            (f,) = report.files
            stored = con.execute("SELECT count(*) FROM evaluations WHERE _import_id = 1") \
                .fetchall()[0][0]
            assert stored == f.new + f.replaced
            # every row read is stored or rejected (a row's rejects count it once)
            assert f.rows == f.new + f.replaced + f.unchanged + f.rejected
            logged = con.execute("SELECT count(*) FROM imports").fetchall()[0][0]
            assert logged == 1
        con.close()


# Lone CRs are left out: lines are counted by LF (the csv module also breaks on a lone CR).
FIELD = st.text(alphabet=st.sampled_from(list("ab;,\"\n é")), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(FIELD, min_size=1, max_size=5), min_size=1, max_size=8),
    chunk=st.sampled_from([1, 2, 3, 5, 64, 1 << 20]),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_at=st.lists(st.integers(0, 8), max_size=3),
)
def test_record_lines_match_csv_module_for_any_chunking(rows, chunk, newline, blank_at) -> None:
    """The numpy pass gives each record's first physical line, the blank lines and the widest
    record exactly as Python's csv module reads the same bytes, whatever the chunk size."""
    import scorecard.importing._scan as scan_module

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for i, row in enumerate([["h1", "h2"], *rows]):
        if i in blank_at:
            buf.write(newline)
        writer.writerow(row)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(buf.getvalue().encode("utf-8"))
        starts, blanks = scan_module.record_lines_slow(path, ";")
        with path.open(encoding="utf-8", newline="") as fh:
            widest = max(len(r) for r in csv.reader(fh, delimiter=";") if r)
        saved = scan_module.CHUNK_BYTES
        scan_module.CHUNK_BYTES = chunk
        try:
            result = scan_module.scan(path)
        finally:
            scan_module.CHUNK_BYTES = saved
    assert result.record_lines.tolist() == starts.tolist()
    assert result.blank_lines.tolist() == blanks.tolist()
    assert result.max_fields == widest


NA_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list("nNsSaA/.-ñÑśŠſǋǆ ,oObjetcplé\u00a0\u202fxz1")), max_size=16),
    st.sampled_from(["N/A", " n/a ", "Sans Objet", "SANS\u00a0OBJET", "non applicable", "NC",
                     "-", "ñ/a", "Ña", "so", "S.O.", "n.a.", "Not Applicable", "s o", "nope"]),
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(NA_TEXT, min_size=1, max_size=60))
def test_na_clearing_equals_the_token_definition(values: list[str]) -> None:
    """The cheap first tests of the N/A clearing never change its answer: a value is NULL
    exactly when it is empty or its token (lower case, no accents, no spaces) is an N/A
    token, for trimmed values up to 22 characters (reference written here with DuckDB
    primitives)."""
    from scorecard.importing._cast import DEFAULT_ANSWERS, na_null_sql

    values = [v.strip(" \t\r\n\u00a0\u202f") for v in values]

    na = ", ".join("'" + t.replace("'", "''") + "'" for t in DEFAULT_ANSWERS.tokens("not_applicable"))
    token = (
        "regexp_replace(replace(replace(lower(strip_accents(v)), 'œ', 'oe'), 'æ', 'ae'), "
        "'[\\s\\x{00a0}\\x{202f}]+', '', 'g')"
    )
    reference = (
        f"CASE WHEN v = '' THEN NULL WHEN length(v) > 22 THEN v "
        f"WHEN {token} IN ({na}) THEN NULL ELSE v END"
    )
    rows = duckdb.connect().execute(
        f"SELECT v, {na_null_sql('v')}, {reference} FROM (SELECT unnest($vals) AS v)",
        {"vals": values},
    ).fetchall()
    assert [(v, got) for v, got, _ in rows] == [(v, want) for v, _, want in rows]
