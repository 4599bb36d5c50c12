"""The events family: events, event_invitees, event_products, event_join_details, agenda_items.

Reads of the registrations table needed by the join-details rule live here too (read only).
`bump_sequence` is the one place that advances an event's SEQUENCE (what calendar programs
compare to replace their copy); every change of an event or its agenda goes through it.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from core.store import Db

EVENT_COLUMNS = (
    "event_id, uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz, all_day,"
    " location, description, rrule, exdates, status, sequence, capacity, open_to_non_champions,"
    " is_demo, source, updated_at_utc"
)
# The columns a form or an import sets (workstream_id moves apart: see update_event_workstream).
FIELDS = (
    "title",
    "kind",
    "audience",
    "starts_utc",
    "ends_utc",
    "tz",
    "all_day",
    "location",
    "description",
    "rrule",
    "exdates",
    "status",
    "capacity",
    "open_to_non_champions",
)


class Event(BaseModel):
    """A stored event, without its join details."""

    event_id: int
    uid: str
    title: str
    kind: str
    audience: str
    workstream_id: str | None
    starts_utc: datetime
    ends_utc: datetime
    tz: str
    all_day: bool
    location: str | None
    description: str | None
    rrule: str | None
    exdates: str | None
    status: str
    sequence: int
    capacity: int | None
    open_to_non_champions: bool
    is_demo: bool
    source: str | None
    updated_at_utc: datetime
    invitees: list[int] = []
    product_ids: list[int] = []


class EventRecordIn(BaseModel):
    """The stored values of a new event."""

    uid: str
    workstream_id: str | None
    fields: dict
    sequence: int = 0
    source: str | None = None
    created_by: str
    updated_at_utc: datetime


class AgendaItemRecord(BaseModel):
    item_id: int
    event_id: int
    starts_utc: datetime
    ends_utc: datetime
    title: str
    presenter: str | None
    moderator: str | None
    product_id: int | None
    booking_id: int | None
    workstream_id: str | None = None


def _in(name: str, values) -> tuple[str, sa.BindParameter]:
    return f":{name}", sa.bindparam(name, list(values), expanding=True)


# Events -----------------------------------------------------------------------------------


def get_event(conn: sa.Connection, *, event_id: int) -> Event | None:
    row = conn.execute(
        sa.text(f"SELECT {EVENT_COLUMNS} FROM events WHERE event_id = :e"),  # noqa: S608
        {"e": event_id},
    ).first()
    if row is None:
        return None
    # Each result is read whole before the next statement: on DuckDB a connection holds one.
    invitees = (
        conn.execute(
            sa.text("SELECT m49 FROM event_invitees WHERE event_id = :e ORDER BY m49"),
            {"e": event_id},
        )
        .scalars()
        .all()
    )
    products = (
        conn.execute(
            sa.text(
                "SELECT product_id FROM event_products WHERE event_id = :e ORDER BY product_id"
            ),
            {"e": event_id},
        )
        .scalars()
        .all()
    )
    return Event(**row._mapping, invitees=invitees, product_ids=products)


def list_events_by_uid(conn: sa.Connection, *, uids: list[str]) -> dict[str, Event]:
    """The stored events with these UIDs (without invitees and products), by UID."""
    if not uids:
        return {}
    stmt = sa.text(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE uid IN :uids"  # noqa: S608
    ).bindparams(sa.bindparam("uids", uids, expanding=True))
    return {row.uid: Event(**row._mapping) for row in conn.execute(stmt)}


def get_event_id_by_uid(db: Db, *, uid: str) -> int | None:
    return db.scalar("SELECT event_id FROM events WHERE uid = :u", u=uid)


def list_all_event_ids(db: Db) -> list[int]:
    return [r[0] for r in db.rows("SELECT event_id FROM events ORDER BY starts_utc")]


def list_events(
    db: Db,
    *,
    start_utc: datetime,
    end_utc: datetime,
    workstreams: list[str] | None,
    kinds: list[str] | None,
    audiences: list[str] | None,
    country_m49: int | None,
    text: str | None,
    include_cancelled: bool,
) -> pd.DataFrame:
    """Events and repeating series touching [start_utc, end_utc), filtered; series once."""
    where = ["e.starts_utc < :end_utc", "(e.ends_utc > :start_utc OR e.rrule IS NOT NULL)"]
    params: dict = {"start_utc": start_utc, "end_utc": end_utc}
    binds = []
    for column, values in (
        ("coalesce(e.workstream_id, '')", workstreams),
        ("e.kind", kinds),
        ("e.audience", audiences),
    ):
        if values is not None:
            if not values:
                where.append("FALSE")
                continue
            name = f"p{len(binds)}"
            placeholder, bind = _in(name, values)
            where.append(f"{column} IN {placeholder}")
            binds.append(bind)
    if country_m49 is not None:
        where.append(
            "EXISTS (SELECT 1 FROM event_invitees i WHERE i.event_id = e.event_id AND i.m49 = :m49)"
        )
        params["m49"] = country_m49
    if text:
        where.append(
            "strpos(lower(e.title || ' ' || coalesce(e.description, '') || ' '"
            " || coalesce(e.location, '')), lower(:text)) > 0"
        )
        params["text"] = text
    if not include_cancelled:
        where.append("e.status <> 'cancelled'")
    stmt = sa.text(
        "SELECT e.event_id, e.uid, e.title, e.kind, e.audience, e.workstream_id, e.starts_utc,"  # noqa: S608 (constant fragments, bound values)
        " e.ends_utc, e.tz, e.all_day, e.status, e.is_demo, e.rrule, e.exdates, e.location,"
        " e.sequence, (SELECT count(*) FROM event_invitees i WHERE i.event_id = e.event_id)"
        " AS invited_champions FROM events e WHERE "
        + " AND ".join(where)
        + " ORDER BY e.starts_utc, e.title"
    ).bindparams(*binds)
    with db.reading() as conn:
        result = conn.execute(stmt, params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def uid_taken(conn: sa.Connection, *, uid: str) -> bool:
    return (
        conn.execute(sa.text("SELECT 1 FROM events WHERE uid = :u"), {"u": uid}).first() is not None
    )


def insert_event(conn: sa.Connection, record: EventRecordIn) -> int:
    values = {
        **record.fields,
        "uid": record.uid,
        "workstream_id": record.workstream_id,
        "sequence": record.sequence,
        "source": record.source,
        "created_by": record.created_by,
        "updated_at_utc": record.updated_at_utc,
    }
    columns = [
        "uid",
        "workstream_id",
        *FIELDS,
        "sequence",
        "source",
        "created_by",
        "updated_at_utc",
    ]
    return conn.execute(
        sa.text(
            f"INSERT INTO events ({', '.join(columns)}, is_demo)"  # noqa: S608 (constant columns)
            f" VALUES ({', '.join(':' + c for c in columns)}, FALSE) RETURNING event_id"
        ),
        values,
    ).scalar()


def bump_sequence(conn: sa.Connection, *, event_id: int, at_utc: datetime, **fields) -> None:
    """Set some fields (or none) of an event and advance its SEQUENCE, in one statement."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not event fields: {sorted(unknown)}")
    sets = "".join(f"{name} = :{name}, " for name in fields)
    conn.execute(
        sa.text(
            f"UPDATE events SET {sets}sequence = sequence + 1, updated_at_utc = :at"  # noqa: S608 (known field names)
            " WHERE event_id = :event_id"
        ),
        {**fields, "at": at_utc, "event_id": event_id},
    )


