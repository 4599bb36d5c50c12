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
DATE_KEY = "calendar_date"
VIEW_KEY = "calendar_view"
UNITS = {"Month": "month", "Week": "week", "Agenda": "30 days", "Year": "year"}


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


def step(view: str, anchor: date, direction: int) -> date:
    """Return the anchor one period of the view later (direction 1) or earlier (-1)."""
    if view == "Month":
        month = anchor.month - 1 + direction
        year, month = anchor.year + month // 12, month % 12 + 1
        return anchor.replace(year=year, month=month, day=min(anchor.day, _month_days(year, month)))
    if view == "Week":
        return anchor + timedelta(days=7 * direction)
    if view == "Agenda":
        return anchor + timedelta(days=30 * direction)
    year = anchor.year + direction
    return anchor.replace(year=year, day=min(anchor.day, _month_days(year, anchor.month)))


def _month_days(year: int, month: int) -> int:
    return pycal.monthrange(year, month)[1]


def _shift(direction: int) -> None:
    view = st.session_state.get(VIEW_KEY) or VIEWS[0]
    st.session_state[DATE_KEY] = step(view, st.session_state[DATE_KEY], direction)


def _go_to(day: date, view: str | None = None) -> None:
    st.session_state[DATE_KEY] = day
    if view:
        st.session_state[VIEW_KEY] = view


def render_navigation(view: str, today: date) -> date:
    """Draw previous / today / next and the date picker; return the date the view is around."""
    st.session_state.setdefault(DATE_KEY, today)
    unit = UNITS[view]
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.button(
            f"Previous {unit}", icon=":material/chevron_left:", key="calendar_prev",
            on_click=_shift, args=(-1,),
        )  # fmt: skip
        st.button("Today", key="calendar_today", on_click=_go_to, args=(today,))
        st.button(
            f"Next {unit}", icon=":material/chevron_right:", icon_position="right",
            key="calendar_next", on_click=_shift, args=(1,),
        )  # fmt: skip
        return st.date_input("Around", key=DATE_KEY, width=160)


def render_month(df: pd.DataFrame, first: date, viewer_tz: str, today: date) -> None:
    st.subheader(f"{first:%B %Y}")
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
                box.button(
                    f"+{len(rows) - MAX_PER_DAY} more",
                    key=f"calendar_more_{day:%Y%m%d}",
                    on_click=_go_to,
                    args=(day, "Week"),
                    type="tertiary",
                    help="Open the week of this day, where every event shows",
                )
    st.caption(f"Times in {md_text(viewer_tz)}. Click an event for its detail.")


def week_pieces(df: pd.DataFrame, days: list[date], viewer_tz: str) -> pd.DataFrame:
    """Return one row per timed event and day of the week, with its hours in the viewer's zone
    and a side-by-side column ("col", of "cols" that day) for events at the same time."""
    pieces = []
    for row in df[~df["all_day"]].to_dict("records"):
        start = timezones.to_local(row["starts_utc"], viewer_tz).replace(tzinfo=None)
        end = timezones.to_local(row["ends_utc"], viewer_tz).replace(tzinfo=None)
        day = start.date()
        while day <= end.date():
            if day in days:
                day_start = max(start, datetime.combine(day, time()))
                day_end = min(end, datetime.combine(day + timedelta(days=1), time()))
                begin = day_start.hour + day_start.minute / 60
                finish = 24.0 if day_end.date() != day else day_end.hour + day_end.minute / 60
                pieces.append(
                    {
                        "day": f"{day:%a %d %b}",
                        "from": begin,
                        "to": max(finish, begin + 0.25),
                        "label": f"{day_start:%H:%M} {row['title']}",
                        "title": row["title"],
                        "kind": row["kind_label"],
                        "when": when(row, viewer_tz),
                    }
                )
            day += timedelta(days=1)
    frame = pd.DataFrame(
        pieces, columns=["day", "from", "to", "label", "title", "kind", "when", "col", "cols"]
    )
    for _, group in frame.groupby("day"):
        ends: list[float] = []  # per column, where its last event ends
        for index in group.sort_values(["from", "to"]).index:
            col = next((i for i, e in enumerate(ends) if e <= frame.at[index, "from"]), len(ends))
            ends[col:col + 1] = [frame.at[index, "to"]]  # fmt: skip
            frame.at[index, "col"] = col
        frame.loc[group.index, "cols"] = len(ends)
    return frame


