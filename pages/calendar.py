"""Calendar: the common calendar of the year, in everyone's time zone, in and out of Outlook."""

from __future__ import annotations

import calendar as pycal
import re
from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import events, feeds, ics, recurrence, timezones
from core.permissions import PermissionDenied
from ui.context import after_write, connection, db_key, demo_banner, guard, settings
from ui.feeds import ensure_feed_server

user = guard("calendar")

VIEWS = ["Month", "Week", "Agenda", "Year"]
NETWORK = "(network-wide)"
MAX_PER_DAY = 4


def plain(text: object) -> str:
    """Escape Markdown so that titles from files show as typed, never as formatting or links."""
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", str(text))


@st.cache_data(ttl=300, show_spinner=False)
def load_choices(db: str) -> dict:
    con = connection()
    return {
        "workstreams": events.list_workstream_choices(con),
        "champions": events.list_champion_choices(con),
        "products": events.list_product_choices(con),
    }


@st.cache_data(ttl=60, show_spinner=False)
def load_occurrences(db: str, start: datetime, end: datetime, filters: tuple) -> pd.DataFrame:
    workstreams, kinds, audiences, country, text = filters
    df = events.list_events(
        connection(),
        start_utc=start,
        end_utc=end,
        workstreams=list(workstreams) or None,
        kinds=list(kinds) or None,
        audiences=list(audiences) or None,
        country_m49=country,
        text=text or None,
    )
    df = recurrence.expand(df, start_utc=start, end_utc=end)
    df["kind_label"] = df["kind"].map(events.EVENT_KINDS).fillna(df["kind"])
    df["lane"] = df["workstream_id"].fillna(NETWORK)
    return df


@st.cache_data(ttl=60, show_spinner=False)
def load_detail(db: str, event_id: int) -> dict | None:
    con = connection()
    event = events.get_event(con, event_id)
    if event is None:
        return None
    return {
        "event": event,
        "agenda": events.list_agenda(con, event_id=event_id),
        "products": events.list_event_products(con, event_id=event_id),
    }


@st.cache_data(ttl=60, show_spinner=False)
def load_capitals(db: str, event_id: int, starts: datetime, ends: datetime) -> pd.DataFrame:
    return timezones.capital_local_times(
        connection(), event_id=event_id, starts_utc=starts, ends_utc=ends
    )


def period(view: str, anchor: date) -> tuple[date, date]:
    """Return the first day and the day after the last day shown by a view."""
    if view == "Month":
        first = anchor.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    if view == "Week":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=7)
    if view == "Agenda":
        return anchor, anchor + timedelta(days=90)
    return date(anchor.year, 1, 1), date(anchor.year + 1, 1, 1)


def when(row, viewer_tz: str) -> str:
    return timezones.span_label(
        row["starts_utc"], row["ends_utc"], row["tz"], viewer_tz, all_day=bool(row["all_day"])
    )


def occurrence_key(event_id: int, starts: datetime) -> str:
    return f"{int(event_id)}|{pd.Timestamp(starts):%Y%m%dT%H%M%S}"


def select_event(event_id: int, starts: datetime) -> None:
    st.session_state["calendar_pick_next"] = occurrence_key(event_id, starts)


# Views ---------------------------------------------------------------------------------------


