"""Consult Champions on products: windows, invitations, feedback and engagement opportunities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from core import audit
from core.db import transaction
from core.engagement import consultation_load_warnings, sync_derived_engagements
from core.permissions import User, require
from core.pipeline import LANGS, PipelineConflict, _product_state

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


def list_champion_choices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the Champions (m49, name) for pickers, by name."""
    return (
        con.cursor()
        .execute(
            "SELECT c.m49, k.name_en AS country FROM champions c JOIN countries k USING (m49)"
            " WHERE c.status = 'active' ORDER BY k.name_en"
        )
        .df()
    )


def list_consultations(con: duckdb.DuckDBPyConnection, *, product_id: int) -> pd.DataFrame:
    """Return the product's consultation windows with the Champions invited (names)."""
    return (
        con.cursor()
        .execute(
            """
        SELECT c.consultation_id, c.opens_on, c.closes_on, c.channel, c.note,
               count(i.m49) AS invited,
               coalesce(string_agg(k.name_en, ', ' ORDER BY k.name_en), '') AS champions
        FROM consultations c
        LEFT JOIN consultation_invites i USING (consultation_id)
        LEFT JOIN countries k ON k.m49 = i.m49
        WHERE c.product_id = ?
        GROUP BY ALL ORDER BY c.opens_on
        """,
            [product_id],
        )
        .df()
    )


def list_feedback(con: duckdb.DuckDBPyConnection, *, product_id: int) -> pd.DataFrame:
    """Return the feedback received on a product, newest first."""
    return (
        con.cursor()
        .execute(
            """
        SELECT f.feedback_id, f.received_on, k.name_en AS champion, f.lang, f.channel, f.summary,
               f.is_demo
        FROM feedback f JOIN countries k USING (m49)
        WHERE f.product_id = ?
        ORDER BY f.received_on DESC, f.feedback_id DESC
        """,
            [product_id],
        )
        .df()
    )


def load_warnings(con: duckdb.DuckDBPyConnection, *, m49s: list[int], month: date) -> list[str]:
    """Return a warning per Champion already at the monthly request cap (issue 5's rule)."""
    if not m49s:
        return []
    return consultation_load_warnings(con, m49s=list(m49s), month=month)


def add_consultation(
    con: duckdb.DuckDBPyConnection, *, actor: User, product_id: int, consultation_in: ConsultationIn
) -> int:
    """Open a consultation window on a product and record the Champions asked; return its id."""
    try:
        with transaction(con) as cur:
            state = _product_state(cur, product_id)
            require(actor, "product.edit", workstream_id=state["workstream_id"])
            known = {
                r[0]
                for r in cur.execute(
                    "SELECT m49 FROM champions WHERE m49 IN (SELECT unnest(CAST(? AS INTEGER[])))",
                    [consultation_in.m49s],
                ).fetchall()
            }
            strangers = sorted(set(consultation_in.m49s) - known)
            if strangers:
                raise ValueError(
                    f"Not Champions (M49 codes): {', '.join(map(str, strangers))}; only Champion "
                    "countries can be asked."
                )
            cid = cur.execute(
                "INSERT INTO consultations (product_id, opens_on, closes_on, channel, note)"
                " VALUES (?, ?, ?, ?, ?) RETURNING consultation_id",
                [
                    product_id,
                    consultation_in.opens_on,
                    consultation_in.closes_on,
                    consultation_in.channel,
                    consultation_in.note,
                ],
            ).fetchone()[0]
            if consultation_in.m49s:
                cur.executemany(
                    "INSERT INTO consultation_invites (consultation_id, m49) VALUES (?, ?)",
                    [[cid, m] for m in sorted(set(consultation_in.m49s))],
                )
            audit.record(
                cur,
                actor=actor,
                action="consultation.add",
                entity="consultation",
                entity_id=cid,
                after=consultation_in.model_dump(mode="json") | {"product_id": product_id},
            )
            return cid
    except duckdb.Error as exc:
        raise PipelineConflict(
            f"The consultation could not be saved; nothing was written. ({exc})"
        ) from None


