"""Read and write the Champion registry (co-chairs, focal points) and compute the geographic balance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core import audit
from core.db import transaction
from core.permissions import PermissionDenied, User, can, require

PRECISION_LABELS = {
    "day": "exact day",
    "month": "month known",
    "by": "named as Champion by (latest date a source names it)",
    "unknown": "unknown",
}
FIELD_LABELS = {
    "iso3": "Country",
    "joined_on": "Join date",
    "joined_precision": "Join date precision",
    "source": "Source",
    "capital_tz": "Capital time zone",
    "status": "Status",
    "notes": "Notes",
    "name": "Name",
    "email": "E-mail",
    "title": "Title",
    "starts_on": "Term start",
    "ends_on": "Term end",
    "note": "Note",
    "group_name": "Group",
    "occurred_on": "Date",
    "kind": "Kind",
    "workstream_id": "Workstream",
    "product_id": "Product",
    "partner_iso3": "Partner Champion",
}


def explain(exc: ValidationError) -> str:
    """Turn a pydantic error into one line per field, in the form's words."""
    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{FIELD_LABELS.get(field, field)}: {message}" if field else message)
    return "; ".join(parts)


def format_joined(joined_on, precision: str) -> str:
    """Return a join date as people write it: '26 Feb 2021', 'Jul 2020', 'by Nov 2023', 'unknown'."""
    if precision == "unknown" or joined_on is None or pd.isna(joined_on):
        return "unknown"
    if precision == "day":
        return f"{joined_on:%d %b %Y}"
    if precision == "month":
        return f"{joined_on:%b %Y}"
    return f"by {joined_on:%b %Y}"


