"""Consult Champions on products: windows, invitations, feedback and engagement opportunities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from core import audit
from core.engagement import consultation_load_warnings, sync_derived_engagements
from core.permissions import User, require
from core.pipeline import LANGS, product_state
from core.store import Connection, Db
from core.store import pipeline as store

FEEDBACK_CHANNELS = {"meeting": "Meeting", "hub": "Hub discussion", "written": "Written"}
# Events Champions take part in, where a product can be brought to them.
OPPORTUNITY_KINDS = ("champions_meeting", "technical_meeting", "webinar")
OPPORTUNITY_AUDIENCES = ("champions", "open")
# An event this many days before a window opens or after it closes still counts ("near").
NEAR_DAYS = 14


class ConsultationIn(BaseModel):
    """A consultation window on a product and the Champions asked."""

    opens_on: date
    closes_on: date
    channel: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    m49s: list[int] = Field(default_factory=list)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value not in FEEDBACK_CHANNELS:
            raise ValueError(f"use one of {', '.join(FEEDBACK_CHANNELS)}")
        return value

    @model_validator(mode="after")
    def _window(self) -> ConsultationIn:
        if self.closes_on < self.opens_on:
            raise ValueError("the window closes before it opens")
        return self


class FeedbackIn(BaseModel):
    """Feedback a Champion gave on a product."""

    m49: int
    received_on: date
    lang: str
    channel: str
    summary: str | None = Field(default=None, max_length=4000)

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in LANGS:
            raise ValueError("use en, fr or es")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in FEEDBACK_CHANNELS:
            raise ValueError(f"use one of {', '.join(FEEDBACK_CHANNELS)}")
        return value


def list_champion_choices(con: Db) -> pd.DataFrame:
    """Return the Champions (m49, name) for pickers, by name."""
    return store.list_champion_choices(con)


def list_consultations(con: Db, *, product_id: int) -> pd.DataFrame:
    """Return the product's consultation windows with the Champions invited (names)."""
    return store.list_consultations(con, product_id=product_id)


def list_feedback(con: Db, *, product_id: int) -> pd.DataFrame:
    """Return the feedback received on a product, newest first."""
    return store.list_feedback(con, product_id=product_id)


def load_warnings(con: Db, *, m49s: list[int], month: date) -> list[str]:
    """Return a warning per Champion already at the monthly request cap (issue 5's rule)."""
    if not m49s:
        return []
    return consultation_load_warnings(con, m49s=list(m49s), month=month)


def add_consultation(
    con: Db, *, actor: User, product_id: int, consultation_in: ConsultationIn
) -> int:
    """Open a consultation window on a product and record the Champions asked; return its id."""

    def fn(conn: Connection) -> int:
        state = product_state(conn, product_id)
        require(actor, "product.edit", workstream_id=state["workstream_id"])
        known = store.list_champion_m49s(conn, m49s=consultation_in.m49s)
        strangers = sorted(set(consultation_in.m49s) - known)
        if strangers:
            raise ValueError(
                f"Not Champions (M49 codes): {', '.join(map(str, strangers))}; only Champion "
                "countries can be asked."
            )
        cid = store.insert_consultation(
            conn,
            consultation=store.ConsultationRowIn(
                product_id=product_id,
                **consultation_in.model_dump(include={"opens_on", "closes_on", "channel", "note"}),
            ),
            m49s=consultation_in.m49s,
        )
        audit.record(
            conn,
            actor=actor,
            action="consultation.add",
            entity="consultation",
            entity_id=cid,
            after=consultation_in.model_dump(mode="json") | {"product_id": product_id},
        )
        return cid

    return con.write(fn)


def add_feedback(con: Db, *, actor: User, product_id: int, feedback_in: FeedbackIn) -> int:
    """Record a Champion's feedback on a product; it also enters the engagement log."""

    def fn(conn: Connection) -> int:
        state = product_state(conn, product_id)
        require(actor, "feedback.add", workstream_id=state["workstream_id"])
        if not store.list_champion_m49s(conn, m49s=[feedback_in.m49]):
            raise ValueError(f"Champion: M49 {feedback_in.m49} is not a Champion country.")
        fid = store.insert_feedback(
            conn, feedback=store.FeedbackRowIn(product_id=product_id, **feedback_in.model_dump())
        )
        sync_derived_engagements(conn)
        audit.record(
            conn,
            actor=actor,
            action="feedback.add",
            entity="feedback",
            entity_id=fid,
            after=feedback_in.model_dump(mode="json") | {"product_id": product_id},
        )
        return fid

    return con.write(fn)


def engagement_opportunities(
    con: Db,
    *,
    now_utc: datetime | None = None,
    product_ids: Iterable[int] | None = None,
    near_days: int = NEAR_DAYS,
) -> pd.DataFrame:
    """List upcoming Champion events inside or near the consultation window of each product
    that still needs consultation (not launched, cancelled or on hold).

    A window is the recorded consultation, else the planned consultation stage dates.
    Columns: product_id, title_en, workstream_id, opens_on, closes_on, basis, event_id,
    event_title, kind, audience, starts_utc, tz, where ('inside' or 'near' the window).
    """
    df = store.list_opportunity_rows(
        con,
        product_ids=product_ids,
        near_days=near_days,
        kinds=OPPORTUNITY_KINDS,
        audiences=OPPORTUNITY_AUDIENCES,
        now_utc=now_utc or audit.utcnow(),
    )
    df["starts_local"] = [
        f"{local_time(start, tz):%d %b %Y %H:%M} {tz}"
        for start, tz in zip(df["starts_utc"], df["tz"], strict=True)
    ]
    return df


def local_time(starts_utc: datetime, tz: str) -> datetime:
    """Return a naive UTC time as a wall time in zone `tz`."""
    return pd.Timestamp(starts_utc).to_pydatetime().replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


def default_window(today: date) -> tuple[date, date]:
    """Return a suggested window: opening in a week, for five weeks (as the 2021 Hub space ran)."""
    opens = today + timedelta(days=7)
    return opens, opens + timedelta(days=34)