def update_event_workstream(
    conn: sa.Connection, *, event_id: int, workstream_id: str | None
) -> bool:
    """Give the event another workstream; False when the engine refuses it.

    DuckDB rewrites a row whose foreign-key column changes, which it refuses while other tables
    point at the event (the transaction is then spoilt: the caller must give up); PostgreSQL
    refuses only an unknown workstream.
    """
    try:
        conn.execute(
            sa.text("UPDATE events SET workstream_id = :w WHERE event_id = :e"),
            {"w": workstream_id, "e": event_id},
        )
    except sa.exc.IntegrityError:
        return False
    return True


def replace_links(
    conn: sa.Connection,
    *,
    event_id: int,
    add_invitees: set[int],
    drop_invitees: set[int],
    add_products: set[int],
    drop_products: set[int],
) -> None:
    """Change which Champions are invited to an event and which products it presents."""
    if drop_invitees:
        placeholder, bind = _in("m", drop_invitees)
        conn.execute(
            sa.text(
                f"DELETE FROM event_invitees WHERE event_id = :e AND m49 IN {placeholder}"  # noqa: S608
            ).bindparams(bind),
            {"e": event_id},
        )
    if add_invitees:
        conn.execute(
            sa.text("INSERT INTO event_invitees (event_id, m49) VALUES (:e, :m)"),
            [{"e": event_id, "m": m} for m in sorted(add_invitees)],
        )
    if drop_products:
        placeholder, bind = _in("p", drop_products)
        conn.execute(
            sa.text(
                f"DELETE FROM event_products WHERE event_id = :e AND product_id IN {placeholder}"  # noqa: S608
            ).bindparams(bind),
            {"e": event_id},
        )
    if add_products:
        conn.execute(
            sa.text("INSERT INTO event_products (event_id, product_id) VALUES (:e, :p)"),
            [{"e": event_id, "p": p} for p in sorted(add_products)],
        )


