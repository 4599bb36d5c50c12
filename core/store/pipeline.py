"""The Working Group product pipeline: products, their stage dates, languages, links and stage
history, consultation windows with the Champions invited, and feedback on products.

Reads that stand alone take the `Db`; what runs inside a change takes the SQLAlchemy
`Connection` the rule module got from `db.write(fn)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db

# Products ---------------------------------------------------------------------------------


class ProductRowIn(BaseModel):
    """A product row as written (required languages as 'en,fr,es')."""

    workstream_id: str
    title_en: str
    title_fr: str | None = None
    title_es: str | None = None
    kind: str
    lead_agencies: str | None = None
    stage: str
    needs_consultation: bool
    required_languages: str
    planned_launch: date | None = None
    actual_launch: date | None = None
    description: str | None = None


class ProductState(ProductRowIn):
    """A product's editable fields as they stand in the database."""


class StageDates(BaseModel):
    stage: str
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None


_STATE_COLUMNS = (
    "workstream_id, title_en, title_fr, title_es, kind, lead_agencies, stage,"
    " needs_consultation, required_languages, planned_launch, actual_launch, description"
)


def list_product_rows(db: Db) -> pd.DataFrame:
    """Every product with its language statuses, current-stage planned end and feedback count."""
    return db.frame(
        """
        SELECT p.product_id, p.title_en, p.title_fr, p.title_es, p.workstream_id, p.kind,
               p.lead_agencies, p.stage, p.needs_consultation, p.required_languages,
               p.planned_launch, p.actual_launch, p.description, p.is_demo, p.updated_at_utc,
               (SELECT l.status FROM product_languages l
                WHERE l.product_id = p.product_id AND l.lang = 'en') AS lang_en,
               (SELECT l.status FROM product_languages l
                WHERE l.product_id = p.product_id AND l.lang = 'fr') AS lang_fr,
               (SELECT l.status FROM product_languages l
                WHERE l.product_id = p.product_id AND l.lang = 'es') AS lang_es,
               d.planned_end AS stage_planned_end,
               (SELECT count(*) FROM feedback f WHERE f.product_id = p.product_id) AS feedback
        FROM products p
        LEFT JOIN product_stage_dates d ON d.product_id = p.product_id AND d.stage = p.stage
        ORDER BY p.planned_launch NULLS LAST, p.product_id
        """
    )


def get_product_row(db: Db, *, product_id: int) -> dict | None:
    """Every column of one product, or None."""
    row = db.one("SELECT * FROM products WHERE product_id = :p", p=product_id)
    return None if row is None else dict(row._mapping)


def get_product_state(conn: sa.Connection, *, product_id: int) -> ProductState | None:
    row = conn.execute(
        sa.text(f"SELECT {_STATE_COLUMNS} FROM products WHERE product_id = :p"),  # noqa: S608
        {"p": product_id},
    ).first()
    return None if row is None else ProductState(**row._mapping)


def insert_product(conn: sa.Connection, *, product: ProductRowIn, updated_at_utc: datetime) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO products (workstream_id, title_en, title_fr, title_es, kind,"
            " lead_agencies, stage, needs_consultation, required_languages, planned_launch,"
            " actual_launch, description, is_demo, updated_at_utc) VALUES (:workstream_id,"
            " :title_en, :title_fr, :title_es, :kind, :lead_agencies, :stage,"
            " :needs_consultation, :required_languages, :planned_launch, :actual_launch,"
            " :description, FALSE, :updated_at_utc) RETURNING product_id"
        ),
        product.model_dump() | {"updated_at_utc": updated_at_utc},
    ).scalar()


def update_product_fields(
    conn: sa.Connection, *, product_id: int, fields: Mapping[str, Any], updated_at_utc: datetime
) -> None:
    """Replace the fields other than the stage and the workstream."""
    conn.execute(
        sa.text(
            "UPDATE products SET title_en = :title_en, title_fr = :title_fr,"
            " title_es = :title_es, kind = :kind, lead_agencies = :lead_agencies,"
            " needs_consultation = :needs_consultation, required_languages = :required_languages,"
            " planned_launch = :planned_launch, actual_launch = :actual_launch,"
            " description = :description, updated_at_utc = :updated_at_utc"
            " WHERE product_id = :product_id"
        ),
        {
            k: fields[k]
            for k in (
                "title_en",
                "title_fr",
                "title_es",
                "kind",
                "lead_agencies",
                "needs_consultation",
                "required_languages",
                "planned_launch",
                "actual_launch",
                "description",
            )
        }
        | {"updated_at_utc": updated_at_utc, "product_id": product_id},
    )


