"""Fuzz the four importers (.ics, product CSV, registration CSV, attendance CSV) with hypothesis.

Random bytes, random text and mutated valid files (truncated, fields swapped, bad dates, huge
fields, other encodings, formula-looking cells). Every refusal must be the importer's documented
error with a message for each problem, and a refused file must leave the tables it would write
exactly as they were (row counts and a content hash).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import attendance, events, ics, pipeline, pipeline_io, registration
from core.db import open_database
from core.permissions import SYSTEM
from tests.crash_helpers import (
    ATTENDANCE_TABLES,
    ICS_TABLES,
    PRODUCT_TABLES,
    REGISTRATION_TABLES,
    db_snapshot,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
START = datetime(2030, 3, 4, 12, 0)

# Kept small so the whole file runs in well under a minute on two cores.
RANDOM = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MUTATED = settings(RANDOM, max_examples=150)

NASTY = [
    "",
    " ",
    "2030-02-30",
    "31/12/2030",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "20301340T256100Z",
    "yesterday",
    "-1",
    "99999999999999999999999",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid","x")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    '"',
    '""quoted""',
    "a\rb",
    "a\nb",
    "\x00",
    "\u202egnp.exe",
    "名前 Ñandú",
    "x" * 200_000,
    "y" * 5_000,
    # .ics values and parameters
    "FREQ=SECONDLY",
    "FREQ=DAILY;COUNT=100000",
    "FREQ=WEEKLY;INTERVAL=0",
    "FREQ=YEARLY;UNTIL=19000101",
    "19000101T000000",
    "20300101",
    "DTSTART;TZID=Mars/Olympus",
    "DTSTART;VALUE=DATE",
    "-PT1H",
    "P9999999D",
    "BEGIN:VEVENT",
    "END:VCALENDAR",
]


# Mutations ---------------------------------------------------------------------------------------


@st.composite
def mutated(draw, samples: list[bytes], sep: str) -> bytes:
    """Return a valid sample file damaged by one to four random edits, in some encoding."""
    raw = draw(st.sampled_from(samples))
    text = raw.decode("utf-16") if raw[:2] == b"\xff\xfe" else raw.decode("utf-8-sig")
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=False) or [""]
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(
                ["truncate", "field", "swap_fields", "swap_lines", "dup", "drop", "insert"]
            )
        )
        if op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        if op == "field":
            parts = lines[i].split(sep)
            k = draw(st.integers(0, len(parts) - 1))
            parts[k] = draw(st.sampled_from(NASTY) | st.text(max_size=40))
            lines[i] = sep.join(parts)
        elif op == "swap_fields":
            parts = lines[i].split(sep)
            if len(parts) > 1:
                a = draw(st.integers(0, len(parts) - 1))
                b = draw(st.integers(0, len(parts) - 1))
                parts[a], parts[b] = parts[b], parts[a]
            lines[i] = sep.join(parts)
        elif op == "swap_lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "dup":
            lines.insert(i, lines[j])
        elif op == "drop":
            del lines[i]
        else:
            lines.insert(i, draw(st.text(max_size=60)))
        text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
    )
    data = text.encode(encoding, errors="replace")
    if data and draw(st.booleans()):  # flip one byte
        k = draw(st.integers(0, len(data) - 1))
        data = data[:k] + bytes([draw(st.integers(0, 255))]) + data[k + 1 :]
    return data


ANY_BYTES = st.binary(max_size=3000)
ANY_TEXT = st.text(max_size=3000).map(lambda t: t.encode("utf-8", errors="surrogatepass"))


# The world the importers write into ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(demo_template):
    """A private demo database (in /dev/shm where there is one), a meeting and sample files."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="fuzz-", dir=shm if shm.is_dir() else None))
    path = folder / "fuzz.duckdb"
    shutil.copyfile(demo_template, path)
    con = open_database(path)
    event_id = events.create_event(
        con,
        actor=SYSTEM,
        event_in=events.EventIn(
            title="Fuzz meeting",
            kind="webinar",
            audience="open",
            tz="UTC",
            start_local=START,
            end_local=START + timedelta(hours=2),
            open_to_non_champions=True,
        ),
    )
    emails = []
    for n in range(3):
        reg = registration.register(
            con,
            actor=SYSTEM,
            reg=registration.RegistrationIn(
                event_id=event_id,
                participant_name=f"Fuzz person {n}",
                email=f"fuzz{n}@example.org",
                organisation="Fuzz org",
                category="network_member",
            ),
        )
        emails.append(reg.email)
    t = START + timedelta(minutes=5)
    attendance_csv = "Name,Email,Join Time,Leave Time\n" + "".join(
        f"Fuzz person {n},{e},{t:%Y-%m-%d %H:%M:%S},{t + timedelta(minutes=50):%Y-%m-%d %H:%M:%S}\n"
        for n, e in enumerate(emails)
    )
    teams = "Full Name\tUser Action\tTimestamp\tEmail\tJoin Time\tLeave Time\n" + "".join(
        f"Fuzz person {n}\tJoined\t{t:%m/%d/%Y, %I:%M:%S %p}\t{e}\t"
        f"{t:%m/%d/%Y, %I:%M:%S %p}\t{t + timedelta(minutes=40):%m/%d/%Y, %I:%M:%S %p}\n"
        for n, e in enumerate(emails)
    )
    samples = {
        "ics": [p.read_bytes() for p in sorted(FIXTURES.glob("*.ics"))],
        "products": [
            pipeline_io.to_csv_bytes(pipeline.list_products(con)),
            b"workstream_id,title_en,kind,stage,planned_launch,lang_fr\n"
            b"CWG-2.2,Fuzz guidance,guidance,Drafting,2031-02-01,In translation\n"
            b"TW-MM,Fuzz brief,brief,planned,,\n",
        ],
        "registrations": [
            b"Name,E-mail,Country,Organisation,Category,Agency\n"
            b"Ana Fuzz,ana.fuzz@example.org,,Fuzz NGO,network_member,\n"
            b"Ben Fuzz,ben.fuzz@example.org,FRA,,observer,\n"
            b"Cy Fuzz,cy.fuzz@example.org,,,ec_listening,UNDP\n",
        ],
        "attendance": [attendance_csv.encode(), teams.encode("utf-16")],
    }
    yield {"con": con, "event_id": event_id, "samples": samples}
    con.close()
    shutil.rmtree(folder, ignore_errors=True)