def add_feedback(
    con: duckdb.DuckDBPyConnection, *, actor: User, product_id: int, feedback_in: FeedbackIn
) -> int:
    """Record a Champion's feedback on a product; it also enters the engagement log."""
    try:
        with transaction(con) as cur:
            state = _product_state(cur, product_id)
            require(actor, "feedback.add", workstream_id=state["workstream_id"])
            if not cur.execute(
                "SELECT count(*) FROM champions WHERE m49 = ?", [feedback_in.m49]
            ).fetchone()[0]:
                raise ValueError(f"Champion: M49 {feedback_in.m49} is not a Champion country.")
            fid = cur.execute(
                "INSERT INTO feedback (product_id, m49, received_on, lang, channel, summary, is_demo)"
                " VALUES (?, ?, ?, ?, ?, ?, FALSE) RETURNING feedback_id",
                [
                    product_id,
                    feedback_in.m49,
                    feedback_in.received_on,
                    feedback_in.lang,
                    feedback_in.channel,
                    feedback_in.summary,
                ],
            ).fetchone()[0]
            sync_derived_engagements(cur)
            audit.record(
                cur,
                actor=actor,
                action="feedback.add",
                entity="feedback",
                entity_id=fid,
                after=feedback_in.model_dump(mode="json") | {"product_id": product_id},
            )
            return fid
    except duckdb.Error as exc:
        raise PipelineConflict(
            f"The feedback could not be saved; nothing was written. ({exc})"
        ) from None


def engagement_opportunities(
    con: duckdb.DuckDBPyConnection,
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
    now_utc = now_utc or audit.utcnow()
    cur = con.cursor()
    ids = None if product_ids is None else [int(i) for i in product_ids]
    df = cur.execute(
        """
        WITH wanted AS (
            SELECT product_id, title_en, workstream_id FROM products
            WHERE needs_consultation AND stage NOT IN ('launched', 'cancelled', 'on_hold')
              AND (CAST(? AS INTEGER[]) IS NULL
                   OR product_id IN (SELECT unnest(CAST(? AS INTEGER[]))))
        ),
        windows AS (
            SELECT c.product_id, c.opens_on, c.closes_on, 'recorded' AS basis
            FROM consultations c JOIN wanted USING (product_id)
            UNION ALL
            SELECT d.product_id, coalesce(d.actual_start, d.planned_start),
                   coalesce(d.actual_end, d.planned_end), 'planned'
            FROM product_stage_dates d JOIN wanted USING (product_id)
            WHERE d.stage = 'consultation'
              AND coalesce(d.actual_start, d.planned_start) IS NOT NULL
              AND coalesce(d.actual_end, d.planned_end) IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM consultations c WHERE c.product_id = d.product_id)
        )
        SELECT w.product_id, p.title_en, p.workstream_id, w.opens_on, w.closes_on, w.basis,
               e.event_id, e.title AS event_title, e.kind, e.audience, e.starts_utc, e.tz,
               CASE WHEN CAST(e.starts_utc AS DATE) BETWEEN w.opens_on AND w.closes_on
                    THEN 'inside' ELSE 'near' END AS "where"
        FROM windows w
        JOIN wanted p USING (product_id)
        JOIN events e
          ON CAST(e.starts_utc AS DATE) BETWEEN w.opens_on - CAST(? AS INTEGER)
                                            AND w.closes_on + CAST(? AS INTEGER)
        WHERE e.kind IN (SELECT unnest(CAST(? AS VARCHAR[])))
          AND e.audience IN (SELECT unnest(CAST(? AS VARCHAR[])))
          AND e.status <> 'cancelled'
          AND e.starts_utc >= ?
        ORDER BY e.starts_utc, p.title_en
        """,
        [
            ids,
            ids,
            near_days,
            near_days,
            list(OPPORTUNITY_KINDS),
            list(OPPORTUNITY_AUDIENCES),
            now_utc,
        ],
    ).df()
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