def local_time(tz: str, now: datetime | None = None) -> str:
    """Return the wall time now in zone `tz`, labelled with its zone: 'Thu 17:42 (UTC+03:00)'."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    local = now.astimezone(ZoneInfo(tz))
    offset = local.strftime("%z")
    return f"{local:%a %H:%M} (UTC{offset[:3]}:{offset[3:]})"


# Registry ----------------------------------------------------------------------------------


class ChampionIn(BaseModel):
    """A Champion as entered on the registry form: a join date only where a source gives one."""

    iso3: str = Field(min_length=3, max_length=3)
    joined_on: date | None = None
    joined_precision: Literal["day", "month", "by", "unknown"]
    source: str = Field(min_length=3)
    capital_tz: str
    status: Literal["active", "inactive"] = "active"
    notes: str | None = None

    @field_validator("iso3")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("source")
    @classmethod
    def _strip(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("say where the fact comes from (at least 3 characters)")
        return value.strip()

    @field_validator("capital_tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. America/Toronto, Africa/Nairobi)"
            ) from None
        return value.strip()

    @model_validator(mode="after")
    def _date_matches_precision(self) -> ChampionIn:
        if self.joined_precision == "unknown" and self.joined_on is not None:
            raise ValueError("a join date was given but its precision says unknown")
        if self.joined_precision != "unknown" and self.joined_on is None:
            raise ValueError("give the join date, or set its precision to unknown")
        if self.joined_precision in ("month", "by") and self.joined_on is not None:
            # Only the month is known: store its first day, or the given day for "by".
            if self.joined_precision == "month":
                self.joined_on = self.joined_on.replace(day=1)
        return self


def list_champions(con: duckdb.DuckDBPyConnection, *, now: datetime | None = None) -> pd.DataFrame:
    """Return every Champion with names, regions, join date as text, co-chair terms and local time."""
    df = (
        con.cursor()
        .execute(
            """
        SELECT c.m49, k.iso3, k.name_en AS country, k.region, k.sub_region, c.joined_on,
               c.joined_precision, c.source, c.capital_tz, c.status, c.notes,
               EXISTS (SELECT 1 FROM cochair_terms t WHERE t.m49 = c.m49) AS co_chair,
               (SELECT string_agg(
                    coalesce(strftime(t.starts_on, '%b %Y'), '?') || ' - '
                    || coalesce(strftime(t.ends_on, '%b %Y'), '?')
                    || coalesce(': ' || t.note, ''), '; ' ORDER BY t.starts_on)
                FROM cochair_terms t WHERE t.m49 = c.m49) AS co_chair_terms
        FROM champions c JOIN countries k USING (m49)
        ORDER BY k.name_en
        """
        )
        .df()
    )
    df["joined"] = [
        format_joined(d, p) for d, p in zip(df["joined_on"], df["joined_precision"], strict=True)
    ]
    df["local_time"] = [local_time(tz, now) for tz in df["capital_tz"]]
    return df


def list_countries(
    con: duckdb.DuckDBPyConnection, *, champions: bool | None = None
) -> pd.DataFrame:
    """Return UN M49 countries (iso3, m49, name), optionally only Champions or only non-Champions."""
    df = (
        con.cursor()
        .execute(
            "SELECT k.iso3, k.m49, k.name_en AS country, c.m49 IS NOT NULL AS is_champion"
            " FROM countries k LEFT JOIN champions c USING (m49) ORDER BY k.name_en"
        )
        .df()
    )
    if champions is None:
        return df
    return df[df["is_champion"] == champions].reset_index(drop=True)


def _m49_of(cur: duckdb.DuckDBPyConnection, iso3: str) -> tuple[int, str]:
    row = cur.execute("SELECT m49, name_en FROM countries WHERE iso3 = ?", [iso3]).fetchall()
    if not row:
        raise ValueError(f"Country: {iso3!r} is not an ISO 3166 alpha-3 code of a UN M49 country.")
    return row[0]


def _champion_row(cur: duckdb.DuckDBPyConnection, m49: int) -> dict | None:
    rows = cur.execute(
        "SELECT joined_on, joined_precision, source, capital_tz, status, notes"
        " FROM champions WHERE m49 = ?",
        [m49],
    ).fetchall()
    if not rows:
        return None
    keys = ("joined_on", "joined_precision", "source", "capital_tz", "status", "notes")
    return dict(zip(keys, rows[0], strict=True))


def add_champion(con: duckdb.DuckDBPyConnection, *, actor: User, champion_in: ChampionIn) -> int:
    """Add a Champion country (champion.edit), audited; refuse a country already in the registry."""
    require(actor, "champion.edit")
    try:
        with transaction(con) as cur:
            m49, name = _m49_of(cur, champion_in.iso3)
            cur.execute(
                "INSERT INTO champions (m49, joined_on, joined_precision, source, capital_tz, status,"
                " notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    m49,
                    champion_in.joined_on,
                    champion_in.joined_precision,
                    champion_in.source,
                    champion_in.capital_tz,
                    champion_in.status,
                    champion_in.notes,
                ],
            )
            audit.record(
                cur,
                actor=actor,
                action="champion.add",
                entity="champion",
                entity_id=champion_in.iso3,
                after=champion_in,
            )
    except duckdb.ConstraintException:
        raise ValueError(f"Country: {name} is already a Champion; edit it instead.") from None
    return m49


def update_champion(
    con: duckdb.DuckDBPyConnection, *, actor: User, champion_in: ChampionIn
) -> None:
    """Change a Champion's join date, source, time zone, status or notes (champion.edit), audited."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        m49, name = _m49_of(cur, champion_in.iso3)
        before = _champion_row(cur, m49)
        if before is None:
            raise ValueError(f"Country: {name} is not a Champion; add it first.")
        cur.execute(
            "UPDATE champions SET joined_on = ?, joined_precision = ?, source = ?, capital_tz = ?,"
            " status = ?, notes = ? WHERE m49 = ?",
            [
                champion_in.joined_on,
                champion_in.joined_precision,
                champion_in.source,
                champion_in.capital_tz,
                champion_in.status,
                champion_in.notes,
                m49,
            ],
        )
        audit.record(
            cur,
            actor=actor,
            action="champion.edit",
            entity="champion",
            entity_id=champion_in.iso3,
            before=before,
            after=champion_in,
        )


class CochairTermIn(BaseModel):
    """A co-chair term; either date may be unknown, the source may not."""

    iso3: str
    starts_on: date | None = None
    ends_on: date | None = None
    note: str | None = None
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _order(self) -> CochairTermIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("the term ends before it starts")
        return self


