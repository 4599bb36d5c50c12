"""Forms of the calendar page: create or edit an event, import an .ics file, private feeds."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import events, feeds, ics, objectives, recurrence, timezones
from core.permissions import PermissionDenied, User
from ui.calendar_common import NETWORK, select_event
from ui.context import after_write, connection, settings
from ui.feeds import feed_address, feeds_served
from ui.objectives import objective_picker
from ui.safe import md_text

REPEATS = {
    "none": "Does not repeat",
    "keep": "Keep the current repetition",
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly_day": "Monthly, same day of the month",
    "monthly_nth": "Monthly, same weekday (e.g. every 3rd Wednesday)",
}

FORM_FIELDS = (
    "title", "kind", "audience", "workstream", "tz", "all_day", "start_day", "start_time",
    "end_day", "end_time", "location", "description", "repeat", "interval", "nth", "count",
    "until", "skips", "weekdays", "invitees", "products", "capacity", "objectives",
)  # fmt: skip


def render_event_form(
    user: User,
    prefix: str,
    event: events.Event | None,
    choices: dict,
    *,
    today: date | None = None,
) -> None:
    """Create (event None) or edit an event; show what is wrong in the form's own words.

    A new event starts on `today` (the viewer's date), at 15:00."""
    ws_labels = dict(choices["workstreams"])
    allowed_ws = [ws for ws in ws_labels if events.may_edit(user, ws)]
    ws_options = ([None] if events.may_edit(user, None) else []) + allowed_ws
    champions = dict(choices["champions"])
    products = dict(choices["products"])
    tz_default = event.tz if event else "Europe/Zurich"
    start_local = (
        timezones.to_local(event.starts_utc, event.tz).replace(tzinfo=None)
        if event and not event.all_day
        else (event.starts_utc if event else datetime.combine(today or date.today(), time(15, 0)))
    )
    end_local = (
        timezones.to_local(event.ends_utc, event.tz).replace(tzinfo=None)
        if event and not event.all_day
        else (event.ends_utc - timedelta(days=1) if event else start_local + timedelta(hours=2))
    )
    repeat_options = [k for k in REPEATS if event is not None or k != "keep"]
    if event is None or not event.rrule:
        repeat_options = [k for k in repeat_options if k != "keep"]
    # A repeating event opens with its own repetition; "keep" for rules the form cannot show.
    current = (
        recurrence.parse_rrule(
            event.rrule, start_local=start_local, tz=event.tz, all_day=event.all_day
        )
        if event
        else None
    )
    repeat_default = current.pattern if current else ("keep" if event and event.rrule else "none")
    skipped = (
        recurrence.exdates_by_day(event.exdates, tz=event.tz, all_day=event.all_day)
        if event
        else {}
    )
    new_uid = None if event else form_uid(prefix)  # drawn with its token, sent with it
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
            "Repeats",
            repeat_options,
            index=repeat_options.index(repeat_default),
            format_func=REPEATS.get,
            key=f"{prefix}_repeat",
        )
        interval = c2.number_input(
            "Every (1 = every week/month)",
            1,
            52,
            current.interval if current else 1,
            key=f"{prefix}_interval",
        )
        nths = [1, 2, 3, 4, -1]
        nth = c3.selectbox(
            "Which weekday of the month",
            nths,
            index=nths.index(current.nth) if current and current.nth in nths else 2,
            format_func=recurrence.ORDINALS.get,
            key=f"{prefix}_nth",
        )
        c1, c2, c3 = st.columns(3)
        count = c1.number_input(
            "Number of times (0 = use 'until')",
            0,
            500,
            (current.count or 0) if current else 6,
            key=f"{prefix}_count",
        )
        until = c2.date_input(
            "Until", value=current.until if current else None, key=f"{prefix}_until"
        )
        skips = c3.text_input(
            "Skip these dates (YYYY-MM-DD, comma separated)",
            value=", ".join(f"{d:%Y-%m-%d}" for d in skipped),
            key=f"{prefix}_skips",
        )
        weekdays = st.multiselect(
            "Weekly on (empty = the start's weekday)",
            list(recurrence.WEEKDAYS),
            default=current.weekdays if current else [],
            format_func=recurrence.WEEKDAY_NAMES.get,
            key=f"{prefix}_weekdays",
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
        # A new event's objectives; an event's own are edited in its "GCM objectives" box.
        tags = (
            objective_picker("GCM objectives (optional)", key=f"{prefix}_objectives")
            if event is None
            else []
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
    rrule = event.rrule if event else None
    exdates: list[datetime] = []
    # Days skipped before keep their stored instant (it may come from a file) while the
    # series keeps its time; when the time moves, the skipped occurrences move with it.
    same_time = event is not None and (start, tz, all_day) == (
        start_local,
        event.tz,
        event.all_day,
    )
    kept = skipped if same_time else {}
    if repeat not in ("none", "keep"):
        try:
            rec = recurrence.RecurrenceIn(
                pattern=repeat,
                interval=int(interval),
                weekdays=weekdays if repeat == "weekly" else [],
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
        exdates.append(
            kept.get(day) or recurrence.exdate_for_day(day, starts_utc=base, tz=tz, all_day=all_day)
        )
    if errors:
        for message in errors:
            st.error(md_text(message))
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
            uid=new_uid,
            rrule=rrule,
            exdates=exdates,
            capacity=int(capacity) or None,
            open_to_non_champions=audience == "open",
            invitees=invitees,
            product_ids=linked,
        )
        con = connection()
        if event is None:
            # A second click (or a rerun) of the same filled form finds the event the first
            # one made, by the form's token in its UID, instead of making a second series.
            new_id = events.get_event_id_by_uid(con, event_in.uid)
            if new_id is None:
                new_id = events.create_event(con, actor=user, event_in=event_in)
            if tags:  # the same right as creating it, checked again in core
                objectives.set_objectives(
                    con, actor=user, kind="event", row_id=new_id, objectives=tags
                )
            select_event(new_id, event_in.starts_utc)
            st.session_state["calendar_flash"] = f"Created '{event_in.title}'."
            clear_form(prefix)
        else:
            events.update_event(con, actor=user, event_id=event.event_id, event_in=event_in)
            st.session_state["calendar_flash"] = f"Saved '{event_in.title}'."
    except ValidationError as exc:
        for message in events.explain(exc):
            st.error(md_text(message))
    except (ValueError, events.EventConflict, PermissionDenied) as exc:
        st.error(md_text(str(exc)))
    else:
        after_write()
        st.rerun()


def form_uid(prefix: str) -> str:
    """Return the UID the event of this filling of the form gets (one token per filling)."""
    token = st.session_state.setdefault(f"calendar_form_token_{prefix}", uuid.uuid4().hex)
    return f"form-{token}@actionplan"


def clear_form(prefix: str) -> None:
    """Empty the create form after its event is made; the next filling gets a new token."""
    for field in FORM_FIELDS:
        st.session_state.pop(f"{prefix}_{field}", None)
    st.session_state.pop(f"calendar_form_token_{prefix}", None)


# Import, export, feeds -----------------------------------------------------------------------


def render_downloads(user: User, occurrences: pd.DataFrame) -> None:
    """Offer the whole calendar and the events of the current view as .ics files."""
    export_cols = st.columns(2)
    con = connection()
    export_cols[0].download_button(
        "Download the whole calendar (.ics)",
        data=lambda: ics.export_ics(con, user=user),  # built on click, not on every rerun
        file_name="champions-calendar.ics",
        mime="text/calendar",
        key="calendar_download_all",
        on_click="ignore",  # no rerun: a rerun would retire the file id a second click uses
    )
    shown_ids = [int(i) for i in occurrences["event_id"].unique()] or [-1]
    export_cols[1].download_button(
        f"Download this view's {occurrences['event_id'].nunique()} events (.ics)",
        data=lambda: ics.export_ics(con, user=user, event_ids=shown_ids),
        file_name="champions-calendar-filtered.ics",
        mime="text/calendar",
        key="calendar_download_filtered",
        on_click="ignore",
    )


def render_import(user: User) -> None:
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
    st.markdown(f"**Preview:** {md_text(preview.summary())}")
    for note in preview.notes:
        st.text(note)
    st.dataframe(
        pd.DataFrame([r.model_dump() for r in preview.rows])[["action", "title", "when", "uid"]]
        .rename(columns={"action": "Action", "title": "Title", "when": "When", "uid": "UID"})
        .assign(Action=lambda f: f["Action"].str.capitalize()),
        hide_index=True,
        width="stretch",
        key="calendar_import_preview",
    )
    if st.button("Import these events", key="calendar_import_confirm", type="primary"):
        try:
            result = ics.import_ics(con, actor=user, data=data, default_tz=default_tz)
        except ics.ImportRefused as exc:
            st.error(md_text(str(exc)))
        else:
            after_write()
            st.success(md_text(f"Imported: {result.summary()}."))


def render_feeds(user: User) -> None:
    st.caption(
        "A private address your Outlook or Google Calendar can subscribe to. It shows the whole "
        f"calendar as you may see it and refreshes about every "
        f"{int(ics.FEED_REFRESH.total_seconds() // 60)} minutes. Anyone with the address can "
        "read it: revoke it if it leaks."
    )
    if not feeds_served():
        st.warning(
            "This dashboard was started without its feed route (`streamlit run app.py`), so feed "
            "addresses would not answer. Start it with `make run` (`streamlit run serve.py`)."
        )
    con = connection()
    new = st.session_state.pop("calendar_new_feed", None)
    if new:
        st.success("Copy this address now; it is shown only once.")
        address = feed_address(new, public_url=settings().public_url, browser_url=st.context.url)
        st.code(address, language=None)
    if st.button("Create a feed address", key="calendar_feed_create"):
        try:
            st.session_state["calendar_new_feed"] = feeds.create_feed(con, actor=user)
        except ValueError as exc:
            st.error(md_text(str(exc)))
        else:
            st.rerun()
    mine = feeds.list_feeds(con, username=user.username)
    for feed in mine[mine["revoked_at_utc"].isna()].to_dict("records"):
        c1, c2 = st.columns([4, 1])
        c1.text(f"{feed['label']}, created {feed['created_at_utc']:%d %b %Y %H:%M} UTC")
        if c2.button("Revoke", key=f"calendar_feed_revoke_{feed['feed_id']}"):
            feeds.revoke_feed(con, actor=user, feed_id=int(feed["feed_id"]))
            st.rerun()