def update_product_launch_dates(
    conn: sa.Connection,
    *,
    product_id: int,
    planned_launch: date | None,
    actual_launch: date | None,
    updated_at_utc: datetime,
) -> None:
    conn.execute(
        sa.text(
            "UPDATE products SET planned_launch = :pl, actual_launch = :al, updated_at_utc = :t"
            " WHERE product_id = :p"
        ),
        {"pl": planned_launch, "al": actual_launch, "t": updated_at_utc, "p": product_id},
    )


def update_product_stage(
    conn: sa.Connection,
    *,
    product_id: int,
    from_stage: str,
    to_stage: str,
    actual_launch: date | None,
    updated_at_utc: datetime,
) -> bool:
    """Move the product on if it is still in `from_stage`; False when it no longer is."""
    result = conn.execute(
        sa.text(
            "UPDATE products SET stage = :to, actual_launch = :al, updated_at_utc = :t"
            " WHERE product_id = :p AND stage = :from"
        ),
        {
            "to": to_stage,
            "al": actual_launch,
            "t": updated_at_utc,
            "p": product_id,
            "from": from_stage,
        },
    )
    return result.rowcount == 1


# Workstreams (read only here) -----------------------------------------------------------


def list_workstream_ids(db: Db) -> list[str]:
    with db.reading() as conn:
        return list(
            conn.execute(sa.text("SELECT workstream_id FROM workstreams ORDER BY 1")).scalars()
        )


def workstream_exists(conn: sa.Connection, *, workstream_id: str) -> bool:
    return bool(
        conn.execute(
            sa.text("SELECT count(*) FROM workstreams WHERE workstream_id = :w"),
            {"w": workstream_id},
        ).scalar()
    )


# Languages --------------------------------------------------------------------------------


def get_language_statuses(db_or_conn: Db | sa.Connection, *, product_id: int) -> dict[str, str]:
    sql = "SELECT lang, status FROM product_languages WHERE product_id = :p"
    if isinstance(db_or_conn, sa.Connection):
        rows = db_or_conn.execute(sa.text(sql), {"p": product_id}).all()
    else:
        rows = db_or_conn.rows(sql, p=product_id)
    return {lang: status for lang, status in rows}


def insert_languages(conn: sa.Connection, *, product_id: int, statuses: Mapping[str, str]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product_languages (product_id, lang, status) VALUES (:p, :lang, :status)"
        ),
        [{"p": product_id, "lang": lang, "status": s} for lang, s in statuses.items()],
    )


def upsert_language(conn: sa.Connection, *, product_id: int, lang: str, status: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product_languages (product_id, lang, status) VALUES (:p, :lang, :status)"
            " ON CONFLICT (product_id, lang) DO UPDATE SET status = excluded.status"
        ),
        {"p": product_id, "lang": lang, "status": status},
    )


# Stage history and dates ---------------------------------------------------------------


def insert_stage_history(
    conn: sa.Connection,
    *,
    product_id: int,
    from_stage: str | None,
    to_stage: str,
    changed_at_utc: datetime,
    changed_by: str,
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product_stage_history (product_id, from_stage, to_stage, changed_at_utc,"
            " changed_by) VALUES (:p, :f, :t, :at, :by)"
        ),
        {"p": product_id, "f": from_stage, "t": to_stage, "at": changed_at_utc, "by": changed_by},
    )


def list_stage_history(db: Db, *, product_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT changed_at_utc, changed_by, from_stage, to_stage FROM product_stage_history"
        " WHERE product_id = :p ORDER BY changed_at_utc DESC, history_id DESC",
        p=product_id,
    )


