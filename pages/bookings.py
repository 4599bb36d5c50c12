"""Bookings: Champion-facing slots offered by the Secretariat, workstreams' requests, the slot finder."""

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import bookings, slotfinder
from core.meetings import list_champion_options
from core.permissions import PermissionDenied, can
from core.pipeline import list_workstreams
from core.timezones import COMMON_ZONES, label, to_utc
from ui.context import after_write, connection, db_key, demo_banner, guard

user = guard("bookings")


@st.cache_data(ttl=60, show_spinner=False)
def load_slots(db: str) -> pd.DataFrame:
    return bookings.list_slots(connection())


@st.cache_data(ttl=60, show_spinner=False)
def load_bookings(db: str, workstream_id: str | None) -> pd.DataFrame:
    return bookings.list_bookings(connection(), workstream_id=workstream_id)


@st.cache_data(ttl=300, show_spinner=False)
def load_options(db: str) -> tuple:
    con = connection()
    return list_champion_options(con), list_workstreams(con), bookings.list_offerable_meetings(con)


@st.cache_data(ttl=300, show_spinner=False)
def load_products(db: str, workstream_id: str) -> pd.DataFrame:
    return bookings.list_workstream_products(connection(), workstream_id=workstream_id)


@st.cache_data(ttl=300, show_spinner=False)
def load_ranking(db: str, m49s: tuple[int, ...], ask: slotfinder.FinderIn) -> tuple:
    con = connection()
    invitees = slotfinder.list_invitees(con, m49s=list(m49s))
    history = slotfinder.offhours_counts(con)
    ranked = slotfinder.rank_times(invitees, ask, history=history)
    return invitees, ranked, slotfinder.twin_sessions(invitees, ask, history=history)


def _when(row) -> str:
    return (
        f"{label(row['starts_utc'], row['tz'], with_date=True)}-{label(row['ends_utc'], row['tz'])}"
    )


def _flash(message: str) -> None:
    after_write()
    st.session_state["bookings_flash"] = message
    st.rerun()