def render_week(df: pd.DataFrame, monday: date, viewer_tz: str, today: date) -> None:
    """Draw the week as a time grid: days across, hours down, each event where its time is."""
    st.subheader(f"Week of {monday:%d %b %Y} (times in {md_text(viewer_tz)})")
    days = [monday + timedelta(days=i) for i in range(7)]
    all_day = df[df["all_day"]]
    for row in all_day.to_dict("records"):
        st.caption(f"All day: {md_text(row['title'])}, {md_text(when(row, viewer_tz))}")
    frame = week_pieces(df, days, viewer_tz)
    if frame.empty and all_day.empty:
        st.info("No events this week with these filters.")
    order = [f"{d:%a %d %b}" for d in days]
    first = int(min([8, *frame["from"]]))
    last = int(-(-max([19, *frame["to"]]) // 1))
    columns = int(frame["cols"].max()) if not frame.empty else 1
    frame["col"] = frame["col"].fillna(0).astype(int)
    day_axis = alt.X(
        "day:N",
        sort=order,
        scale=alt.Scale(domain=order, paddingInner=0.04),
        axis=alt.Axis(orient="top", labelAngle=0, title=None, labelLimit=0, grid=False),
    )
    hours = alt.Scale(domain=[first, last], reverse=True, nice=False)
    hour_axis = alt.Axis(
        values=list(range(first, last + 1)),
        labelExpr="(datum.value < 10 ? '0' : '') + datum.value + ':00'",
        title=None,
        grid=True,
    )
    backdrop = pd.DataFrame(
        {"day": order, "from": first, "to": last, "today": [d == today for d in days]}
    )
    grid = (
        alt.Chart(backdrop)
        .mark_rect()
        .encode(
            x=day_axis,
            y=alt.Y("from:Q", scale=hours, axis=hour_axis),
            y2="to:Q",
            color=alt.condition("datum.today", alt.value("#fdecea"), alt.value("#f6f7f9")),
            tooltip=alt.value(None),
        )
    )
    offset = alt.XOffset(
        "col:N", scale=alt.Scale(domain=list(range(columns)), paddingInner=0.06, paddingOuter=0.03)
    )
    boxes = alt.Chart(frame).encode(x=day_axis, xOffset=offset)
    bars = boxes.mark_bar(opacity=0.9, cornerRadius=3, stroke="white").encode(
        y=alt.Y("from:Q", scale=hours),
        y2="to:Q",
        color=alt.Color(
            "kind:N",
            title="Kind",
            legend=alt.Legend(orient="bottom", labelLimit=0) if not frame.empty else None,
        ),
        tooltip=[
            alt.Tooltip("title:N", title="Event"),
            alt.Tooltip("kind:N", title="Kind"),
            alt.Tooltip("when:N", title="When"),
        ],
    )
    # A label never runs past its box: it is cut to the box's width (the tooltip has it whole).
    labels = boxes.mark_text(
        baseline="top",
        dy=3,
        fontSize=11,
        color="white",
        limit=alt.ExprRef(f"width / 7 / {columns} * 0.85 - 8"),
    ).encode(y=alt.Y("from:Q", scale=hours), text="label:N")
    height = max(360, 36 * (last - first))
    st.altair_chart(
        (grid + bars + labels).properties(height=height),
        width="stretch",
        key="calendar_week_chart",
    )


def render_agenda(df: pd.DataFrame, viewer_tz: str) -> None:
    if df.empty:
        st.info("No events in the next 90 days with these filters.")
        return
    table = pd.DataFrame(
        {
            "When": [when(r, viewer_tz) for r in df.to_dict("records")],
            "Title": df["title"],
            "Kind": df["kind_label"],
            "Workstream": df["lane"],
            "Audience": df["audience"].map(events.AUDIENCES),
            "Status": df["status"].str.capitalize(),
            "Repeats": [recurrence.describe(r) if isinstance(r, str) else "" for r in df["rrule"]],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="calendar_agenda_table")


YEAR_LABELLED = 30  # up to this many events, each is named on the timeline


def render_year(df: pd.DataFrame, year: int, today: date) -> None:
    """Draw the year as one lane per workstream: a tick per event, a bar for longer ones."""
    st.subheader(f"{year} at a glance: one lane per workstream")
    if df.empty:
        st.info(f"No events in {year} with these filters.")
        return
    long = df["ends_utc"] - df["starts_utc"] >= pd.Timedelta(days=2)
    frame = df.assign(start=df["starts_utc"], end=df["ends_utc"], long=long)[
        ["title", "kind_label", "lane", "start", "end", "tz", "status", "long"]
    ]
    lanes = sorted(frame["lane"].unique())
    x = alt.X(
        "start:T",
        title=None,
        scale=alt.Scale(domain=[f"{year}-01-01", f"{year + 1}-01-01"]),
        axis=alt.Axis(format="%b", tickCount="month", labelAlign="left", grid=True),
    )
    y = alt.Y(
        "lane:N",
        title=None,
        sort=lanes,
        scale=alt.Scale(domain=lanes),
        axis=alt.Axis(labelLimit=0),
    )
    color = alt.Color(
        "kind_label:N", title="Kind", legend=alt.Legend(orient="bottom", labelLimit=0, columns=4)
    )
    opacity = alt.condition("datum.status == 'cancelled'", alt.value(0.3), alt.value(0.95))
    tooltip = [
        alt.Tooltip("title:N", title="Event"),
        alt.Tooltip("kind_label:N", title="Kind"),
        alt.Tooltip("lane:N", title="Workstream"),
        alt.Tooltip("start:T", title="Starts", format="%a %d %b %Y"),
        alt.Tooltip("tz:N", title="Time zone"),
        alt.Tooltip("status:N", title="Status"),
    ]
    base = alt.Chart(frame).encode(x=x, y=y, color=color, opacity=opacity, tooltip=tooltip)
    # A meeting of two hours would be a hairline on a year's axis: short events are ticks.
    ticks = base.transform_filter("!datum.long").mark_tick(thickness=4, size=26, clip=True)
    bars = base.transform_filter("datum.long").mark_bar(height=18, cornerRadius=3, clip=True)
    bars = bars.encode(x2="end:T")
    layers = ticks + bars
    if len(frame) <= YEAR_LABELLED:
        names = base.mark_text(align="left", dx=5, dy=-15, fontSize=11, clip=True).encode(
            text="title:N", color=alt.value("#333")
        )
        layers += names
    marker = (
        alt.Chart(pd.DataFrame({"today": [pd.Timestamp(today)]}))
        .mark_rule(color="black", strokeWidth=2, strokeDash=[4, 3])
        .encode(x="today:T", tooltip=alt.value("today"))
    )
    st.altair_chart(
        (layers + marker).properties(height=70 + 56 * len(lanes)),
        width="stretch",
        key="calendar_year_chart",
    )
    st.caption(
        "Each mark is an event (a bar when it lasts two days or more); the dashed line is today; "
        "faded marks are cancelled. Point at a mark for its details."
    )