def list_stage_date_rows(db: Db, *, product_ids: Iterable[int]) -> pd.DataFrame:
    """The planned and actual dates recorded per stage of the given products."""
    ids = [int(i) for i in product_ids]
    columns = ["product_id", "stage", "planned_start", "planned_end", "actual_start", "actual_end"]
    if not ids:
        return pd.DataFrame(columns=columns)
    with db.reading() as conn:
        result = conn.execute(
            sa.text(
                "SELECT product_id, stage, planned_start, planned_end, actual_start, actual_end"
                " FROM product_stage_dates WHERE product_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        )
        return pd.DataFrame(result.all(), columns=columns)


def get_stage_dates(conn: sa.Connection, *, product_id: int, stage: str) -> StageDates | None:
    row = conn.execute(
        sa.text(
            "SELECT stage, planned_start, planned_end, actual_start, actual_end"
            " FROM product_stage_dates WHERE product_id = :p AND stage = :s"
        ),
        {"p": product_id, "s": stage},
    ).first()
    return None if row is None else StageDates(**row._mapping)


def upsert_stage_dates(conn: sa.Connection, *, product_id: int, dates: StageDates) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product_stage_dates (product_id, stage, planned_start, planned_end,"
            " actual_start, actual_end) VALUES (:product_id, :stage, :planned_start,"
            " :planned_end, :actual_start, :actual_end)"
            " ON CONFLICT (product_id, stage) DO UPDATE SET"
            " planned_start = excluded.planned_start, planned_end = excluded.planned_end,"
            " actual_start = excluded.actual_start, actual_end = excluded.actual_end"
        ),
        dates.model_dump() | {"product_id": product_id},
    )


def close_stage_actual(conn: sa.Connection, *, product_id: int, stage: str, on: date) -> None:
    """End the open actual dates of a stage left."""
    conn.execute(
        sa.text(
            "UPDATE product_stage_dates SET actual_end = :on WHERE product_id = :p"
            " AND stage = :s AND actual_start IS NOT NULL AND actual_end IS NULL"
        ),
        {"on": on, "p": product_id, "s": stage},
    )


def open_stage_actual(conn: sa.Connection, *, product_id: int, stage: str, on: date) -> None:
    """Start (or reopen) the actual dates of a stage entered; a first start is kept."""
    conn.execute(
        sa.text(
            "INSERT INTO product_stage_dates (product_id, stage, actual_start) VALUES (:p, :s, :on)"
            " ON CONFLICT (product_id, stage) DO UPDATE SET actual_start ="
            " coalesce(product_stage_dates.actual_start, excluded.actual_start),"
            " actual_end = NULL"
        ),
        {"on": on, "p": product_id, "s": stage},
    )


# Links ------------------------------------------------------------------------------------


def list_links(db: Db, *, product_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT link_id, label, url, lang FROM product_links WHERE product_id = :p"
        " ORDER BY link_id",
        p=product_id,
    )


def insert_link(
    conn: sa.Connection, *, product_id: int, label: str, url: str, lang: str | None
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product_links (product_id, label, url, lang) VALUES (:p, :l, :u, :lang)"
        ),
        {"p": product_id, "l": label, "u": url, "lang": lang},
    )


# Consultations and feedback --------------------------------------------------------------


class ConsultationRowIn(BaseModel):
    product_id: int
    opens_on: date
    closes_on: date
    channel: str | None = None
    note: str | None = None


class FeedbackRowIn(BaseModel):
    product_id: int
    m49: int
    received_on: date
    lang: str
    channel: str
    summary: str | None = None


def list_champion_choices(db: Db) -> pd.DataFrame:
    return db.frame(
        "SELECT c.m49, k.name_en AS country FROM champions c JOIN countries k ON k.m49 = c.m49"
        " WHERE c.status = 'active' ORDER BY k.name_en"
    )