WRITES = {"accepted": 0}  # how many imports were accepted so far (they change the baseline)


class Checker:
    """Run an importer on fuzzed data and check the refusal contract against a snapshot."""

    def __init__(self, con, tables, importer, refusals, where, samples):
        self.con, self.tables, self.importer = con, tables, importer
        self.samples = samples  # valid files the mutations start from
        self.refusals, self.where = refusals, where
        self.baseline, self.seen = {}, -1

    def __repr__(self) -> str:
        return f"Checker({', '.join(self.tables)})"

    def __call__(self, data: bytes) -> bool:
        """Import the data; return True when it was refused (and check the refusal)."""
        # The importers share the audit log: re-read the baseline after any accepted import.
        if self.seen != WRITES["accepted"]:
            self.baseline, self.seen = db_snapshot(self.con, self.tables), WRITES["accepted"]
        try:
            self.importer(data)
        except self.refusals as exc:
            problems = getattr(exc, "errors", None) or getattr(exc, "problems", None) or []
            assert str(exc).strip(), f"{type(exc).__name__} without a message"
            assert problems, f"{type(exc).__name__} lists no problem: {exc}"
            for problem in problems:
                assert str(problem).strip(), "an empty problem in the refusal"
                assert self.where(str(problem)), f"the problem does not say where: {problem!r}"
            after = db_snapshot(self.con, self.tables)
            assert after == self.baseline, f"a refused import wrote data: {problems[:3]}"
            return True
        WRITES["accepted"] += 1
        return False


def _ics_where(problem: str) -> bool:
    return problem.startswith(
        ("Event ", "Line ", "The file", "This is not", "Two events", "The calendar")
    )


def _row_where(problem: str) -> bool:
    return problem.startswith(("Row ", "Line ", "File:"))


def _line_where(problem: str) -> bool:
    return problem.startswith(("Line ", "The file"))


def _person_where(problem: str) -> bool:
    return _line_where(problem) or ("<" in problem and "@" in problem)


@pytest.fixture(scope="module")
def ics_check(world):
    con = world["con"]

    def run(data: bytes) -> None:
        try:
            ics.preview_import(con, actor=SYSTEM, data=data)
        except ics.ImportRefused:
            pass
        ics.import_ics(con, actor=SYSTEM, data=data)

    return Checker(con, ICS_TABLES, run, (ics.ImportRefused,), _ics_where, world["samples"]["ics"])


@pytest.fixture(scope="module")
def products_check(world):
    con = world["con"]
    return Checker(
        con,
        PRODUCT_TABLES,
        lambda data: pipeline_io.import_products_csv(con, actor=SYSTEM, data=data),
        (pipeline_io.ImportFailed,),
        _row_where,
        world["samples"]["products"],
    )


@pytest.fixture(scope="module")
def registrations_check(world):
    con, event_id = world["con"], world["event_id"]
    return Checker(
        con,
        REGISTRATION_TABLES,
        lambda data: registration.import_registrations_csv(
            con, actor=SYSTEM, event_id=event_id, data=data
        ),
        (registration.ImportFailed,),
        _line_where,
        world["samples"]["registrations"],
    )