def list_event_products(db: Db, *, event_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT p.product_id, p.title_en AS title, p.workstream_id, p.stage FROM event_products"
        " ep JOIN products p ON p.product_id = ep.product_id WHERE ep.event_id = :e"
        " ORDER BY p.title_en",
        e=event_id,
    )


def list_invitee_capitals(db: Db, *, event_id: int) -> list[tuple[str, str]]:
    """(country name, capital zone) of each Champion invited to an event, by name."""
    return [
        (row.name_en, row.capital_tz)
        for row in db.rows(
            "SELECT c.name_en, ch.capital_tz FROM event_invitees i"
            " JOIN countries c ON c.m49 = i.m49 JOIN champions ch ON ch.m49 = i.m49"
            " WHERE i.event_id = :e ORDER BY c.name_en",
            e=event_id,
        )
    ]


# Join details -----------------------------------------------------------------------------


def list_join_details(db: Db, *, event_ids: list[int] | None) -> list[sa.Row]:
    sql = "SELECT event_id, url, meeting_number, password, dial_in FROM event_join_details"
    if event_ids is None:
        return db.rows(sql)
    if not event_ids:
        return []
    placeholder, bind = _in("ids", event_ids)
    with db.reading() as conn:
        return list(
            conn.execute(sa.text(f"{sql} WHERE event_id IN {placeholder}").bindparams(bind))
        )


def list_events_registered_by_email(
    db: Db, *, email: str, event_ids: list[int] | None = None
) -> set[int]:
    """Events where someone with this e-mail is registered and confirmed (or attended), in a
    seat of their own: a listening seat (EC staff in listening mode) is not one."""
    sql = (
        "SELECT DISTINCT event_id FROM registrations WHERE lower(email) = lower(:email)"
        " AND status IN ('confirmed', 'attended') AND category <> 'ec_listening'"
    )
    if event_ids is None:
        return {r[0] for r in db.rows(sql, email=email)}
    if not event_ids:
        return set()
    placeholder, bind = _in("ids", event_ids)
    with db.reading() as conn:
        stmt = sa.text(f"{sql} AND event_id IN {placeholder}").bindparams(bind)  # noqa: S608
        return set(conn.execute(stmt, {"email": email}).scalars())