def render_month(df: pd.DataFrame, first: date, viewer_tz: str) -> None:
    st.subheader(f"{first:%B %Y}")
    today = date.today()
    by_day: dict[date, list] = {}
    for row in df.to_dict("records"):
        if row["all_day"]:
            day, last = row["starts_utc"].date(), (row["ends_utc"] - timedelta(days=1)).date()
        else:
            day = timezones.to_local(row["starts_utc"], viewer_tz).date()
            last = day
        while day <= last:
            by_day.setdefault(day, []).append(row)
            day += timedelta(days=1)
    header = st.columns(7)
    for col, name in zip(header, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], strict=True):
        col.markdown(f"**{name}**")
    for week in pycal.Calendar().monthdatescalendar(first.year, first.month):
        cols = st.columns(7)
        for col, day in zip(cols, week, strict=True):
            box = col.container(border=True, height=170)
            mark = " · :red[**today**]" if day == today else ""
            faded = "" if day.month == first.month else ":gray"
            box.markdown(f"{faded}[{day.day}]{mark}" if faded else f"**{day.day}**{mark}")
            rows = by_day.get(day, [])
            for row in rows[:MAX_PER_DAY]:
                start = (
                    ""
                    if row["all_day"]
                    else f"{timezones.to_local(row['starts_utc'], viewer_tz):%H:%M} "
                )
                cancelled = "~~" if row["status"] == "cancelled" else ""
                box.button(
                    f"{cancelled}{start}{plain(row['title'])}{cancelled}",
                    key=f"calendar_open_{row['event_id']}_{row['occurrence']}_{day:%Y%m%d}",
                    on_click=select_event,
                    args=(row["event_id"], row["starts_utc"]),
                    type="tertiary",
                    help=when(row, viewer_tz),
                )
            if len(rows) > MAX_PER_DAY:
                box.caption(f"+{len(rows) - MAX_PER_DAY} more (see Agenda)")
    st.caption(f"Times in {viewer_tz}. Click an event for its detail.")


def render_week(df: pd.DataFrame, monday: date, viewer_tz: str) -> None:
    st.subheader(f"Week of {monday:%d %b %Y} (times in {viewer_tz})")
    days = [monday + timedelta(days=i) for i in range(7)]
    all_day = df[df["all_day"]]
    for row in all_day.to_dict("records"):
        st.caption(f"All day: {plain(row['title'])}, {when(row, viewer_tz)}")
    bars = []
    for row in df[~df["all_day"]].to_dict("records"):
        start = timezones.to_local(row["starts_utc"], viewer_tz).replace(tzinfo=None)
        end = timezones.to_local(row["ends_utc"], viewer_tz).replace(tzinfo=None)
        day = start.date()
        while day <= end.date() and day in days:
            day_start = max(start, datetime.combine(day, time()))
            day_end = min(end, datetime.combine(day + timedelta(days=1), time()))
            bars.append(
                {
                    "day": f"{day:%a %d %b}",
                    "from": day_start.hour + day_start.minute / 60,
                    "to": max(day_end.hour + day_end.minute / 60, 0.25)
                    if day_end.date() == day
                    else 24.0,
                    "title": row["title"],
                    "kind": row["kind_label"],
                    "when": when(row, viewer_tz),
                }
            )
            day += timedelta(days=1)
    frame = pd.DataFrame(bars, columns=["day", "from", "to", "title", "kind", "when"])
    order = [f"{d:%a %d %b}" for d in days]
    base = alt.Chart(frame).encode(
        x=alt.X("day:N", sort=order, scale=alt.Scale(domain=order), title=None),
    )
    rect = base.mark_bar(opacity=0.85, cornerRadius=3).encode(
        y=alt.Y(
            "from:Q",
            scale=alt.Scale(domain=[24, 0]),
            title=f"Hour ({viewer_tz})",
            axis=alt.Axis(values=list(range(0, 25, 2))),
        ),
        y2="to:Q",
        color=alt.Color("kind:N", title="Kind"),
        tooltip=["title:N", "kind:N", "when:N"],
    )
    text = base.mark_text(align="left", dx=-40, dy=8, fontSize=10, limit=90).encode(
        y="from:Q", text="title:N"
    )
    layers = rect + text
    today = date.today()
    if today in days:
        layers += (
            alt.Chart(pd.DataFrame({"day": [f"{today:%a %d %b}"]}))
            .mark_rect(color="red", opacity=0.08)
            .encode(x=alt.X("day:N", sort=order), tooltip=alt.value("today"))
        )
    st.altair_chart(layers.properties(height=520), width="stretch", key="calendar_week_chart")
    if frame.empty and all_day.empty:
        st.info("No events this week with these filters.")


