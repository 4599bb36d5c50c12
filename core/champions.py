"""Read and write the Champion registry (co-chairs, focal points) and compute the geographic balance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core import audit, validation
from core.permissions import PermissionDenied, User, can, require
from core.store import Db
from core.store import champions as store
from core.store.meetings import write_in_turn

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
    """Turn a pydantic error into one sentence per field, in the form's words."""
    return validation.explain(exc, FIELD_LABELS)


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


def _term_text(starts_on, ends_on, note) -> str:
    def month(value) -> str:
        return "?" if value is None or pd.isna(value) else f"{value:%b %Y}"

    text = f"{month(starts_on)} - {month(ends_on)}"
    return text + (f": {note}" if note is not None and not pd.isna(note) else "")


def list_champions(con: Db, *, now: datetime | None = None) -> pd.DataFrame:
    """Return every Champion with names, regions, join date as text, co-chair terms and local time."""
    df = store.list_champion_rows(con)
    terms: dict[int, list[str]] = {}
    for t in store.list_cochair_term_dates(con).itertuples():
        terms.setdefault(int(t.m49), []).append(_term_text(t.starts_on, t.ends_on, t.note))
    df["co_chair_terms"] = [
        "; ".join(terms[m]) if m in terms else None for m in df["m49"].astype(int)
    ]
    df["joined"] = [
        format_joined(d, p) for d, p in zip(df["joined_on"], df["joined_precision"], strict=True)
    ]
    df["local_time"] = [local_time(tz, now) for tz in df["capital_tz"]]
    return df


def list_countries(con: Db, *, champions: bool | None = None) -> pd.DataFrame:
    """Return UN M49 countries (iso3, m49, name), optionally only Champions or only non-Champions."""
    df = store.list_country_rows(con)
    if champions is None:
        return df
    return df[df["is_champion"] == champions].reset_index(drop=True)


def _m49_of(conn, iso3: str) -> tuple[int, str]:
    country = store.get_country(conn, iso3=iso3)
    if country is None:
        raise ValueError(f"Country: {iso3!r} is not an ISO 3166 alpha-3 code of a UN M49 country.")
    return country.m49, country.name_en


def _champion_row(conn, m49: int) -> dict | None:
    record = store.get_champion(conn, m49=m49)
    return None if record is None else record.model_dump()


def _values(m49: int, champion_in: ChampionIn) -> store.ChampionValues:
    return store.ChampionValues(m49=m49, **champion_in.model_dump(exclude={"iso3"}))


def add_champion(con: Db, *, actor: User, champion_in: ChampionIn) -> int:
    """Add a Champion country (champion.edit), audited; refuse a country already in the registry."""
    require(actor, "champion.edit")

    def fn(conn) -> int:
        m49, name = _m49_of(conn, champion_in.iso3)
        if store.get_champion(conn, m49=m49) is not None:
            raise ValueError(f"Country: {name} is already a Champion; edit it instead.")
        store.insert_champion(conn, _values(m49, champion_in))
        audit.record(
            conn,
            actor=actor,
            action="champion.add",
            entity="champion",
            entity_id=champion_in.iso3,
            after=champion_in,
        )
        return m49

    # Two additions of one country: on DuckDB the second would fail on the key, not as a
    # conflict, so additions take turns and the second one sees the first Champion.
    return write_in_turn(con, fn)


def update_champion(con: Db, *, actor: User, champion_in: ChampionIn) -> None:
    """Change a Champion's join date, source, time zone, status or notes (champion.edit), audited."""
    require(actor, "champion.edit")

    def fn(conn) -> None:
        m49, name = _m49_of(conn, champion_in.iso3)
        before = _champion_row(conn, m49)
        if before is None:
            raise ValueError(f"Country: {name} is not a Champion; add it first.")
        store.update_champion(conn, _values(m49, champion_in))
        audit.record(
            conn,
            actor=actor,
            action="champion.edit",
            entity="champion",
            entity_id=champion_in.iso3,
            before=before,
            after=champion_in,
        )

    con.write(fn)


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