def replace_join_details(
    conn: sa.Connection,
    *,
    event_id: int,
    url: str | None,
    meeting_number: str | None,
    password: str | None,
    dial_in: str | None,
) -> None:
    conn.execute(sa.text("DELETE FROM event_join_details WHERE event_id = :e"), {"e": event_id})
    conn.execute(
        sa.text(
            "INSERT INTO event_join_details (event_id, url, meeting_number, password, dial_in)"
            " VALUES (:e, :url, :n, :pw, :dial)"
        ),
        {"e": event_id, "url": url, "n": meeting_number, "pw": password, "dial": dial_in},
    )


# Agenda items -----------------------------------------------------------------------------


def list_agenda(db: Db, *, event_id: int) -> pd.DataFrame:
    return db.frame(
        "SELECT a.item_id, a.starts_utc, a.ends_utc, a.title, a.presenter, a.moderator,"
        " a.product_id, p.title_en AS product, a.booking_id, b.workstream_id AS booked_by"
        " FROM agenda_items a LEFT JOIN products p ON p.product_id = a.product_id"
        " LEFT JOIN bookings b ON b.booking_id = a.booking_id"
        " WHERE a.event_id = :e ORDER BY a.starts_utc, a.item_id",
        e=event_id,
    )


def find_agenda_clash(
    conn: sa.Connection,
    *,
    event_id: int,
    starts_utc: datetime,
    ends_utc: datetime,
    except_item: int | None,
) -> sa.Row | None:
    """The first other item of the event overlapping [starts_utc, ends_utc), if any."""
    return conn.execute(
        sa.text(
            "SELECT title, starts_utc, ends_utc FROM agenda_items WHERE event_id = :e"
            " AND starts_utc < :ends AND ends_utc > :starts AND item_id <> :except"
            " ORDER BY starts_utc LIMIT 1"
        ),
        {"e": event_id, "ends": ends_utc, "starts": starts_utc, "except": except_item or -1},
    ).first()


def get_agenda_item(conn: sa.Connection, *, item_id: int) -> AgendaItemRecord | None:
    row = conn.execute(
        sa.text(
            "SELECT a.item_id, a.event_id, a.starts_utc, a.ends_utc, a.title, a.presenter,"
            " a.moderator, a.product_id, a.booking_id, e.workstream_id FROM agenda_items a"
            " JOIN events e ON e.event_id = a.event_id WHERE a.item_id = :i"
        ),
        {"i": item_id},
    ).first()
    return None if row is None else AgendaItemRecord(**row._mapping)


def insert_agenda_item(
    conn: sa.Connection,
    *,
    event_id: int,
    starts_utc: datetime,
    ends_utc: datetime,
    title: str,
    presenter: str | None,
    moderator: str | None,
    product_id: int | None,
) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO agenda_items (event_id, starts_utc, ends_utc, title, presenter, moderator,"
            " product_id) VALUES (:e, :s, :en, :t, :pr, :mo, :p) RETURNING item_id"
        ),
        {
            "e": event_id,
            "s": starts_utc,
            "en": ends_utc,
            "t": title,
            "pr": presenter,
            "mo": moderator,
            "p": product_id,
        },
    ).scalar()


def update_agenda_item(conn: sa.Connection, *, item_id: int, values: dict) -> None:
    conn.execute(
        sa.text(
            "UPDATE agenda_items SET starts_utc = :starts_utc, ends_utc = :ends_utc, title = :title,"
            " presenter = :presenter, moderator = :moderator, product_id = :product_id"
            " WHERE item_id = :item_id"
        ),
        {**values, "item_id": item_id},
    )


def delete_agenda_item(conn: sa.Connection, *, item_id: int) -> None:
    conn.execute(sa.text("DELETE FROM agenda_items WHERE item_id = :i"), {"i": item_id})


# Choices ----------------------------------------------------------------------------------


def list_workstream_names(db: Db) -> list[tuple[str, str | None]]:
    return [(r[0], r[1]) for r in db.rows("SELECT workstream_id, name FROM workstreams ORDER BY 1")]