def render_agenda(df: pd.DataFrame, viewer_tz: str) -> None:
    if df.empty:
        st.info("No events in the next 90 days with these filters.")
        return
    table = pd.DataFrame(
        {
            "when": [when(r, viewer_tz) for r in df.to_dict("records")],
            "title": df["title"],
            "kind": df["kind_label"],
            "workstream": df["lane"],
            "audience": df["audience"].map(events.AUDIENCES),
            "status": df["status"],
            "repeats": [recurrence.describe(r) if isinstance(r, str) else "" for r in df["rrule"]],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="calendar_agenda_table")


def render_year(df: pd.DataFrame, year: int) -> None:
    st.subheader(f"{year} at a glance: one lane per workstream")
    frame = df.assign(
        start=df["starts_utc"],
        end=df["ends_utc"].where(
            df["ends_utc"] - df["starts_utc"] > pd.Timedelta(hours=20),
            df["starts_utc"] + pd.Timedelta(hours=20),
        ),
    )[["title", "kind_label", "lane", "start", "end", "tz", "status"]]
    timeline = (
        alt.Chart(frame)
        .mark_bar(height=14, cornerRadius=2)
        .encode(
            x=alt.X(
                "start:T",
                title="Date",
                scale=alt.Scale(domain=[f"{year}-01-01", f"{year}-12-31"]),
            ),
            x2="end:T",
            y=alt.Y("lane:N", title="Workstream"),
            color=alt.Color("kind_label:N", title="Kind"),
            opacity=alt.condition("datum.status == 'cancelled'", alt.value(0.3), alt.value(0.9)),
            tooltip=["title:N", "kind_label:N", "lane:N", "start:T", "tz:N", "status:N"],
        )
    )
    today = (
        alt.Chart(pd.DataFrame({"today": [pd.Timestamp(date.today())]}))
        .mark_rule(color="black", strokeWidth=2, strokeDash=[4, 3])
        .encode(x="today:T", tooltip=alt.value("today"))
    )
    st.altair_chart(
        (timeline + today).properties(height=60 + 40 * max(1, frame["lane"].nunique())),
        width="stretch",
        key="calendar_year_chart",
    )
    st.caption("The dashed line marks today. Faded bars are cancelled events.")


# Event detail -----------------------------------------------------------------------------


def render_detail(event_id: int, starts: datetime, viewer_tz: str) -> None:
    detail = load_detail(db_key(), event_id)
    if detail is None:
        st.warning("That event no longer exists.")
        return
    event: events.Event = detail["event"]
    ends = starts + (event.ends_utc - event.starts_utc)
    st.subheader(plain(event.title))
    if event.status != "confirmed":
        st.warning(f"This event is {event.status}.")
    row = {"starts_utc": starts, "ends_utc": ends, "tz": event.tz, "all_day": event.all_day}
    st.markdown(f"**When:** {plain(when(row, viewer_tz))}")
    if event.rrule:
        st.markdown(f"**Repeats:** {plain(recurrence.describe(event.rrule))}")
    left, right = st.columns(2)
    left.markdown(
        f"**Kind:** {events.EVENT_KINDS.get(event.kind, event.kind)}  \n"
        f"**Workstream:** {plain(event.workstream_id or NETWORK)}  \n"
        f"**Event time zone:** {event.tz}  \n"
        f"**Location:** {plain(event.location or '-')}"
    )
    right.markdown(
        f"**Audience:** {events.AUDIENCES[event.audience]}  \n"
        f"**Who may join:** {events.WHO_MAY_JOIN[event.audience]}"
        + (f"  \n**Capacity:** {event.capacity}" if event.capacity else "")
    )
    if event.description:
        st.text(event.description)
    agenda = detail["agenda"]
    if not agenda.empty:
        st.markdown("**Agenda**")
        st.dataframe(
            pd.DataFrame(
                {
                    "time": [
                        f"{timezones.label_pair(s, event.tz, viewer_tz)} - "
                        f"{timezones.label_pair(e, event.tz, viewer_tz)}"
                        for s, e in zip(agenda["starts_utc"], agenda["ends_utc"], strict=True)
                    ],
                    "item": agenda["title"],
                    "presenter": agenda["presenter"],
                    "moderator": agenda["moderator"],
                    "linked product": agenda["product"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="calendar_detail_agenda",
        )
    if not detail["products"].empty:
        st.markdown("**Linked products**")
        st.dataframe(
            detail["products"][["title", "workstream_id", "stage"]],
            hide_index=True,
            width="stretch",
            key="calendar_detail_products",
        )
    capitals = load_capitals(db_key(), event_id, starts, ends)
    if not capitals.empty and not event.all_day:
        outside = int((capitals["working hours"] != "yes").sum())
        st.markdown(
            f"**Local time in each invited Champion's capital** "
            f"({outside} of {len(capitals)} outside 08:00-18:00)"
        )
        st.dataframe(capitals, hide_index=True, width="stretch", key="calendar_detail_capitals")
    con = connection()
    if events.may_see_join_details(con, user, event_id):
        join = events.join_details_for(con, user=user, event_ids=[event_id]).get(event_id)
        if join:
            with st.expander("Join details (invited participants only)"):
                for name, value in join.items():
                    if value:
                        st.text(f"{name.replace('_', ' ')}: {value}")
    st.download_button(
        "Download this event (.ics)",
        data=ics.export_ics(con, user=user, event_ids=[event_id], name=event.title),
        file_name=f"event-{event_id}.ics",
        mime="text/calendar",
        key="calendar_download_event",
    )
    if events.may_edit(user, event.workstream_id):
        render_edit_controls(event, starts)


def render_edit_controls(event: events.Event, starts: datetime) -> None:
    con = connection()
    cols = st.columns(3)
    if event.status != "cancelled" and cols[0].button("Cancel this event", key="calendar_cancel"):
        events.cancel_event(con, actor=user, event_id=event.event_id)
        after_write()
        st.rerun()
    if event.rrule and cols[1].button("Skip this occurrence", key="calendar_skip"):
        events.skip_occurrence(con, actor=user, event_id=event.event_id, occurrence_utc=starts)
        after_write()
        st.rerun()
    with st.expander("Edit this event"):
        render_event_form("calendar_edit", event)
    with st.expander("Agenda items"):
        render_agenda_editor(event)


def render_agenda_editor(event: events.Event) -> None:
    con = connection()
    agenda = events.list_agenda(con, event_id=event.event_id)
    for item in agenda.to_dict("records"):
        c1, c2 = st.columns([5, 1])
        c1.text(
            f"{timezones.to_local(item['starts_utc'], event.tz):%H:%M}-"
            f"{timezones.to_local(item['ends_utc'], event.tz):%H:%M} {item['title']}"
        )
        if c2.button("Remove", key=f"calendar_agenda_remove_{item['item_id']}"):
            events.delete_agenda_item(con, actor=user, item_id=int(item["item_id"]))
            after_write()
            st.rerun()
    day = timezones.to_local(event.starts_utc, event.tz).date()
    products = dict(load_choices(db_key())["products"])
    with st.form("calendar_agenda_form", clear_on_submit=True):
        st.caption(f"New item on {day:%d %b %Y}, times in {event.tz}")
        title = st.text_input("Item", key="calendar_agenda_title")
        c1, c2 = st.columns(2)
        start = c1.time_input("From", value=time(15, 0), step=300, key="calendar_agenda_start")
        end = c2.time_input("To", value=time(15, 30), step=300, key="calendar_agenda_end")
        presenter = c1.text_input("Presenter", key="calendar_agenda_presenter")
        moderator = c2.text_input("Moderator", key="calendar_agenda_moderator")
        product = st.selectbox(
            "Linked product",
            [None, *products],
            format_func=lambda p: "-" if p is None else products[p],
            key="calendar_agenda_product",
        )
        if st.form_submit_button("Add item", key="calendar_agenda_submit"):
            try:
                item = events.AgendaItemIn(
                    title=title,
                    starts_local=datetime.combine(day, start),
                    ends_local=datetime.combine(day, end),
                    presenter=presenter or None,
                    moderator=moderator or None,
                    product_id=product,
                )
                events.add_agenda_item(con, actor=user, event_id=event.event_id, item_in=item)
            except ValidationError as exc:
                for message in events.explain(exc):
                    st.error(message)
            except (ValueError, events.EventConflict, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                after_write()
                st.rerun()


# Event form ---------------------------------------------------------------------------------

REPEATS = {
    "none": "Does not repeat",
    "keep": "Keep the current repetition",
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly_day": "Monthly, same day of the month",
    "monthly_nth": "Monthly, same weekday (e.g. every 3rd Wednesday)",
}


def render_event_form(prefix: str, event: events.Event | None) -> None:
    """Create (event None) or edit an event; show what is wrong in the form's own words."""
    choices = load_choices(db_key())
    ws_labels = dict(choices["workstreams"])
    allowed_ws = [ws for ws in ws_labels if events.may_edit(user, ws)]
    ws_options = ([None] if events.may_edit(user, None) else []) + allowed_ws
    champions = dict(choices["champions"])
    products = dict(choices["products"])
    tz_default = event.tz if event else "Europe/Zurich"
    start_local = (
        timezones.to_local(event.starts_utc, event.tz).replace(tzinfo=None)
        if event and not event.all_day
        else (event.starts_utc if event else datetime.combine(date.today(), time(15, 0)))
    )
    end_local = (
        timezones.to_local(event.ends_utc, event.tz).replace(tzinfo=None)
        if event and not event.all_day
        else (event.ends_utc - timedelta(days=1) if event else start_local + timedelta(hours=2))
    )
    repeat_options = [k for k in REPEATS if event is not None or k != "keep"]
    if event is None or not event.rrule:
        repeat_options = [k for k in repeat_options if k != "keep"]
    with st.form(f"{prefix}_form"):
        title = st.text_input("Title", value=event.title if event else "", key=f"{prefix}_title")
        c1, c2, c3 = st.columns(3)
        kinds = list(events.EVENT_KINDS)
        kind = c1.selectbox(
            "Kind",
            kinds,
            index=kinds.index(event.kind) if event else 0,
            format_func=events.EVENT_KINDS.get,
            key=f"{prefix}_kind",
        )
        audiences = list(events.AUDIENCES)
        audience = c2.selectbox(
            "Audience",
            audiences,
            index=audiences.index(event.audience) if event else 0,
            format_func=events.AUDIENCES.get,
            key=f"{prefix}_audience",
        )
        current_ws = event.workstream_id if event else (ws_options[0] if ws_options else None)
        workstream = c3.selectbox(
            "Workstream",
            ws_options,
            index=ws_options.index(current_ws) if current_ws in ws_options else 0,
            format_func=lambda ws: NETWORK if ws is None else ws_labels[ws],
            key=f"{prefix}_workstream",
        )
        zones = timezones.all_zones()
        tz = st.selectbox(
            "Event time zone",
            zones,
            index=zones.index(tz_default) if tz_default in zones else 0,
            key=f"{prefix}_tz",
        )
        all_day = st.checkbox(
            "All day (times ignored)", value=bool(event and event.all_day), key=f"{prefix}_all_day"
        )
        c1, c2, c3, c4 = st.columns(4)
        start_day = c1.date_input("Start date", value=start_local.date(), key=f"{prefix}_start_day")
        start_time = c2.time_input(
            "Start time", value=start_local.time(), step=300, key=f"{prefix}_start_time"
        )
        end_day = c3.date_input("End date", value=end_local.date(), key=f"{prefix}_end_day")
        end_time = c4.time_input(
            "End time", value=end_local.time(), step=300, key=f"{prefix}_end_time"
        )
        location = st.text_input(
            "Location", value=(event.location or "") if event else "", key=f"{prefix}_location"
        )
        description = st.text_area(
            "Description",
            value=(event.description or "") if event else "",
            key=f"{prefix}_description",
        )
        c1, c2, c3 = st.columns(3)
        repeat = c1.selectbox(
            "Repeats", repeat_options, format_func=REPEATS.get, key=f"{prefix}_repeat"
        )
        interval = c2.number_input(
            "Every (1 = every week/month)", 1, 52, 1, key=f"{prefix}_interval"
        )
        nth = c3.selectbox(
            "Which weekday of the month",
            [1, 2, 3, 4, -1],
            index=2,
            format_func=recurrence.ORDINALS.get,
            key=f"{prefix}_nth",
        )
        c1, c2, c3 = st.columns(3)
        count = c1.number_input(
            "Number of times (0 = use 'until')", 0, 500, 6, key=f"{prefix}_count"
        )
        until = c2.date_input("Until", value=None, key=f"{prefix}_until")
        skips = c3.text_input(
            "Skip these dates (YYYY-MM-DD, comma separated)", key=f"{prefix}_skips"
        )
        invitees = st.multiselect(
            "Invited Champions",
            list(champions),
            default=event.invitees if event else [],
            format_func=champions.get,
            key=f"{prefix}_invitees",
        )
        linked = st.multiselect(
            "Linked products",
            list(products),
            default=event.product_ids if event else [],
            format_func=products.get,
            key=f"{prefix}_products",
        )
        capacity = st.number_input(
            "Capacity (0 = no limit)",
            0,
            5000,
            (event.capacity or 0) if event else 0,
            key=f"{prefix}_capacity",
        )
        submitted = st.form_submit_button(
            "Save changes" if event else "Create event", key=f"{prefix}_submit", type="primary"
        )
    if not submitted:
        return
    errors: list[str] = []
    start = datetime.combine(start_day, start_time)
    end = (
        datetime.combine(end_day + timedelta(days=1), time())
        if all_day
        else datetime.combine(end_day, end_time)
    )
    rrule, exdates = (event.rrule, []) if event else (None, [])
    if event and repeat == "keep":
        exdates = recurrence.parse_exdates(event.exdates)
    elif repeat not in ("none", "keep"):
        try:
            rec = recurrence.RecurrenceIn(
                pattern=repeat,
                interval=int(interval),
                nth=nth if repeat == "monthly_nth" else None,
                count=int(count) or None,
                until=None if int(count) else until,
            )
            rrule = recurrence.build_rrule(rec, start_local=start, tz=tz, all_day=all_day)
        except ValidationError as exc:
            errors += [f"Repeats: {m.split(': ', 1)[-1]}" for m in events.explain(exc)]
        except ValueError as exc:
            errors.append(f"Repeats: {exc}")
    else:
        rrule = None
    for part in [p.strip() for p in skips.split(",") if p.strip()]:
        try:
            day = date.fromisoformat(part)
        except ValueError:
            errors.append(f"Skip these dates: '{part}' is not a date like 2026-04-15")
            continue
        base = timezones.to_utc(start, tz) if not all_day else start
        exdates.append(recurrence.exdate_for_day(day, starts_utc=base, tz=tz, all_day=all_day))
    if errors:
        for message in errors:
            st.error(message)
        return
    try:
        event_in = events.EventIn(
            title=title,
            kind=kind,
            audience=audience,
            workstream_id=workstream,
            tz=tz,
            start_local=start,
            end_local=end,
            all_day=all_day,
            location=location or None,
            description=description or None,
            status=event.status if event else "confirmed",
            rrule=rrule,
            exdates=exdates,
            capacity=int(capacity) or None,
            open_to_non_champions=audience == "open",
            invitees=invitees,
            product_ids=linked,
        )
        con = connection()
        if event is None:
            new_id = events.create_event(con, actor=user, event_in=event_in)
            select_event(new_id, event_in.starts_utc)
            st.session_state["calendar_flash"] = f"Created '{event_in.title}'."
        else:
            events.update_event(con, actor=user, event_id=event.event_id, event_in=event_in)
            st.session_state["calendar_flash"] = f"Saved '{event_in.title}'."
    except ValidationError as exc:
        for message in events.explain(exc):
            st.error(message)
    except (ValueError, events.EventConflict, PermissionDenied) as exc:
        st.error(str(exc))
    else:
        after_write()
        st.rerun()


# Import, export, feeds -----------------------------------------------------------------------


def render_import() -> None:
    st.caption(
        "Files exported by Outlook, Google Calendar or Thunderbird. Events are matched by UID: "
        "importing the same file again changes nothing. Nothing is written until you confirm, "
        "and nothing at all if any event is wrong."
    )
    upload = st.file_uploader("Calendar file (.ics)", type=["ics"], key="calendar_import_file")
    default_tz = st.selectbox(
        "Zone for times written without one",
        timezones.all_zones(),
        key="calendar_import_tz",
    )
    if upload is None:
        return
    data = upload.getvalue()
    con = connection()
    try:
        preview = ics.preview_import(con, actor=user, data=data, default_tz=default_tz)
    except ics.ImportRefused as exc:
        st.error("This file cannot be imported; nothing was written.")
        for problem in exc.problems[:30]:
            st.text(problem)
        return
    st.markdown(f"**Preview:** {preview.summary()}")
    for note in preview.notes:
        st.text(note)
    st.dataframe(
        pd.DataFrame([r.model_dump() for r in preview.rows])[["action", "title", "when", "uid"]],
        hide_index=True,
        width="stretch",
        key="calendar_import_preview",
    )
    if st.button("Import these events", key="calendar_import_confirm", type="primary"):
        try:
            result = ics.import_ics(con, actor=user, data=data, default_tz=default_tz)
        except ics.ImportRefused as exc:
            st.error(str(exc))
        else:
            after_write()
            st.success(f"Imported: {result.summary()}.")


def render_feeds() -> None:
    state = ensure_feed_server()
    base = settings().feed_base_url.rstrip("/")
    st.caption(
        "A private address your Outlook or Google Calendar can subscribe to. It shows the whole "
        f"calendar as you may see it and refreshes about every "
        f"{int(ics.FEED_REFRESH.total_seconds() // 60)} minutes. Anyone with the address can "
        f"read it: revoke it if it leaks. Feed server: {state}."
    )
    con = connection()
    new = st.session_state.pop("calendar_new_feed", None)
    if new:
        st.success("Copy this address now; it is shown only once.")
        st.code(f"{base}{feeds.feed_path(new)}", language=None)
    if st.button("Create a feed address", key="calendar_feed_create"):
        try:
            st.session_state["calendar_new_feed"] = feeds.create_feed(con, actor=user)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.rerun()
    mine = feeds.list_feeds(con, username=user.username)
    for feed in mine[mine["revoked_at_utc"].isna()].to_dict("records"):
        c1, c2 = st.columns([4, 1])
        c1.text(f"{feed['label']}, created {feed['created_at_utc']:%d %b %Y %H:%M} UTC")
        if c2.button("Revoke", key=f"calendar_feed_revoke_{feed['feed_id']}"):
            feeds.revoke_feed(con, actor=user, feed_id=int(feed["feed_id"]))
            st.rerun()


# Page ---------------------------------------------------------------------------------------

st.title("Common calendar")
demo_banner()
if flash := st.session_state.pop("calendar_flash", None):
    st.success(flash)
choices = load_choices(db_key())
with st.sidebar:
    st.markdown("**Calendar filters**")
    ws_filter = st.multiselect(
        "Workstream",
        [""] + [ws for ws, _ in choices["workstreams"]],
        format_func=lambda ws: ws or NETWORK,
        key="calendar_filter_workstream",
    )
    kind_filter = st.multiselect(
        "Kind",
        list(events.EVENT_KINDS),
        format_func=events.EVENT_KINDS.get,
        key="calendar_filter_kind",
    )
    audience_filter = st.multiselect(
        "Audience",
        list(events.AUDIENCES),
        format_func=events.AUDIENCES.get,
        key="calendar_filter_audience",
    )
    champion_names = dict(choices["champions"])
    country = st.selectbox(
        "Champion country invited",
        [None, *champion_names],
        format_func=lambda m: "Any" if m is None else champion_names[m],
        key="calendar_filter_country",
    )
    text = st.text_input("Text", key="calendar_filter_text")
    viewer_tz = st.selectbox(
        "Show times in", timezones.all_zones(), index=0, key="calendar_viewer_tz"
    )

c1, c2 = st.columns([3, 1])
view = c1.radio("View", VIEWS, horizontal=True, key="calendar_view")
anchor = c2.date_input("Around", value=date.today(), key="calendar_date")
first, after = period(view, anchor)
filters = (tuple(ws_filter), tuple(kind_filter), tuple(audience_filter), country, text.strip())
start_utc, _ = timezones.local_day_bounds(first, viewer_tz)
end_utc, _ = timezones.local_day_bounds(after, viewer_tz)
occurrences = load_occurrences(db_key(), start_utc, end_utc, filters)

if view == "Month":
    render_month(occurrences, first, viewer_tz)
elif view == "Week":
    render_week(occurrences, first, viewer_tz)
elif view == "Agenda":
    render_agenda(occurrences, viewer_tz)
else:
    render_year(occurrences, first.year)

st.divider()
if not occurrences.empty:
    labels = {
        occurrence_key(eid, s): f"{timezones.label(s, viewer_tz, with_date=True)}  {title}"
        for eid, s, title in zip(
            occurrences["event_id"], occurrences["starts_utc"], occurrences["title"], strict=True
        )
    }
    if pending := st.session_state.pop("calendar_pick_next", None):
        st.session_state["calendar_event_pick"] = pending
    if st.session_state.get("calendar_event_pick") not in labels:
        st.session_state.pop("calendar_event_pick", None)
    picked = st.selectbox(
        "Event detail",
        [None, *labels],
        format_func=lambda o: "Choose an event" if o is None else labels[o],
        key="calendar_event_pick",
    )
    if picked is not None:
        event_id, stamp = picked.split("|")
        render_detail(int(event_id), datetime.strptime(stamp, "%Y%m%dT%H%M%S"), viewer_tz)

st.divider()
export_cols = st.columns(2)
con = connection()
export_cols[0].download_button(
    "Download the whole calendar (.ics)",
    data=ics.export_ics(con, user=user),
    file_name="champions-calendar.ics",
    mime="text/calendar",
    key="calendar_download_all",
)
export_cols[1].download_button(
    f"Download this view's {occurrences['event_id'].nunique()} events (.ics)",
    data=ics.export_ics(
        con, user=user, event_ids=[int(i) for i in occurrences["event_id"].unique()] or [-1]
    ),
    file_name="champions-calendar-filtered.ics",
    mime="text/calendar",
    key="calendar_download_filtered",
)

tabs = ["Subscribe"] + (["New event", "Import .ics"] if events.may_create_any(user) else [])
panes = st.tabs(tabs)
with panes[0]:
    render_feeds()
if events.may_create_any(user):
    with panes[1]:
        render_event_form("calendar_new", None)
    with panes[2]:
        render_import()