def add_cochair_term(con: Db, *, actor: User, term_in: CochairTermIn) -> int:
    """Record a co-chair term of a Champion (champion.edit), audited."""
    require(actor, "champion.edit")

    def fn(conn) -> int:
        m49, name = _m49_of(conn, term_in.iso3.upper())
        if _champion_row(conn, m49) is None:
            raise ValueError(f"Country: {name} is not a Champion.")
        term_id = store.insert_cochair_term(
            conn, store.CochairTermValues(m49=m49, **term_in.model_dump(exclude={"iso3"}))
        )
        audit.record(
            conn,
            actor=actor,
            action="cochair.add",
            entity="cochair_term",
            entity_id=term_id,
            after=term_in,
        )
        return term_id

    return con.write(fn)


def list_cochair_terms(con: Db, *, iso3: str | None = None) -> pd.DataFrame:
    """Return co-chair terms (all, or one Champion's), open terms first, for the edit forms."""
    return store.list_cochair_terms(con, iso3=iso3)


def end_cochair_term(con: Db, *, actor: User, term_id: int, ends_on: date) -> None:
    """Close an open co-chair term on `ends_on` (champion.edit), audited; refuse an ended one."""
    require(actor, "champion.edit")

    def fn(conn) -> None:
        term = store.get_cochair_term(conn, term_id=term_id)
        if term is None:
            raise ValueError(f"Co-chair term {term_id} does not exist.")
        name, starts_on, ended = term.country, term.starts_on, term.ends_on
        if ended is not None:
            raise ValueError(f"Term end: {name}'s co-chair term already ended on {ended:%d %b %Y}.")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError(
                f"Term end: {ends_on:%d %b %Y} is before the term started ({starts_on:%d %b %Y})."
            )
        store.update_cochair_term_end(conn, term_id=term_id, ends_on=ends_on)
        audit.record(
            conn,
            actor=actor,
            action="cochair.end",
            entity="cochair_term",
            entity_id=term_id,
            before={"ends_on": None},
            after={"ends_on": ends_on},
        )

    con.write(fn)


# Focal points: contact details, only for roles allowed contacts.view ------------------------


class FocalPointIn(BaseModel):
    """A Champion's focal point (a person in the capital or mission)."""

    iso3: str
    name: str = Field(min_length=2)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    title: str | None = None


def list_focal_points(con: Db, *, user: User, iso3: str | None = None) -> pd.DataFrame:
    """Return focal points (all, or one Champion's); refuse users not allowed contacts.view."""
    if not can(user, "contacts.view"):
        raise PermissionDenied(
            f"{user.username if user else 'Nobody'} may not see Champions' contact details."
        )
    return store.list_focal_points(con, iso3=iso3)


def _focal_values(conn, focal_in: FocalPointIn) -> store.FocalPointValues:
    m49, name = _m49_of(conn, focal_in.iso3.upper())
    if _champion_row(conn, m49) is None:
        raise ValueError(f"Country: {name} is not a Champion.")
    return store.FocalPointValues(m49=m49, **focal_in.model_dump(exclude={"iso3"}))


def add_focal_point(con: Db, *, actor: User, focal_in: FocalPointIn) -> int:
    """Add a focal point to a Champion (champion.edit), audited."""
    require(actor, "champion.edit")

    def fn(conn) -> int:
        focal_id = store.insert_focal_point(conn, _focal_values(conn, focal_in))
        audit.record(
            conn,
            actor=actor,
            action="focal_point.add",
            entity="focal_point",
            entity_id=focal_id,
            after=focal_in,
        )
        return focal_id

    return con.write(fn)


def _focal_row(conn, focal_id: int) -> dict:
    record = store.get_focal_point(conn, focal_id=focal_id)
    if record is None:
        raise ValueError(f"Focal point {focal_id} does not exist (it may have been deleted).")
    return record.model_dump()


def update_focal_point(con: Db, *, actor: User, focal_id: int, focal_in: FocalPointIn) -> None:
    """Change a focal point's name, e-mail, title or Champion (champion.edit), audited."""
    require(actor, "champion.edit")

    def fn(conn) -> None:
        before = _focal_row(conn, focal_id)
        store.update_focal_point(conn, focal_id=focal_id, focal=_focal_values(conn, focal_in))
        audit.record(
            conn,
            actor=actor,
            action="focal_point.edit",
            entity="focal_point",
            entity_id=focal_id,
            before=before,
            after=focal_in,
        )

    con.write(fn)