def add_cochair_term(con: duckdb.DuckDBPyConnection, *, actor: User, term_in: CochairTermIn) -> int:
    """Record a co-chair term of a Champion (champion.edit), audited."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        m49, name = _m49_of(cur, term_in.iso3.upper())
        if _champion_row(cur, m49) is None:
            raise ValueError(f"Country: {name} is not a Champion.")
        term_id = cur.execute(
            "INSERT INTO cochair_terms (m49, starts_on, ends_on, note, source) VALUES (?, ?, ?, ?, ?)"
            " RETURNING term_id",
            [m49, term_in.starts_on, term_in.ends_on, term_in.note, term_in.source],
        ).fetchall()[0][0]
        audit.record(
            cur,
            actor=actor,
            action="cochair.add",
            entity="cochair_term",
            entity_id=term_id,
            after=term_in,
        )
    return term_id


def list_cochair_terms(con: duckdb.DuckDBPyConnection, *, iso3: str | None = None) -> pd.DataFrame:
    """Return co-chair terms (all, or one Champion's), open terms first, for the edit forms."""
    return (
        con.cursor()
        .execute(
            "SELECT t.term_id, k.iso3, k.name_en AS country, t.starts_on, t.ends_on, t.note,"
            " t.source FROM cochair_terms t JOIN countries k USING (m49)"
            " WHERE CAST(? AS VARCHAR) IS NULL OR k.iso3 = ?"
            " ORDER BY t.ends_on IS NOT NULL, k.name_en, t.starts_on",
            [iso3, iso3],
        )
        .df()
    )


def end_cochair_term(
    con: duckdb.DuckDBPyConnection, *, actor: User, term_id: int, ends_on: date
) -> None:
    """Close an open co-chair term on `ends_on` (champion.edit), audited; refuse an ended one."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        rows = cur.execute(
            "SELECT k.name_en, t.starts_on, t.ends_on FROM cochair_terms t"
            " JOIN countries k USING (m49) WHERE t.term_id = ?",
            [term_id],
        ).fetchall()
        if not rows:
            raise ValueError(f"Co-chair term {term_id} does not exist.")
        name, starts_on, ended = rows[0]
        if ended is not None:
            raise ValueError(f"Term end: {name}'s co-chair term already ended on {ended:%d %b %Y}.")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError(
                f"Term end: {ends_on:%d %b %Y} is before the term started ({starts_on:%d %b %Y})."
            )
        cur.execute("UPDATE cochair_terms SET ends_on = ? WHERE term_id = ?", [ends_on, term_id])
        audit.record(
            cur,
            actor=actor,
            action="cochair.end",
            entity="cochair_term",
            entity_id=term_id,
            before={"ends_on": None},
            after={"ends_on": ends_on},
        )


# Focal points: contact details, only for roles allowed contacts.view ------------------------


class FocalPointIn(BaseModel):
    """A Champion's focal point (a person in the capital or mission)."""

    iso3: str
    name: str = Field(min_length=2)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    title: str | None = None


def list_focal_points(
    con: duckdb.DuckDBPyConnection, *, user: User, iso3: str | None = None
) -> pd.DataFrame:
    """Return focal points (all, or one Champion's); refuse users not allowed contacts.view."""
    if not can(user, "contacts.view"):
        raise PermissionDenied(
            f"{user.username if user else 'Nobody'} may not see Champions' contact details."
        )
    return (
        con.cursor()
        .execute(
            "SELECT f.focal_id, k.iso3, k.name_en AS country, f.name, f.title, f.email, f.is_demo"
            " FROM focal_points f JOIN countries k USING (m49)"
            " WHERE ? IS NULL OR k.iso3 = ? ORDER BY k.name_en, f.name",
            [iso3, iso3],
        )
        .df()
    )


def add_focal_point(con: duckdb.DuckDBPyConnection, *, actor: User, focal_in: FocalPointIn) -> int:
    """Add a focal point to a Champion (champion.edit), audited."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        m49, name = _m49_of(cur, focal_in.iso3.upper())
        if _champion_row(cur, m49) is None:
            raise ValueError(f"Country: {name} is not a Champion.")
        focal_id = cur.execute(
            "INSERT INTO focal_points (m49, name, email, title) VALUES (?, ?, ?, ?)"
            " RETURNING focal_id",
            [m49, focal_in.name, focal_in.email, focal_in.title],
        ).fetchall()[0][0]
        audit.record(
            cur,
            actor=actor,
            action="focal_point.add",
            entity="focal_point",
            entity_id=focal_id,
            after=focal_in,
        )
    return focal_id


def _focal_row(cur: duckdb.DuckDBPyConnection, focal_id: int) -> dict:
    rows = cur.execute(
        "SELECT k.iso3, f.name, f.email, f.title FROM focal_points f JOIN countries k USING (m49)"
        " WHERE f.focal_id = ?",
        [focal_id],
    ).fetchall()
    if not rows:
        raise ValueError(f"Focal point {focal_id} does not exist (it may have been deleted).")
    return dict(zip(("iso3", "name", "email", "title"), rows[0], strict=True))


def update_focal_point(
    con: duckdb.DuckDBPyConnection, *, actor: User, focal_id: int, focal_in: FocalPointIn
) -> None:
    """Change a focal point's name, e-mail, title or Champion (champion.edit), audited."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        before = _focal_row(cur, focal_id)
        m49, name = _m49_of(cur, focal_in.iso3.upper())
        if _champion_row(cur, m49) is None:
            raise ValueError(f"Country: {name} is not a Champion.")
        cur.execute(
            "UPDATE focal_points SET m49 = ?, name = ?, email = ?, title = ? WHERE focal_id = ?",
            [m49, focal_in.name, focal_in.email, focal_in.title, focal_id],
        )
        audit.record(
            cur,
            actor=actor,
            action="focal_point.edit",
            entity="focal_point",
            entity_id=focal_id,
            before=before,
            after=focal_in,
        )


def delete_focal_point(con: duckdb.DuckDBPyConnection, *, actor: User, focal_id: int) -> None:
    """Remove a focal point (champion.edit), audited with the details it held."""
    require(actor, "champion.edit")
    with transaction(con) as cur:
        before = _focal_row(cur, focal_id)
        cur.execute("DELETE FROM focal_points WHERE focal_id = ?", [focal_id])
        audit.record(
            cur,
            actor=actor,
            action="focal_point.delete",
            entity="focal_point",
            entity_id=focal_id,
            before=before,
        )


# Geographic balance --------------------------------------------------------------------------


def list_groupings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the regional groupings users can choose from, with their rules."""
    return (
        con.cursor()
        .execute("SELECT grouping_id, name, derived, rule FROM groupings ORDER BY grouping_id")
        .df()
    )


def balance(con: duckdb.DuckDBPyConnection, grouping_id: str) -> pd.DataFrame:
    """Count active Champions and UN member states per group, with each group's fair share.

    `fair_share` is the number of Champions the group would have if Champions were spread like
    UN member states; `under_represented` marks groups with Champions but fewer than half that.
    """
    df = (
        con.cursor()
        .execute(
            """
        SELECT g.group_name AS "group",
               count(*) FILTER (WHERE k.is_un_member) AS un_member_states,
               count(c.m49) FILTER (WHERE c.status = 'active') AS champions,
               string_agg(k.name_en, ', ' ORDER BY k.name_en)
                   FILTER (WHERE c.status = 'active') AS champion_countries
        FROM grouping_members g
        JOIN countries k USING (m49)
        LEFT JOIN champions c USING (m49)
        WHERE g.grouping_id = ?
        GROUP BY g.group_name
        HAVING count(*) FILTER (WHERE k.is_un_member) > 0
        ORDER BY g.group_name
        """,
            [grouping_id],
        )
        .df()
    )
    total_champions = int(df["champions"].sum())
    total_members = int(df["un_member_states"].sum())
    df["share_of_members"] = df["champions"] / df["un_member_states"]
    df["fair_share"] = (
        (total_champions * df["un_member_states"] / total_members).round(1) if total_members else 0
    )
    df["under_represented"] = (df["champions"] > 0) & (df["champions"] < df["fair_share"] / 2)
    return df


def _in_words(group: str) -> str:
    return f"the {group}" if group in ("Caribbean", "Americas") else group


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def gap_sentences(df: pd.DataFrame) -> list[str]:
    """Name, in plain words, the groups with no Champion and those under-represented."""
    sentences = []
    none = sorted(df.loc[df["champions"] == 0, "group"], key=lambda g: g.lower())
    if none:
        sentences.append(f"No Champion in {_join([_in_words(g) for g in none])}.")
    low = df[df["under_represented"]].sort_values("group")
    if not low.empty:
        parts = [
            f"{_in_words(r.group)} ({r.champions} of {r.un_member_states} member states; "
            f"about {r.fair_share:g} if Champions were spread like UN member states)"
            for r in low.itertuples()
        ]
        sentences.append("Under-represented: " + _join(parts) + ".")
    if not sentences:
        sentences.append("Every group has at least half its fair share of Champions.")
    return sentences


def northern_america_note(con: duckdb.DuckDBPyConnection, grouping_id: str) -> str:
    """Say where this grouping counts Canada and the United States (a visible choice)."""
    rows = (
        con.cursor()
        .execute(
            "SELECT k.name_en, g.group_name FROM grouping_members g JOIN countries k USING (m49)"
            " WHERE g.grouping_id = ? AND k.iso3 IN ('CAN', 'USA') ORDER BY k.name_en",
            [grouping_id],
        )
        .fetchall()
    )
    groups = sorted({group for _, group in rows})
    if not rows:
        return "Canada and the United States are in no group of this grouping."
    if len(groups) == 1:
        return f"Canada and the United States are counted under {groups[0]} in this grouping."
    return "In this grouping " + ", ".join(f"{n} is counted under {g}" for n, g in rows) + "."


def list_grouping_members(con: duckdb.DuckDBPyConnection, *, grouping_id: str) -> pd.DataFrame:
    """Return each country of a grouping with its group."""
    return (
        con.cursor()
        .execute(
            'SELECT k.iso3, k.name_en AS country, g.group_name AS "group", k.is_un_member'
            " FROM grouping_members g JOIN countries k USING (m49) WHERE g.grouping_id = ?"
            " ORDER BY g.group_name, k.name_en",
            [grouping_id],
        )
        .df()
    )


class GroupingMemberIn(BaseModel):
    """One country's group in a derived grouping, as an admin sets it."""

    grouping_id: str
    iso3: str
    group_name: str = Field(min_length=2, max_length=80)


def set_grouping_member(
    con: duckdb.DuckDBPyConnection, *, actor: User, member_in: GroupingMemberIn
) -> None:
    """Move a country to a group of a derived grouping (grouping.edit: admins), audited.

    Only derived groupings may be edited: the M49 ones are the UN's standard and stay as published.
    """
    require(actor, "grouping.edit")
    with transaction(con) as cur:
        grouping = cur.execute(
            "SELECT name, derived FROM groupings WHERE grouping_id = ?", [member_in.grouping_id]
        ).fetchall()
        if not grouping:
            raise ValueError(f"Grouping: {member_in.grouping_id!r} does not exist.")
        if not grouping[0][1]:
            raise ValueError(
                f"Grouping: {grouping[0][0]} is the UN's published standard and cannot be edited; "
                "only derived groupings can."
            )
        m49, _name = _m49_of(cur, member_in.iso3.upper())
        before = cur.execute(
            "SELECT group_name FROM grouping_members WHERE grouping_id = ? AND m49 = ?",
            [member_in.grouping_id, m49],
        ).fetchall()
        if before:
            cur.execute(
                "UPDATE grouping_members SET group_name = ? WHERE grouping_id = ? AND m49 = ?",
                [member_in.group_name.strip(), member_in.grouping_id, m49],
            )
        else:
            cur.execute(
                "INSERT INTO grouping_members VALUES (?, ?, ?)",
                [member_in.grouping_id, m49, member_in.group_name.strip()],
            )
        audit.record(
            cur,
            actor=actor,
            action="grouping.edit",
            entity="grouping_member",
            entity_id=f"{member_in.grouping_id}:{member_in.iso3.upper()}",
            before={"group": before[0][0]} if before else None,
            after={"group": member_in.group_name.strip()},
        )


# Growth over time ------------------------------------------------------------------------------


def growth(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return Champions in join-date order with a running count; unknown dates are left out.

    `date_kind` says what the date means: 'joined' (a source dates the joining) or 'named by'
    (a source names the country as a Champion by then: it joined on or before that date).
    """
    df = (
        con.cursor()
        .execute(
            """
        SELECT k.name_en AS country, c.joined_on, c.joined_precision
        FROM champions c JOIN countries k USING (m49)
        WHERE c.joined_on IS NOT NULL
        ORDER BY c.joined_on, k.name_en
        """
        )
        .df()
    )
    df["date_kind"] = [
        "named as Champion by" if p == "by" else "joined" for p in df["joined_precision"]
    ]
    df["joined"] = [
        format_joined(d, p) for d, p in zip(df["joined_on"], df["joined_precision"], strict=True)
    ]
    df["champions_known"] = range(1, len(df) + 1)
    return df


def count_unknown_join_dates(con: duckdb.DuckDBPyConnection) -> int:
    """Return how many Champions have no known join date."""
    return (
        con.cursor()
        .execute("SELECT count(*) FROM champions WHERE joined_on IS NULL")
        .fetchall()[0][0]
    )


def growth_by_date(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """Return one row per dated step (date, kind, countries added, running count), ending today.

    The last row repeats the final count at `today` so a step line reaches the present.
    """
    df = growth(con)
    steps = (
        df.groupby(["joined_on", "date_kind", "joined"], as_index=False)
        .agg(countries=("country", ", ".join), added=("country", "size"))
        .sort_values("joined_on")
        .reset_index(drop=True)
    )
    steps["champions_known"] = steps["added"].cumsum()
    end = pd.Timestamp(today or date.today())
    if len(steps) and end > steps["joined_on"].max():
        last = steps.iloc[[-1]].assign(joined_on=end, date_kind="today", added=0, countries="")
        steps = pd.concat([steps, last], ignore_index=True)
    return steps
