"""Reads for "Waiting on me": what a person has to decide, across the meetings, bookings and
pipeline families. Read only: every write goes through the owning family's store module."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from core.store import Db


def count_waiting(
    db: Db,
    *,
    now_utc: datetime,
    today: date,
    until: date,
    agency_id: str | None,
    workstream_id: str | None,
) -> dict[str, int]:
    """Counts of registrations requested, booking requests, consultations closing, late products.

    Late as core.pipeline.product_flags says overdue: the planned launch has passed (not
    launched or cancelled), or the current stage's planned end has passed (not on hold).
    One statement. `agency_id` / `workstream_id` narrow the lists to one agency / workstream.
    """
    row = db.one(
        "SELECT"
        " (SELECT count(*) FROM registrations r JOIN events e ON e.event_id = r.event_id"
        "  WHERE r.status = 'requested' AND e.ends_utc > :now"
        "  AND (CAST(:a AS VARCHAR) IS NULL OR r.agency_id = :a)) AS registrations,"
        " (SELECT count(*) FROM bookings b"
        "  WHERE b.status = 'requested'"
        "  AND (CAST(:ws AS VARCHAR) IS NULL OR b.workstream_id = :ws)) AS bookings,"
        " (SELECT count(*) FROM consultations c JOIN products p ON p.product_id = c.product_id"
        "  WHERE c.closes_on BETWEEN :today AND :until"
        "  AND (CAST(:ws AS VARCHAR) IS NULL OR p.workstream_id = :ws)) AS consultations,"
        " (SELECT count(*) FROM products p"
        "  LEFT JOIN product_stage_dates d ON d.product_id = p.product_id AND d.stage = p.stage"
        "  WHERE ((p.stage NOT IN ('launched', 'cancelled') AND p.planned_launch < :today)"
        "  OR (p.stage NOT IN ('launched', 'cancelled', 'on_hold') AND d.planned_end < :today))"
        "  AND (CAST(:ws AS VARCHAR) IS NULL OR p.workstream_id = :ws)) AS products",
        now=now_utc,
        today=today,
        until=until,
        a=agency_id,
        ws=workstream_id,
    )
    return {key: int(value or 0) for key, value in row._mapping.items()}


def list_requested_registrations(
    db: Db, *, now_utc: datetime, agency_id: str | None
) -> pd.DataFrame:
    """Requested registrations of meetings not yet over, soonest meeting first."""
    return db.frame(
        "SELECT r.registration_id, r.event_id, e.title AS meeting, e.starts_utc, e.tz,"
        " r.participant_name, r.email, k.name_en AS country, r.organisation, r.category,"
        " r.agency_id, r.created_at_utc"
        " FROM registrations r JOIN events e ON e.event_id = r.event_id"
        " LEFT JOIN countries k ON k.m49 = r.m49"
        " WHERE r.status = 'requested' AND e.ends_utc > :now"
        " AND (CAST(:a AS VARCHAR) IS NULL OR r.agency_id = :a)"
        " ORDER BY e.starts_utc, r.created_at_utc, r.registration_id",
        now=now_utc,
        a=agency_id,
    )


def list_closing_consultations(
    db: Db, *, today: date, until: date, workstream_id: str | None
) -> pd.DataFrame:
    """Consultation windows closing between `today` and `until`, soonest first."""
    return db.frame(
        "SELECT c.consultation_id, c.product_id, p.title_en AS product, p.workstream_id,"
        " c.opens_on, c.closes_on, c.channel,"
        " (SELECT count(*) FROM consultation_invites i"
        "  WHERE i.consultation_id = c.consultation_id) AS invited,"
        " (SELECT count(DISTINCT f.m49) FROM feedback f JOIN consultation_invites i"
        "  ON i.m49 = f.m49 AND i.consultation_id = c.consultation_id"
        "  WHERE f.product_id = c.product_id AND f.received_on >= c.opens_on) AS answered"
        " FROM consultations c JOIN products p ON p.product_id = c.product_id"
        " WHERE c.closes_on BETWEEN :today AND :until"
        " AND (CAST(:ws AS VARCHAR) IS NULL OR p.workstream_id = :ws)"
        " ORDER BY c.closes_on, c.consultation_id",
        today=today,
        until=until,
        ws=workstream_id,
    )