def render_slots(slots: pd.DataFrame, champions: pd.DataFrame, workstreams: list[str]) -> None:
    if slots.empty:
        st.info("No slots offered yet.")
        return
    timeline = bookings.slot_timeline(slots)
    chart = (
        alt.Chart(timeline)
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X(
                "starts_local:T", title="Time in the meeting's zone", axis=alt.Axis(format="%H:%M")
            ),
            x2="ends_local:T",
            y=alt.Y(
                "meeting:N",
                title=None,
                sort=alt.SortField("starts_utc"),
                axis=alt.Axis(labelLimit=320),
            ),
            color=alt.Color("state:N", title="State"),
            tooltip=["title", "meeting", "tz", "state", "held_by"],
        )
        .properties(height=alt.Step(28))
    )
    st.altair_chart(chart, width="stretch")
    table = pd.DataFrame(
        {
            "Slot": slots["title"],
            "Meeting": slots["meeting"],
            "When (meeting's zone)": slots.apply(_when, axis=1),
            "State": slots["state"],
            "Held by": slots["held_by"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="bookings_table")
    if not can(user, "booking.request", workstream_id=user.workstream_id) and not user.is_staff:
        return
    st.markdown("**Request a slot**")
    open_slots = slots[(slots["state"] == "open") & (slots["starts_utc"] > pd.Timestamp.now())]
    if open_slots.empty:
        st.caption("No open slot right now.")
        return
    names = {int(r.slot_id): f"{r.title} · {r.meeting or 'standalone'} · {_when(r._asdict())}"
             for r in open_slots.itertuples()}  # fmt: skip
    slot_id = st.selectbox("Slot", list(names), format_func=names.get, key="bookings_slot")
    if user.is_staff:
        ws = st.selectbox("Workstream", workstreams, key="bookings_ws")
    else:
        ws = user.workstream_id
        st.caption(f"For your workstream: {ws}")
    products = load_products(db_key(), ws)
    product_names = dict(zip(products["product_id"], products["title_en"], strict=True))
    product = st.selectbox(
        "Product", [None, *product_names], format_func=lambda p: "-" if p is None else product_names[p],
        key="bookings_product",
    )  # fmt: skip
    purpose = st.text_input("Purpose", key="bookings_purpose")
    countries = dict(zip(champions["m49"], champions["country"], strict=True))
    targets = st.multiselect(
        "Champions targeted", list(countries), format_func=countries.get, key="bookings_targets"
    )
    for warning in bookings.consultation_warnings(connection(), slot_id=slot_id, m49s=targets):
        st.warning(warning, icon=":material/warning:")
    if st.button("Request this slot", key="bookings_request_submit", type="primary"):
        try:
            result = bookings.request_slot(
                connection(),
                actor=user,
                booking=bookings.BookingIn(
                    slot_id=slot_id, workstream_id=ws, purpose=purpose, product_id=product,
                    target_m49s=targets,
                ),
            )  # fmt: skip
        except ValidationError as exc:
            st.error("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
        except (bookings.BookingRefused, PermissionDenied) as exc:
            st.error(str(exc), icon=":material/block:")
        else:
            _flash(result.message)


def render_requests() -> None:
    scope = None if user.is_staff else user.workstream_id
    rows = load_bookings(db_key(), scope)
    if rows.empty:
        st.caption("No requests yet.")
        return
    shown = pd.DataFrame(
        {
            "Booking": rows["booking_id"],
            "Workstream": rows["workstream_id"],
            "Slot": rows["slot"],
            "Meeting": rows["meeting"],
            "When (meeting's zone)": rows.apply(_when, axis=1),
            "Purpose": rows["purpose"],
            "Product": rows["product"],
            "Champions targeted": rows["targets"],
            "Status": rows["status"],
            "Note": rows["decision_note"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="bookings_requests")
    pending = rows[rows["status"] == "requested"]
    if can(user, "booking.decide") and not pending.empty:
        st.markdown("**Decide**")
        names = {int(r.booking_id): f"#{r.booking_id} {r.workstream_id}: {r.slot} ({r.purpose})"
                 for r in pending.itertuples()}  # fmt: skip
        chosen = st.selectbox(
            "Request", list(names), format_func=names.get, key="bookings_decide_id"
        )
        note = st.text_input("Note to the workstream (optional)", key="bookings_decide_note")
        c1, c2 = st.columns(2)
        for column, confirm, text in ((c1, True, "Confirm"), (c2, False, "Decline")):
            if column.button(text, key=f"bookings_{text.lower()}"):
                try:
                    result = bookings.decide_booking(
                        connection(),
                        actor=user,
                        booking_id=chosen,
                        confirm=confirm,
                        note=note or None,
                    )
                except (bookings.BookingRefused, PermissionDenied) as exc:
                    st.error(str(exc), icon=":material/block:")
                else:
                    _flash(result.message)
    active = rows[rows["status"].isin(["requested", "confirmed"])]
    mine = active[[can(user, "booking.withdraw", workstream_id=w) for w in active["workstream_id"]]]
    if not mine.empty:
        names = {int(r.booking_id): f"#{r.booking_id} {r.workstream_id}: {r.slot} ({r.status})"
                 for r in mine.itertuples()}  # fmt: skip
        c1, c2 = st.columns([3, 1])
        chosen = c1.selectbox(
            "Withdraw", list(names), format_func=names.get, key="bookings_withdraw_id"
        )
        if c2.button("Withdraw booking", key="bookings_withdraw"):
            try:
                result = bookings.withdraw_booking(connection(), actor=user, booking_id=chosen)
            except (bookings.BookingRefused, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                _flash(result.message)


def render_offer(meetings: pd.DataFrame) -> None:
    names = {None: "Standalone session (becomes a calendar event)"}
    names |= {int(r.event_id): f"{r.title} ({_when(r._asdict())})" for r in meetings.itertuples()}
    event_id = st.selectbox(
        "Part of", list(names), format_func=names.get, key="bookings_offer_event"
    )
    if event_id is not None:
        m = meetings.set_index("event_id").loc[event_id]
        tz, default_day = m["tz"], m["starts_utc"].date()
        default_time = (m["starts_utc"] + timedelta(minutes=0)).to_pydatetime()
    else:
        tz, default_day, default_time = "Europe/Zurich", date.today() + timedelta(days=14), None
    zones = list(dict.fromkeys([tz, *COMMON_ZONES]))
    c1, c2, c3, c4 = st.columns(4)
    zone = c1.selectbox("Time zone", zones, key="bookings_offer_tz")
    day = c2.date_input("Day", default_day, key="bookings_offer_day")
    local_default = time(15, 0)
    if default_time is not None:
        from core.timezones import to_local

        local_default = to_local(default_time, zone).time()
    start = c3.time_input("Local start", local_default, step=300, key="bookings_offer_time")
    minutes = c4.number_input("Minutes", 5, 480, 30, step=5, key="bookings_offer_minutes")
    title = st.text_input("Title", "Workstream segment with Champions", key="bookings_offer_title")
    if st.button("Offer this slot", key="bookings_offer_submit", type="primary"):
        try:
            slot = bookings.SlotIn(
                event_id=event_id,
                starts_utc=to_utc(datetime.combine(day, start), zone),
                minutes=int(minutes),
                tz=zone,
                title=title,
            )
            bookings.offer_slot(connection(), actor=user, slot=slot)
        except ValidationError as exc:
            st.error("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
        except (bookings.BookingRefused, PermissionDenied) as exc:
            st.error(str(exc))
        else:
            _flash(f"Offered '{title}' at {label(slot.starts_utc, zone, with_date=True)}.")


def render_finder(champions: pd.DataFrame) -> None:
    st.caption(
        "Ranks start times by how many invited Champions are inside working hours in their capital, "
        "then by how far outside the rest fall; Champions given off-hours times before weigh more, "
        "so the burden rotates."
    )
    countries = dict(zip(champions["m49"], champions["country"], strict=True))
    chosen = st.multiselect(
        "Invited Champions", list(countries), default=list(countries), format_func=countries.get,
        key="bookings_finder_who",
    )  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    first = c1.date_input("From", date.today() + timedelta(days=7), key="bookings_finder_from")
    last = c2.date_input("To", date.today() + timedelta(days=11), key="bookings_finder_to")
    minutes = c3.number_input("Minutes", 15, 480, 90, step=15, key="bookings_finder_minutes")
    hours = c4.slider("Working hours", 0, 24, (8, 18), key="bookings_finder_hours")
    try:
        ask = slotfinder.FinderIn(
            first_day=first, last_day=last, minutes=int(minutes), work_start=hours[0],
            work_end=hours[1],
        )  # fmt: skip
    except ValidationError as exc:
        st.error("; ".join(e["msg"] for e in exc.errors()))
        return
    if not chosen:
        st.caption("Choose at least one Champion.")
        return
    con = connection()
    invitees, ranked, twin = load_ranking(db_key(), tuple(int(m) for m in chosen), ask)
    options = {
        i: f"{label(r.starts_utc, 'UTC', with_date=True)} / {label(r.starts_utc, 'Europe/Zurich')}"
        f" · {r.inside}/{r.invited} inside working hours"
        for i, r in enumerate(ranked.itertuples())
    }
    pick = st.selectbox(
        "Ranked start times", list(options), format_func=options.get, key="bookings_finder_pick"
    )
    row = ranked.iloc[pick]
    start = row["starts_utc"].to_pydatetime()
    table = slotfinder.local_table(
        invitees, start, int(minutes), work_start=hours[0], work_end=hours[1]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="bookings_finder_table")
    if can(user, "slotfinder.record") and st.button(
        "Use this time (remember who gets off-hours)", key="bookings_finder_record"
    ):
        n = slotfinder.record_choice(
            con, actor=user, invitees=invitees, starts_utc=start, minutes=int(minutes),
            label=f"Slot finder choice {start:%Y-%m-%d %H:%M} UTC", work_start=hours[0],
            work_end=hours[1],
        )  # fmt: skip
        _flash(f"Recorded: {n} Champion(s) get an off-hours time this round.")
    if int(row["inside"]) < len(invitees):
        if twin is not None:
            st.markdown(
                f"**No single time keeps everyone inside working hours: twin sessions** at "
                f"{label(twin.first_utc, 'UTC', with_date=True)} and {label(twin.second_utc, 'UTC')}"
                f" keep {twin.inside}/{len(invitees)} inside."
            )
            st.dataframe(
                twin.assignment, hide_index=True, width="stretch", key="bookings_finder_twin"
            )
    past = slotfinder.offhours_history(con)
    if not past.empty:
        st.markdown("**Off-hours given so far (rotation)**")
        st.dataframe(past, hide_index=True, width="stretch", key="bookings_finder_history")


st.title("Slot booking")
demo_banner()
if flash := st.session_state.pop("bookings_flash", None):
    st.success(flash)
champions, workstreams, offerable = load_options(db_key())
labels = (
    ["Slots", "Requests"]
    + (["Offer a slot"] if can(user, "booking.offer") else [])
    + ["Slot finder"]
)
tabs = dict(zip(labels, st.tabs(labels), strict=True))
with tabs["Slots"]:
    render_slots(load_slots(db_key()), champions, workstreams)
with tabs["Requests"]:
    render_requests()
if "Offer a slot" in tabs:
    with tabs["Offer a slot"]:
        render_offer(offerable)
with tabs["Slot finder"]:
    render_finder(champions)