def list_champion_m49s(conn: sa.Connection, *, m49s: Iterable[int]) -> set[int]:
    """Those of `m49s` that are Champions."""
    ids = [int(m) for m in m49s]
    if not ids:
        return set()
    return set(
        conn.execute(
            sa.text("SELECT m49 FROM champions WHERE m49 IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        ).scalars()
    )


def list_consultations(db: Db, *, product_id: int) -> pd.DataFrame:
    return db.frame(
        """
        SELECT c.consultation_id, c.opens_on, c.closes_on, c.channel, c.note,
               count(i.m49) AS invited,
               coalesce(string_agg(k.name_en, ', ' ORDER BY k.name_en), '') AS champions
        FROM consultations c
        LEFT JOIN consultation_invites i ON i.consultation_id = c.consultation_id
        LEFT JOIN countries k ON k.m49 = i.m49
        WHERE c.product_id = :p
        GROUP BY c.consultation_id, c.opens_on, c.closes_on, c.channel, c.note
        ORDER BY c.opens_on
        """,
        p=product_id,
    )


def insert_consultation(
    conn: sa.Connection, *, consultation: ConsultationRowIn, m49s: Iterable[int]
) -> int:
    """Record a consultation window and the Champions invited; return its id."""
    cid = conn.execute(
        sa.text(
            "INSERT INTO consultations (product_id, opens_on, closes_on, channel, note)"
            " VALUES (:product_id, :opens_on, :closes_on, :channel, :note)"
            " RETURNING consultation_id"
        ),
        consultation.model_dump(),
    ).scalar()
    invites = [{"c": cid, "m": m} for m in sorted(set(m49s))]
    if invites:
        conn.execute(
            sa.text("INSERT INTO consultation_invites (consultation_id, m49) VALUES (:c, :m)"),
            invites,
        )
    return cid


def list_feedback(db: Db, *, product_id: int) -> pd.DataFrame:
    return db.frame(
        """
        SELECT f.feedback_id, f.received_on, k.name_en AS champion, f.lang, f.channel, f.summary,
               f.is_demo
        FROM feedback f JOIN countries k ON k.m49 = f.m49
        WHERE f.product_id = :p
        ORDER BY f.received_on DESC, f.feedback_id DESC
        """,
        p=product_id,
    )


def insert_feedback(conn: sa.Connection, *, feedback: FeedbackRowIn) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO feedback (product_id, m49, received_on, lang, channel, summary, is_demo)"
            " VALUES (:product_id, :m49, :received_on, :lang, :channel, :summary, FALSE)"
            " RETURNING feedback_id"
        ),
        feedback.model_dump(),
    ).scalar()


_OPPORTUNITIES = """
    WITH wanted AS (
        SELECT product_id, title_en, workstream_id FROM products
        WHERE needs_consultation AND stage NOT IN ('launched', 'cancelled', 'on_hold')
        {only}
    ),
    windows AS (
        SELECT c.product_id, c.opens_on, c.closes_on, 'recorded' AS basis
        FROM consultations c JOIN wanted w0 ON w0.product_id = c.product_id
        UNION ALL
        SELECT d.product_id, coalesce(d.actual_start, d.planned_start),
               coalesce(d.actual_end, d.planned_end), 'planned'
        FROM product_stage_dates d JOIN wanted w1 ON w1.product_id = d.product_id
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
    JOIN wanted p ON p.product_id = w.product_id
    JOIN events e
      ON CAST(e.starts_utc AS DATE) BETWEEN w.opens_on - CAST(:near AS INTEGER)
                                        AND w.closes_on + CAST(:near AS INTEGER)
    WHERE e.kind IN :kinds
      AND e.audience IN :audiences
      AND e.status <> 'cancelled'
      AND e.starts_utc >= :now
    ORDER BY e.starts_utc, p.title_en
"""


def list_opportunity_rows(
    db: Db,
    *,
    product_ids: Iterable[int] | None,
    near_days: int,
    kinds: Iterable[str],
    audiences: Iterable[str],
    now_utc: datetime,
) -> pd.DataFrame:
    """Upcoming events of the given kinds and audiences inside or near each consultation
    window (recorded, else the planned consultation stage) of products still to consult."""
    ids = None if product_ids is None else [int(i) for i in product_ids]
    columns = (
        "product_id title_en workstream_id opens_on closes_on basis event_id event_title"
        " kind audience starts_utc tz where"
    ).split()
    if ids is not None and not ids:
        return pd.DataFrame(columns=columns)
    statement = sa.text(
        _OPPORTUNITIES.format(only="" if ids is None else "AND product_id IN :ids")
    ).bindparams(sa.bindparam("kinds", expanding=True), sa.bindparam("audiences", expanding=True))
    params: dict[str, Any] = {
        "near": near_days,
        "kinds": list(kinds),
        "audiences": list(audiences),
        "now": now_utc,
    }
    if ids is not None:
        statement = statement.bindparams(sa.bindparam("ids", expanding=True))
        params["ids"] = ids
    with db.reading() as conn:
        result = conn.execute(statement, params)
        return pd.DataFrame(result.all(), columns=columns)
