"""Champion registry: the table, its downloads, focal points and the add-or-edit form."""

from datetime import date
from zoneinfo import available_timezones

import streamlit as st
from pydantic import ValidationError

from core import champions
from core.permissions import PermissionDenied, User, can, can_view_page
from ui.context import after_write, connection
from ui.safe import md_text
from ui.widgets import download_buttons

PRECISIONS = {
    "unknown": "Unknown",
    "month": "Month known",
    "by": "Named as Champion by this date",
    "day": "Exact day",
}


def render_registry(df, user: User, *, db: str, load_focal_points, load_countries) -> None:
    """List the Champions with downloads, then focal points and the edit form for those allowed."""
    active = int((df["status"] == "active").sum())
    st.caption(
        f"{len(df)} Champion countries ({active} active). Join dates are shown as sources give "
        "them: a month, or *by <date>* (the latest date a source names the country as a "
        "Champion), or unknown. Local time is the capital's time now, with its UTC offset."
    )
    link = can_view_page(user, "engagement")
    table = df.assign(profile=[f"/engagement?champion={iso3}" for iso3 in df["iso3"]])
    columns = ["country", "joined", "local_time", "capital_tz", "status", "co_chair_terms"]
    columns += (["profile"] if link else []) + ["source"]
    st.dataframe(
        table[columns],
        hide_index=True,
        width="stretch",
        height=35 * len(table) + 40,
        key="champions_table",
        column_config={
            "country": "Country",
            "joined": "Joined",
            "source": "Source",
            "capital_tz": "Capital time zone",
            "local_time": "Local time now (capital)",
            "status": "Status",
            "co_chair_terms": "Co-chair terms",
            "profile": st.column_config.LinkColumn("Engagement profile", display_text="open"),
        },
    )
    download_buttons(
        df[["iso3", "country", "joined", "source", "capital_tz", "status", "co_chair_terms"]],
        file_stem="champions",
        sheet="Champions",
        keys=("champions_download", "champions_download_xlsx"),
        labels=("Download the registry (CSV)", "Download the registry (Excel)"),
    )
    if can(user, "contacts.view"):
        st.subheader("Focal points")
        st.caption("Contact details: visible to the Secretariat, EC members and workstream leads.")
        st.dataframe(
            load_focal_points(db, user.username)[["country", "name", "title", "email"]],
            hide_index=True,
            width="stretch",
            key="champions_focal_points",
            column_config={
                "country": "Country",
                "name": "Name",
                "title": "Title",
                "email": "E-mail",
            },
        )
    if can(user, "champion.edit"):
        render_edit_form(df, user, db=db, load_countries=load_countries)


def render_edit_form(df, user: User, *, db: str, load_countries) -> None:
    """Add a Champion or edit one: join date, source, capital time zone, status."""
    # Lazy: the countries, the time zones and the form are built only while the box is open.
    with st.expander("Add or edit a Champion", key="champions_edit_open", on_change="rerun") as box:
        if box.open:
            _edit_form(df, user, countries=load_countries(db))


def _edit_form(df, user: User, *, countries) -> None:
    """Pick a country (Champions first), then save its registry entry."""
    champion_codes = set(df["iso3"])  # built once: format_func runs for every option
    names = {
        code: name + (" (Champion)" if code in champion_codes else "")
        for code, name in zip(countries["iso3"], countries["country"], strict=True)
    }
    iso3 = st.selectbox(
        "Country",
        list(countries.sort_values(["is_champion", "country"], ascending=[False, True])["iso3"]),
        format_func=names.get,
        key="champions_edit_country",
    )
    current = df.set_index("iso3").loc[iso3] if iso3 in champion_codes else None
    zones = sorted(available_timezones())
    with st.form(f"champions_edit_form_{iso3}"):
        precision = st.selectbox(
            "Join date precision",
            list(PRECISIONS),
            index=list(PRECISIONS).index(current["joined_precision"]) if current is not None else 0,
            format_func=PRECISIONS.get,
            key=f"champions_edit_precision_{iso3}",
        )
        joined_on = st.date_input(
            "Join date (leave empty when unknown)",
            value=current["joined_on"]
            if current is not None and not _isna(current["joined_on"])
            else None,
            min_value=date(2018, 12, 1),
            key=f"champions_edit_joined_{iso3}",
        )
        source = st.text_input(
            "Source",
            value=current["source"] if current is not None else "",
            key=f"champions_edit_source_{iso3}",
        )
        tz = st.selectbox(
            "Capital time zone",
            zones,
            index=zones.index(current["capital_tz"]) if current is not None else zones.index("UTC"),
            key=f"champions_edit_tz_{iso3}",
        )
        status = st.selectbox(
            "Status",
            ["active", "inactive"],
            index=0 if current is None or current["status"] == "active" else 1,
            key=f"champions_edit_status_{iso3}",
        )
        notes = st.text_input(
            "Notes",
            value=(current["notes"] or "") if current is not None else "",
            key=f"champions_edit_notes_{iso3}",
        )
        submitted = st.form_submit_button("Save", key=f"champions_edit_save_{iso3}")
    if submitted:
        try:
            champion_in = champions.ChampionIn(
                iso3=iso3,
                joined_on=joined_on,
                joined_precision=precision,
                source=source,
                capital_tz=tz,
                status=status,
                notes=notes or None,
            )
            if current is None:
                champions.add_champion(connection(), actor=user, champion_in=champion_in)
            else:
                champions.update_champion(connection(), actor=user, champion_in=champion_in)
        except ValidationError as exc:
            st.error(md_text(f"{names[iso3]}: {champions.explain(exc)}"))
        except (ValueError, PermissionDenied) as exc:
            st.error(md_text(str(exc)))
        else:
            done(f"Saved {names[iso3]}.")


def done(message: str) -> None:
    """Clear cached results and rerun so every section shows the change; say what was saved."""
    after_write()
    st.session_state["champions_flash"] = message
    st.rerun()


def _isna(value) -> bool:
    return value is None or value != value  # NaT and NaN are not equal to themselves
