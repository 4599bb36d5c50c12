"""Month grid, week, agenda list and year timeline of the calendar page."""

from __future__ import annotations

import calendar as pycal
from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core import events, recurrence, timezones
from ui.calendar_common import select_event, when
from ui.safe import md_text

VIEWS = ["Month", "Week", "Agenda", "Year"]
MAX_PER_DAY = 4


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
                    f"{cancelled}{start}{md_text(row['title'])}{cancelled}",
                    key=f"calendar_open_{row['event_id']}_{row['occurrence']}_{day:%Y%m%d}",
                    on_click=select_event,
                    args=(row["event_id"], row["starts_utc"]),
                    type="tertiary",
                    help=when(row, viewer_tz),
                )
            if len(rows) > MAX_PER_DAY:
                box.caption(f"+{len(rows) - MAX_PER_DAY} more (see Agenda)")
    st.caption(f"Times in {md_text(viewer_tz)}. Click an event for its detail.")


def render_week(df: pd.DataFrame, monday: date, viewer_tz: str) -> None:
    st.subheader(f"Week of {monday:%d %b %Y} (times in {md_text(viewer_tz)})")
    days = [monday + timedelta(days=i) for i in range(7)]
    all_day = df[df["all_day"]]
    for row in all_day.to_dict("records"):
        st.caption(f"All day: {md_text(row['title'])}, {when(row, viewer_tz)}")
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
        .mark_bar(height=14, cornerRadius=2, clip=True)
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