def list_champion_names(db: Db) -> list[tuple[int, str]]:
    return [
        (r[0], r[1])
        for r in db.rows(
            "SELECT ch.m49, c.name_en FROM champions ch JOIN countries c ON c.m49 = ch.m49"
            " ORDER BY c.name_en"
        )
    ]


def list_product_titles(db: Db) -> list[tuple[int, str]]:
    return [
        (r[0], r[1])
        for r in db.rows(
            "SELECT product_id, title_en FROM products ORDER BY workstream_id, title_en"
        )
    ]


# Calendar files (.ics export and import) --------------------------------------------------


def _where_ids(event_ids: list[int] | None, column: str = "event_id"):
    if event_ids is None:
        return "", []
    placeholder, bind = _in("ids", event_ids or [-1])
    return f" WHERE {column} IN {placeholder}", [bind]


def list_export_rows(db: Db, *, event_ids: list[int] | None) -> list[dict]:
    """The events of an .ics export (all when None), in time order, as plain values."""
    where, binds = _where_ids(event_ids)
    stmt = sa.text(
        "SELECT event_id, uid, title, kind, audience, workstream_id, starts_utc, ends_utc, tz,"  # noqa: S608 (constant fragment)
        " all_day, location, description, rrule, exdates, status, sequence, updated_at_utc"
        f" FROM events{where} ORDER BY starts_utc, event_id"
    ).bindparams(*binds)
    with db.reading() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]


def list_agenda_rows(db: Db, *, event_ids: list[int] | None) -> dict[int, list[tuple]]:
    """{event_id: [(starts_utc, ends_utc, title, presenter, moderator), ...]} in time order."""
    where, binds = _where_ids(event_ids)
    stmt = sa.text(
        "SELECT event_id, starts_utc, ends_utc, title, presenter, moderator FROM agenda_items"  # noqa: S608 (constant fragment)
        f"{where} ORDER BY event_id, starts_utc"
    ).bindparams(*binds)
    out: dict[int, list[tuple]] = {}
    with db.reading() as conn:
        for event_id, *rest in conn.execute(stmt):
            out.setdefault(event_id, []).append(tuple(rest))
    return out


def list_workstream_ids(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.text("SELECT workstream_id FROM workstreams")).scalars())


def insert_events(conn: sa.Connection, records: list[EventRecordIn]) -> dict[str, int]:
    """Insert many new events in one statement; return {uid: event_id}."""
    if not records:
        return {}
    columns = [
        "uid",
        "workstream_id",
        *FIELDS,
        "sequence",
        "source",
        "created_by",
        "updated_at_utc",
    ]
    rows = [
        {
            **r.fields,
            "uid": r.uid,
            "workstream_id": r.workstream_id,
            "sequence": r.sequence,
            "source": r.source,
            "created_by": r.created_by,
            "updated_at_utc": r.updated_at_utc,
            "is_demo": False,
        }
        for r in records
    ]
    table = sa.table("events", *(sa.column(c) for c in [*columns, "is_demo"]))
    conn.execute(sa.insert(table), rows)
    return {
        uid: event_id
        for uid, event_id in conn.execute(
            sa.text("SELECT uid, event_id FROM events WHERE uid IN :uids").bindparams(
                sa.bindparam("uids", [r.uid for r in records], expanding=True)
            )
        )
    }


def bump_sequences(conn: sa.Connection, *, changes: list[dict], at_utc: datetime) -> None:
    """`bump_sequence` for many events at once: each dict holds event_id and every field."""
    if not changes:
        return
    sets = "".join(f"{name} = :{name}, " for name in FIELDS)
    conn.execute(
        sa.text(
            f"UPDATE events SET {sets}sequence = sequence + 1, updated_at_utc = :at"  # noqa: S608 (known field names)
            " WHERE event_id = :event_id"
        ),
        [{**{k: c[k] for k in FIELDS}, "event_id": c["event_id"], "at": at_utc} for c in changes],
    )