def delete_focal_point(con: Db, *, actor: User, focal_id: int) -> None:
    """Remove a focal point (champion.edit), audited with the details it held."""
    require(actor, "champion.edit")

    def fn(conn) -> None:
        before = _focal_row(conn, focal_id)
        store.delete_focal_point(conn, focal_id=focal_id)
        audit.record(
            conn,
            actor=actor,
            action="focal_point.delete",
            entity="focal_point",
            entity_id=focal_id,
            before=before,
        )

    con.write(fn)


# Geographic balance --------------------------------------------------------------------------


def list_groupings(con: Db) -> pd.DataFrame:
    """Return the regional groupings users can choose from, with their rules."""
    return store.list_groupings(con)


def balance(con: Db, grouping_id: str) -> pd.DataFrame:
    """Count active Champions and UN member states per group, with each group's fair share.

    `fair_share` is the number of Champions the group would have if Champions were spread like
    UN member states; `under_represented` marks groups with Champions but fewer than half that.
    """
    df = store.list_balance_rows(con, grouping_id=grouping_id)
    df["un_member_states"] = df["un_member_states"].astype("int64")
    df["champions"] = df["champions"].astype("int64")
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


def northern_america_note(con: Db, grouping_id: str) -> str:
    """Say where this grouping counts Canada and the United States (a visible choice)."""
    rows = store.list_country_groups(con, grouping_id=grouping_id, iso3s=["CAN", "USA"])
    groups = sorted({group for _, group in rows})
    if not rows:
        return "Canada and the United States are in no group of this grouping."
    if len(groups) == 1:
        return f"Canada and the United States are counted under {groups[0]} in this grouping."
    return "In this grouping " + ", ".join(f"{n} is counted under {g}" for n, g in rows) + "."


def list_grouping_members(con: Db, *, grouping_id: str) -> pd.DataFrame:
    """Return each country of a grouping with its group."""
    return store.list_grouping_members(con, grouping_id=grouping_id)


class GroupingMemberIn(BaseModel):
    """One country's group in a derived grouping, as an admin sets it."""

    grouping_id: str
    iso3: str
    group_name: str = Field(min_length=2, max_length=80)


def set_grouping_member(con: Db, *, actor: User, member_in: GroupingMemberIn) -> None:
    """Move a country to a group of a derived grouping (grouping.edit: admins), audited.

    Only derived groupings may be edited: the M49 ones are the UN's standard and stay as published.
    """
    require(actor, "grouping.edit")
    group_name = member_in.group_name.strip()

    def fn(conn) -> None:
        grouping = store.get_grouping(conn, grouping_id=member_in.grouping_id)
        if grouping is None:
            raise ValueError(f"Grouping: {member_in.grouping_id!r} does not exist.")
        if not grouping.derived:
            raise ValueError(
                f"Grouping: {grouping.name} is the UN's published standard and cannot be edited; "
                "only derived groupings can."
            )
        m49, _name = _m49_of(conn, member_in.iso3.upper())
        before = store.get_grouping_member_group(conn, grouping_id=member_in.grouping_id, m49=m49)
        store.upsert_grouping_member(
            conn,
            grouping_id=member_in.grouping_id,
            m49=m49,
            group_name=group_name,
            exists=before is not None,
        )
        audit.record(
            conn,
            actor=actor,
            action="grouping.edit",
            entity="grouping_member",
            entity_id=f"{member_in.grouping_id}:{member_in.iso3.upper()}",
            before={"group": before} if before is not None else None,
            after={"group": group_name},
        )

    write_in_turn(con, fn)  # a first placement inserts a key: see add_champion


# Growth over time ------------------------------------------------------------------------------


def growth(con: Db) -> pd.DataFrame:
    """Return Champions in join-date order with a running count; unknown dates are left out.

    `date_kind` says what the date means: 'joined' (a source dates the joining) or 'named by'
    (a source names the country as a Champion by then: it joined on or before that date).
    """
    df = store.list_growth_rows(con)
    df["date_kind"] = [
        "named as Champion by" if p == "by" else "joined" for p in df["joined_precision"]
    ]
    df["joined"] = [
        format_joined(d, p) for d, p in zip(df["joined_on"], df["joined_precision"], strict=True)
    ]
    df["champions_known"] = range(1, len(df) + 1)
    return df


def count_unknown_join_dates(con: Db) -> int:
    """Return how many Champions have no known join date."""
    return store.count_unknown_join_dates(con)


def growth_by_date(con: Db, *, today: date | None = None) -> pd.DataFrame:
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
