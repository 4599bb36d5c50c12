"""The planning brief: a PDF that opens, fits on two pages and says what the Overview says."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from core import champions, cli, overview
from core.brief import KPI_LABELS, BriefRequest, brief_data, brief_pdf
from core.champions import ChampionIn
from core.permissions import SYSTEM
from tests.conftest import demo_user

TODAY = date.today()

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils missing: run `make poppler`"
)


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", out.stdout)


def write_brief(con, tmp_path, **request) -> tuple:
    path = tmp_path / "brief.pdf"
    path.write_bytes(brief_pdf(con, BriefRequest(**request)))
    return path, pdf_pages(path), pdf_text(path)


@pytest.fixture
def con(store):
    return store


def test_the_brief_opens_fits_two_pages_and_holds_the_overview_figures(con, tmp_path):
    path, pages, text = write_brief(con, tmp_path, today=TODAY, zone="Asia/Dhaka", user=SYSTEM)
    assert 1 <= pages <= 2
    kpis = overview.overview_kpis(con, today=TODAY)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    header = layout[: layout.index("Next 90 days")]
    labels = [line for line in header.splitlines() if "Active Champions" in line][0]
    values = header.splitlines()[header.splitlines().index(labels) + 2].split()
    assert labels.split("  ")[0].strip() == "Active Champions"
    assert values == [str(kpis[k]) for k in KPI_LABELS]
    for label in KPI_LABELS.values():
        assert label in text
    assert f"Made for {TODAY:%d %B %Y}; times in Asia/Dhaka" in text
    assert "Demo data" in text
    data = brief_data(con, BriefRequest(today=TODAY, zone="Asia/Dhaka", user=SYSTEM))
    for event in data["events"][:3]:
        assert event["title"] in text
    for product in data["late"][:3]:
        assert product["product"].split()[0] in text
    assert "GCM objectives coverage" in text
    assert "Champions not engaged in 90 days" in text


def test_names_with_accents_come_out_right(con, tmp_path):
    champions.add_champion(
        con,
        actor=SYSTEM,
        champion_in=ChampionIn(
            iso3="CIV",
            joined_precision="unknown",
            source="test data",
            capital_tz="Africa/Abidjan",
        ),
    )
    later = TODAY + timedelta(days=3 * 365)  # nobody engaged in the 90 days before: all listed
    _, pages, text = write_brief(con, tmp_path, today=later, zone="Europe/Istanbul", user=SYSTEM)
    assert pages <= 2
    assert "Türkiye" in text
    assert "Côte d'Ivoire" in text or "Côte d’Ivoire" in text


def test_a_viewers_brief_holds_no_participant_name_and_no_engagement(con, tmp_path):
    viewer = demo_user(con, "viewer")
    _, pages, text = write_brief(con, tmp_path, today=TODAY, zone="UTC", user=viewer)
    assert pages <= 2
    names = [r[0] for r in con.rows("SELECT DISTINCT participant_name FROM registrations")]
    names += [r[0] for r in con.rows("SELECT DISTINCT name FROM focal_points")]
    assert names
    leaked = [n for n in names if n in text]
    assert leaked == []
    secrets = con.rows("SELECT url, password, meeting_number FROM event_join_details")
    for row in secrets:
        for value in row:
            if value and len(str(value)) > 4:
                assert str(value) not in text
    assert "Champions not engaged" not in text
    assert "Champions engaged" not in text
    assert "as seen by the role Viewer" in text


def test_the_command_line_writes_the_brief(db_path, tmp_path, capsys):
    out = tmp_path / "cli-brief.pdf"
    argv = ["--db", str(db_path), "brief", "--out", str(out), "--date", TODAY.isoformat()]
    assert cli.main([*argv, "--zone", "America/Bogota"]) == 0
    assert pdf_pages(out) <= 2
    assert "times in America/Bogota" in pdf_text(out)
    assert "Wrote" in capsys.readouterr().out
    assert cli.main([*argv, "--zone", "Mars/Olympus"]) == 1
    assert "zone" in capsys.readouterr().err.lower()
    assert cli.main([*argv[:-1], "2026-13-01"]) == 1
    assert "--date" in capsys.readouterr().err