@pytest.fixture(scope="module")
def attendance_check(world):
    con, event_id = world["con"], world["event_id"]
    return Checker(
        con,
        ATTENDANCE_TABLES,
        lambda data: attendance.import_attendance_csv(
            con, actor=SYSTEM, event_id=event_id, data=data
        ),
        (registration.ImportFailed,),
        _person_where,
        world["samples"]["attendance"],
    )


# The tests ------------------------------------------------------------------------------------


def test_valid_samples_are_accepted(world, ics_check, products_check, registrations_check):
    """The samples the mutations start from are good files (so the mutations test something)."""
    for data in world["samples"]["ics"]:
        ics.import_ics(world["con"], actor=SYSTEM, data=data)
    for data in world["samples"]["products"]:
        pipeline_io.import_products_csv(world["con"], actor=SYSTEM, data=data)
    for data in world["samples"]["attendance"]:
        attendance.import_attendance_csv(
            world["con"], actor=SYSTEM, event_id=world["event_id"], data=data
        )
    WRITES["accepted"] += 1


@RANDOM
@given(data=ANY_BYTES | ANY_TEXT)
def test_fuzz_ics_random(ics_check, data):
    ics_check(data)


@RANDOM
@given(data=st.data())
def test_fuzz_ics_mutated(ics_check, data):
    ics_check(data.draw(mutated(ics_check.samples, ":")))


@RANDOM
@given(data=ANY_BYTES | ANY_TEXT)
def test_fuzz_products_random(products_check, data):
    products_check(data)


@MUTATED
@given(data=st.data())
def test_fuzz_products_mutated(products_check, data):
    products_check(data.draw(mutated(products_check.samples, ",")))


@RANDOM
@given(data=ANY_BYTES | ANY_TEXT)
def test_fuzz_registrations_random(registrations_check, data):
    registrations_check(data)


@MUTATED
@given(data=st.data())
def test_fuzz_registrations_mutated(registrations_check, data):
    registrations_check(data.draw(mutated(registrations_check.samples, ",")))


@RANDOM
@given(data=ANY_BYTES | ANY_TEXT)
def test_fuzz_attendance_random(attendance_check, data):
    attendance_check(data)


@MUTATED
@given(data=st.data())
def test_fuzz_attendance_mutated(attendance_check, data):
    attendance_check(data.draw(mutated(attendance_check.samples, ",")))


@pytest.mark.parametrize(
    "cell", ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", '=HYPERLINK("x")']
)
def test_formula_cells_are_stored_as_plain_text(world, cell):
    """A formula-looking title is data: stored verbatim, never evaluated or refused obscurely."""
    con = world["con"]
    quoted = '"' + cell.replace('"', '""') + '"'
    result = pipeline_io.import_products_csv(
        con,
        actor=SYSTEM,
        data=f"workstream_id,title_en,kind,stage\nCWG-2.2,{quoted},brief,planned\n".encode(),
    )
    WRITES["accepted"] += 1
    assert pipeline.get_product(con, product_id=result.created[0])["title_en"] == cell


def test_product_export_neutralises_formula_cells(world):
    con = world["con"]
    cell = "=cmd|' /C calc'!A0"
    pipeline_io.import_products_csv(
        con,
        actor=SYSTEM,
        data=f'workstream_id,title_en,kind,stage\nCWG-2.2,"{cell}",brief,planned\n'.encode(),
    )
    WRITES["accepted"] += 1
    exported = pipeline_io.to_csv_bytes(pipeline.list_products(con)).decode("utf-8-sig")
    cells = [c for line in exported.splitlines() for c in line.split(",")]
    assert not any(c.lstrip('"').startswith(("=", "+", "@")) for c in cells)


REGRESSIONS = {
    "lone carriage returns (old Mac line ends)": "{header}\r{row}\r",
    "a field over the csv module's 131,072 characters": "{header}\n{row}" + "x" * 140_000 + "\n",
}


@pytest.mark.parametrize("case", list(REGRESSIONS))
@pytest.mark.parametrize(
    ("checker", "header", "row"),
    [
        ("products_check", "workstream_id,title_en,kind,stage", "CWG-2.2,T,brief,planned,"),
        ("registrations_check", "name,email,category", "N,n@example.org,network_member,"),
        ("attendance_check", "Name,Email,Join Time,Leave Time", "N,n@example.org,x,y,"),
    ],
)
def test_csv_the_fuzzing_broke(request, checker, header, row, case):
    """Files that crashed the CSV importers with csv.Error: now a refusal naming the line."""
    check = request.getfixturevalue(checker)
    assert check(REGRESSIONS[case].format(header=header, row=row).encode())


def test_attendance_time_before_year_one_is_refused(attendance_check):
    """0001-01-01 00:00 in a zone east of UTC crashed with OverflowError."""
    assert attendance_check(
        b"Name,Email,Join Time,Leave Time\n"
        b"N,fuzz0@example.org,0001-01-01 00:00:00+01:00,0001-01-01 00:30:00+01:00\n"
    )
