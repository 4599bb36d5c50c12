"""Slot finder: rank start times by working hours in the invited Champions' capitals."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import slotfinder
from core.permissions import User, can
from core.timezones import label
from ui.bookings_views import flash
from ui.context import connection


def render_finder(champions: pd.DataFrame, user: User, *, db: str, load_ranking) -> None:
    """Rank start times for the invited Champions and show the chosen one in local times."""
    st.caption(
        "Ranks start times by how many invited Champions are inside working hours in their capital, "
        "then by how far outside the rest fall; Champions given off-hours times before weigh more, "
        "so the burden rotates."
    )
    countries = dict(zip(champions["m49"], champions["country"], strict=True))
    chosen = st.multiselect(
        "Invited Champions", list(countries), default=list(countries), format_func=countries.get,
        key="bookings_finder_who", persist_state="page",
    )  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    first = c1.date_input(
        "From", date.today() + timedelta(days=7), key="bookings_finder_from", persist_state="page"
    )
    last = c2.date_input(
        "To", date.today() + timedelta(days=11), key="bookings_finder_to", persist_state="page"
    )
    minutes = c3.number_input(
        "Minutes", 15, 480, 90, step=15, key="bookings_finder_minutes", persist_state="page"
    )
    hours = c4.slider(
        "Working hours", 0, 24, (8, 18), key="bookings_finder_hours", persist_state="page"
    )
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
    invitees, ranked, twin = load_ranking(db, tuple(int(m) for m in chosen), ask)
    options = {
        i: f"{label(r.starts_utc, 'UTC', with_date=True)} / {label(r.starts_utc, 'Europe/Zurich')}"
        f" · {r.inside}/{r.invited} inside working hours"
        for i, r in enumerate(ranked.itertuples())
    }
    pick = st.selectbox(
        "Ranked start times",
        list(options),
        format_func=options.get,
        key="bookings_finder_pick",
        persist_state="page",
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
        flash(f"Recorded: {n} Champion(s) get an off-hours time this round.")
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
