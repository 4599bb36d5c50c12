"""Pipeline: what each workstream will deliver, when, in which languages, and when Champions are consulted."""

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import audit, pipeline
from core import pipeline_consult as consult
from core import pipeline_io as pio
from core.events import EVENT_KINDS
from core.permissions import PermissionDenied, can
from ui.context import after_write, connection, db_key, demo_banner, guard

user = guard("pipeline")

FLASH = "pipeline_flash"
DUE_WINDOWS = {"Any time": None, "Next 30 days": 30, "Next 90 days": 90, "Next 180 days": 180}
FLAG_COLOURS = {
    "Overdue": "#c62828",
    "At risk": "#ef6c00",
    "On track": "#607d8b",
    "Done": "#2e7d32",
}
STAGE_COLOURS = [
    "#9e9e9e",
    "#5c6bc0",
    "#ffb300",
    "#8d6e63",
    "#26a69a",
    "#7e57c2",
    "#2e7d32",
    "#bdbdbd",
    "#424242",
]


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str, today: date) -> pd.DataFrame:
    return pipeline.list_products(connection(), today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_roadmap(db: str, product_ids: tuple[int, ...], today: date) -> pd.DataFrame:
    return pipeline.roadmap_rows(connection(), product_ids=product_ids, today=today)


@st.cache_data(ttl=60, show_spinner=False)
def load_opportunities(db: str, product_ids: tuple[int, ...]) -> pd.DataFrame:
    return consult.engagement_opportunities(connection(), product_ids=product_ids)


@st.cache_data(ttl=300, show_spinner=False)
def load_choices(db: str) -> tuple[list[str], pd.DataFrame]:
    con = connection()
    return pipeline.list_workstreams(con), consult.list_champion_choices(con)


@st.cache_data(ttl=60, show_spinner=False)
def load_detail(db: str, product_id: int) -> dict:
    con = connection()
    return {
        "languages": pipeline.list_languages(con, product_id=product_id),
        "history": pipeline.list_stage_history(con, product_id=product_id),
        "dates": pipeline.list_stage_dates(con, product_id=product_id),
        "links": pipeline.list_links(con, product_id=product_id),
        "consultations": consult.list_consultations(con, product_id=product_id),
        "feedback": consult.list_feedback(con, product_id=product_id),
        "product": pipeline.get_product(con, product_id=product_id),
    }


def may_edit(workstream_id: str) -> bool:
    return can(user, "product.edit", workstream_id=workstream_id)


def saved(message: str) -> None:
    """Clear cached results, remember the confirmation, and draw the page again."""
    after_write()
    st.session_state[FLASH] = message
    st.rerun()


def attempt(action, success: str) -> None:
    """Run a write; show the reason in the user's terms when it is refused."""
    try:
        result = action()
    except pio.ImportFailed as exc:
        st.error("Nothing was imported:\n\n" + "\n".join(f"- {e}" for e in exc.errors))
    except pipeline.BulkEditError as exc:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {e}" for e in exc.errors))
    except ValidationError as exc:
        st.error(pipeline._message(exc))
    except (ValueError, LookupError, PermissionDenied, pipeline.PipelineConflict) as exc:
        st.error(str(exc))
    else:
        saved(result if isinstance(result, str) else success)


def status_of(row) -> str:
    if row.stage in pipeline.DONE_STAGES:
        return "Done"
    return "Overdue" if row.overdue else "At risk" if row.at_risk else "On track"


def badges(row) -> str:
    out = []
    if row.overdue:
        out.append(":red-badge[Overdue]")
    if row.at_risk:
        out.append(":orange-badge[At risk]")
    if row.language_gap and row.stage not in pipeline.DONE_STAGES:
        out.append(f":gray-badge[Missing {row.language_gap.upper()}]")
    return " ".join(out)


def fmt_day(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


def render_filters(df: pd.DataFrame, workstreams: list[str]) -> pd.DataFrame:
    cols = st.columns([2, 3, 1.3, 1.6, 1.6], vertical_alignment="bottom")
    chosen_ws = cols[0].multiselect("Workstream", workstreams, key="pipeline_workstream_filter")
    chosen_stages = cols[1].multiselect(
        "Stage",
        pipeline.ALL_STAGES,
        format_func=pipeline.STAGE_LABELS.get,
        key="pipeline_stage_filter",
    )
    due = cols[2].selectbox("Launch due", list(DUE_WINDOWS), key="pipeline_due_filter")
    gap = cols[3].toggle("Missing a language", key="pipeline_gap_filter")
    flagged = cols[4].toggle(
        "Late or at risk", help="Overdue or at risk only", key="pipeline_flag_filter"
    )
    shown = pipeline.filter_products(
        df,
        workstreams=chosen_ws,
        stages=chosen_stages,
        language_gap=gap,
        due_within_days=DUE_WINDOWS[due],
        flagged_only=flagged,
    )
    st.caption(
        f"{len(shown)} of {len(df)} products · {int(shown['overdue'].sum())} overdue · "
        f"{int(shown['at_risk'].sum())} at risk (launch within {pipeline.AT_RISK_DAYS} days and "
        "a required language not ready)"
    )
    return shown


def render_board(df: pd.DataFrame) -> None:
    counts = pipeline.board_counts(df).set_index("stage")["products"]
    for stages in (pipeline.STAGES, pipeline.SIDE_STAGES):
        if stages is pipeline.SIDE_STAGES and not counts[stages].sum():
            continue
        columns = st.columns(len(pipeline.STAGES))
        for column, stage in zip(columns, stages, strict=False):
            with column:
                st.markdown(f"**{pipeline.STAGE_LABELS[stage]}** · {counts[stage]}")
                for row in df[df["stage"] == stage].itertuples():
                    with st.container(border=True):
                        st.markdown(f"**{row.title_en}**")
                        st.caption(
                            f"{row.workstream_id} · {row.kind} · launch {fmt_day(row.planned_launch)}"
                        )
                        if marks := badges(row):
                            st.markdown(marks)


def render_roadmap(df: pd.DataFrame, today: date) -> None:
    if df.empty:
        st.info("No product matches the filters.")
        return
    start, end = _range_input(today)
    bars = load_roadmap(db_key(), tuple(int(i) for i in df["product_id"]), today)
    labels = df.assign(
        product=[_label(r) for r in df.itertuples()], status=[status_of(r) for r in df.itertuples()]
    )[["product_id", "product", "status", "planned_launch", "actual_launch"]]
    order = list(labels["product"])
    bars = bars.merge(labels[["product_id", "product"]], on="product_id")
    bars["stage_label"] = bars["stage"].map(pipeline.STAGE_LABELS)
    scale_x = alt.Scale(domain=[pd.Timestamp(start).isoformat(), pd.Timestamp(end).isoformat()])
    y = alt.Y("product:N", sort=order, title=None, axis=alt.Axis(labelLimit=380))
    stage_colour = alt.Color(
        "stage_label:N",
        title="Stage",
        scale=alt.Scale(
            domain=[pipeline.STAGE_LABELS[s] for s in pipeline.ALL_STAGES], range=STAGE_COLOURS
        ),
    )
    bar_layer = (
        alt.Chart(bars)
        .mark_bar(clip=True, cornerRadius=2)
        .encode(
            x=alt.X("start:T", title="Date (UTC)", scale=scale_x),
            x2="end:T",
            y=y,
            yOffset=alt.YOffset("plan:N", sort=["Planned", "Actual"], title=None),
            color=stage_colour,
            opacity=alt.Opacity(
                "plan:N",
                scale=alt.Scale(domain=["Planned", "Actual"], range=[0.35, 1.0]),
                title="Bars",
            ),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("stage_label:N", title="Stage"),
                alt.Tooltip("plan:N", title="Planned or actual"),
                alt.Tooltip("start:T", title="From", format="%d %b %Y"),
                alt.Tooltip("end:T", title="To", format="%d %b %Y"),
            ],
        )
    )
    milestones = pd.concat(
        [
            labels.assign(day=labels["planned_launch"], milestone="Planned launch"),
            labels.assign(day=labels["actual_launch"], milestone="Actual launch"),
        ]
    ).dropna(subset=["day"])
    milestones["day"] = pd.to_datetime(milestones["day"])
    milestone_layer = (
        alt.Chart(milestones)
        .mark_point(size=140, filled=True, clip=True)
        .encode(
            x=alt.X("day:T", scale=scale_x),
            y=y,
            shape=alt.Shape(
                "milestone:N",
                scale=alt.Scale(
                    domain=["Planned launch", "Actual launch"], range=["diamond", "circle"]
                ),
                title="Milestone",
            ),
            fill=alt.Fill(
                "status:N",
                scale=alt.Scale(domain=list(FLAG_COLOURS), range=list(FLAG_COLOURS.values())),
                title="Status",
            ),
            stroke=alt.value("black"),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("milestone:N", title="Milestone"),
                alt.Tooltip("day:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
    )
    today_df = pd.DataFrame({"day": [pd.Timestamp(today)], "label": [f"Today (UTC) {today:%d %b}"]})
    today_rule = (
        alt.Chart(today_df)
        .mark_rule(color="#c62828", strokeDash=[4, 3])
        .encode(x=alt.X("day:T", scale=scale_x))
    )
    today_text = (
        alt.Chart(today_df)
        .mark_text(align="left", dx=4, dy=-6, color="#c62828", baseline="bottom")
        .encode(x=alt.X("day:T", scale=scale_x), y=alt.value(0), text="label:N")
    )
    chart = (
        alt.layer(bar_layer, milestone_layer, today_rule, today_text)
        .resolve_scale(color="independent")
        .properties(height=max(160, 46 * len(order)))
    )
    st.altair_chart(chart, width="stretch", key="pipeline_roadmap_chart")
    st.caption(
        "Pale bars are planned (baseline), solid bars actual; an actual stage still running ends "
        "today. Diamonds are planned launches, circles actual ones; red means overdue, orange at "
        "risk. Dates are calendar days; the today line is today in UTC."
    )
    table = labels.assign(
        product=df["title_en"].values,
        stage=df["stage_label"].values,
        planned_launch=labels["planned_launch"].map(fmt_day),
        actual_launch=labels["actual_launch"].map(fmt_day),
        why=df["flag_reason"].values,
    )[["product", "stage", "planned_launch", "actual_launch", "status", "why"]]
    table.columns = ["Product", "Stage", "Planned launch", "Actual launch", "Status", "Why"]
    st.table(table.set_index("Product"))


def _range_input(today: date) -> tuple[date, date]:
    picked = st.date_input(
        "Roadmap from / to",
        value=(today - timedelta(days=240), today + timedelta(days=300)),
        key="pipeline_roadmap_range",
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked
    return today - timedelta(days=240), today + timedelta(days=300)


def _label(row) -> str:
    title = row.title_en if len(row.title_en) <= 50 else row.title_en[:48] + "…"
    flag = "OVERDUE · " if row.overdue else "AT RISK · " if row.at_risk else ""
    return f"{flag}{title} · {pipeline.STAGE_LABELS[row.stage]}"


def render_list(
    df: pd.DataFrame, all_df: pd.DataFrame, workstreams: list[str], today: date
) -> None:
    view = df.assign(status=[status_of(r) for r in df.itertuples()])
    for lang in pipeline.LANGS:
        view[f"lang_{lang}"] = view[f"lang_{lang}"].map(pipeline.LANG_STATUS_LABELS)
    st.dataframe(
        view[
            [
                "title_en",
                "workstream_id",
                "kind",
                "lead_agencies",
                "stage_label",
                "workplan_status",
                "status",
                "planned_launch",
                "actual_launch",
                "lang_en",
                "lang_fr",
                "lang_es",
                "feedback",
            ]
        ],
        column_config={
            "title_en": "Title",
            "workstream_id": "Workstream",
            "kind": "Kind",
            "lead_agencies": "Lead agencies",
            "stage_label": "Stage",
            "workplan_status": "Workplan status",
            "status": "Flag",
            "planned_launch": st.column_config.DateColumn("Planned launch", format="D MMM YYYY"),
            "actual_launch": st.column_config.DateColumn("Actual launch", format="D MMM YYYY"),
            "lang_en": "EN",
            "lang_fr": "FR",
            "lang_es": "ES",
            "feedback": st.column_config.NumberColumn("Feedback", help="Feedback entries"),
        },
        hide_index=True,
        width="stretch",
        key="pipeline_table",
    )
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Download CSV",
        pio.to_csv_bytes(df),
        file_name=f"products-{today:%Y-%m-%d}.csv",
        mime="text/csv",
        key="pipeline_export_csv",
    )
    right.download_button(
        "Download Excel",
        pio.to_excel_bytes(df),
        file_name=f"products-{today:%Y-%m-%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="pipeline_export_xlsx",
    )
    mine = [ws for ws in workstreams if may_edit(ws)]
    if not mine:
        return
    render_bulk_edit(df[df["workstream_id"].isin(mine)])
    render_new_product(mine)
    render_import()


def render_bulk_edit(df: pd.DataFrame) -> None:
    st.subheader("Bulk edit")
    st.caption(
        "Only the products you may edit are listed. Saving is all-or-nothing: one refused change "
        "(for example launching without the required languages) saves none."
    )
    if df.empty:
        st.caption("No product you may edit matches the filters.")
        return
    frame = df.set_index("product_id")[
        ["title_en", "workstream_id", "stage", "planned_launch", "actual_launch"]
        + [f"lang_{lang}" for lang in pipeline.LANGS]
    ].copy()
    for column in ("planned_launch", "actual_launch"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    lang_column = {
        f"lang_{lang}": st.column_config.SelectboxColumn(
            lang.upper(),
            options=pipeline.LANG_STATUSES,
            format_func=pipeline.LANG_STATUS_LABELS.get,
            required=True,
        )
        for lang in pipeline.LANGS
    }
    edited = st.data_editor(
        frame,
        column_config={
            "title_en": st.column_config.TextColumn("Title", disabled=True),
            "workstream_id": st.column_config.TextColumn("Workstream", disabled=True),
            "stage": st.column_config.SelectboxColumn(
                "Stage",
                options=pipeline.ALL_STAGES,
                format_func=pipeline.STAGE_LABELS.get,
                required=True,
            ),
            "planned_launch": st.column_config.DateColumn("Planned launch", format="YYYY-MM-DD"),
            "actual_launch": st.column_config.DateColumn("Actual launch", format="YYYY-MM-DD"),
        }
        | lang_column,
        hide_index=True,
        width="stretch",
        key="pipeline_bulk_editor",
    )
    changes = _diff(frame, edited)
    if st.button(
        f"Save {len(changes)} changed product(s)" if changes else "No changes to save",
        disabled=not changes,
        type="primary",
        key="pipeline_bulk_save",
    ):
        titles = dict(zip(frame.index, frame["title_en"], strict=True))
        attempt(
            lambda: pipeline.bulk_update(connection(), actor=user, changes=changes, titles=titles),
            f"Saved changes to {len(changes)} product(s).",
        )


def _diff(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, dict]:
    changes: dict[int, dict] = {}
    for product_id in before.index:
        for column in pipeline.BULK_COLUMNS:
            old, new = before.at[product_id, column], after.at[product_id, column]
            if (pd.isna(old) and pd.isna(new)) or old == new:
                continue
            changes.setdefault(int(product_id), {})[column] = None if pd.isna(new) else new
    return changes


def render_new_product(workstreams: list[str]) -> None:
    with st.expander("Add a product"):
        with st.form("pipeline_new_form", clear_on_submit=False):
            a, b = st.columns(2)
            ws = a.selectbox("Workstream", workstreams, key="pipeline_new_workstream")
            kind = b.selectbox("Kind", pipeline.KINDS, key="pipeline_new_kind")
            title_en = st.text_input("Title (English)", key="pipeline_new_title_en")
            c, d = st.columns(2)
            title_fr = c.text_input("Title (French)", key="pipeline_new_title_fr")
            title_es = d.text_input("Title (Spanish)", key="pipeline_new_title_es")
            e, f, g = st.columns(3)
            leads = e.text_input("Lead agencies", key="pipeline_new_leads")
            stage = f.selectbox(
                "Stage",
                pipeline.ALL_STAGES,
                format_func=pipeline.STAGE_LABELS.get,
                key="pipeline_new_stage",
            )
            launch = g.date_input("Planned launch", value=None, key="pipeline_new_launch")
            required = st.multiselect(
                "Required languages (must be ready before launch)",
                pipeline.LANGS,
                default=pipeline.LANGS,
                format_func=pipeline.LANG_LABELS.get,
                key="pipeline_new_langs",
            )
            consult_needed = st.checkbox(
                "Needs Champion consultation", value=True, key="pipeline_new_consult"
            )
            if st.form_submit_button("Add product", key="pipeline_new_submit"):
                attempt(
                    lambda: pipeline.create_product(
                        connection(),
                        actor=user,
                        product_in=pipeline.ProductIn(
                            workstream_id=ws,
                            title_en=title_en,
                            title_fr=title_fr or None,
                            title_es=title_es or None,
                            kind=kind,
                            lead_agencies=leads or None,
                            stage=stage,
                            needs_consultation=consult_needed,
                            required_languages=required,
                            planned_launch=launch,
                        ),
                    ),
                    f"Added “{title_en}”.",
                )


def render_import() -> None:
    with st.expander("Import from CSV"):
        st.caption(
            "Same columns as the CSV download. A row without product_id creates a product; a row "
            "with one updates it. All-or-nothing: any problem (named by row and column) imports "
            "nothing. Stages and language statuses may be written as codes or labels; dates as "
            "YYYY-MM-DD."
        )
        upload = st.file_uploader("CSV file", type=["csv"], key="pipeline_import_file")
        if st.button("Import", disabled=upload is None, key="pipeline_import_submit"):
            data = upload.getvalue()

            def run():
                result = pio.import_products_csv(connection(), actor=user, data=data)
                return (
                    f"Imported: {len(result.created)} product(s) created, "
                    f"{len(result.updated)} updated."
                )

            attempt(run, "Import done.")


def render_detail(all_df: pd.DataFrame, champions: pd.DataFrame) -> None:
    titles = dict(zip(all_df["product_id"], all_df["title_en"], strict=True))
    product_id = st.selectbox(
        "Product", list(titles), format_func=titles.get, key="pipeline_product"
    )
    if product_id is None:
        return
    row = next(all_df[all_df["product_id"] == product_id].itertuples())
    detail = load_detail(db_key(), int(product_id))
    product = detail["product"]
    st.subheader(row.title_en)
    other_titles = [f"FR: {t}" for t in [row.title_fr] if isinstance(t, str)] + [
        f"ES: {t}" for t in [row.title_es] if isinstance(t, str)
    ]
    if other_titles:
        st.caption(" · ".join(other_titles))
    st.markdown(
        f"**{pipeline.STAGE_LABELS[row.stage]}** ({row.workplan_status}) · {row.workstream_id} · "
        f"{row.kind} · lead: {row.lead_agencies or '—'} · planned launch "
        f"{fmt_day(row.planned_launch)} · actual launch {fmt_day(row.actual_launch)} " + badges(row)
    )
    if row.flag_reason:
        st.caption(f"Why flagged: {row.flag_reason}.")
    if product and isinstance(product.get("description"), str):
        st.caption(product["description"])
    left, right = st.columns(2)
    with left:
        st.markdown("**Languages**")
        required = pipeline.parse_languages(row.required_languages)
        st.table(
            pd.DataFrame(
                {
                    "Language": [pipeline.LANG_LABELS[lang] for lang in pipeline.LANGS],
                    "Required for launch": [
                        "yes" if lang in required else "no" for lang in pipeline.LANGS
                    ],
                    "Status": [
                        pipeline.LANG_STATUS_LABELS.get(detail["languages"].get(lang), "—")
                        for lang in pipeline.LANGS
                    ],
                }
            ).set_index("Language")
        )
        st.markdown("**Stage history** (times in UTC)")
        if detail["history"].empty:
            st.caption("No stage change recorded in the dashboard yet.")
        history = detail["history"].assign(
            from_stage=lambda h: h["from_stage"].map(pipeline.STAGE_LABELS).fillna("(created)"),
            to_stage=lambda h: h["to_stage"].map(pipeline.STAGE_LABELS),
        )
        st.dataframe(
            history,
            column_config={
                "changed_at_utc": st.column_config.DatetimeColumn(
                    "When (UTC)", format="D MMM YYYY HH:mm"
                ),
                "changed_by": "Who",
                "from_stage": "From",
                "to_stage": "To",
            },
            hide_index=True,
            width="stretch",
            key="pipeline_history_table",
        )
    with right:
        st.markdown("**Planned vs actual dates per stage**")
        dates = detail["dates"].assign(stage=lambda d: d["stage"].map(pipeline.STAGE_LABELS))
        st.dataframe(
            dates,
            column_config={
                "stage": "Stage",
                "planned_start": "Planned start",
                "planned_end": "Planned end",
                "actual_start": "Actual start",
                "actual_end": "Actual end",
            },
            hide_index=True,
            width="stretch",
            key="pipeline_dates_table",
        )
        st.markdown("**Documents**")
        if detail["links"].empty:
            st.caption("No document linked yet.")
        for link in detail["links"].itertuples():
            lang = f" ({link.lang.upper()})" if isinstance(link.lang, str) else ""
            st.markdown(f"- [{link.label}]({link.url}){lang}")
    render_consultation(row, detail)
    if may_edit(row.workstream_id):
        render_product_forms(row, detail, champions)
    elif can(user, "feedback.add", workstream_id=row.workstream_id):
        render_feedback_form(row, champions)


def render_consultation(row, detail: dict) -> None:
    st.markdown("**Champion consultation**")
    windows = detail["consultations"]
    if windows.empty:
        st.caption("No consultation window recorded.")
    else:
        st.dataframe(
            windows.assign(channel=windows["channel"].map(consult.FEEDBACK_CHANNELS)),
            column_config={
                "consultation_id": None,
                "opens_on": st.column_config.DateColumn("Opens", format="D MMM YYYY"),
                "closes_on": st.column_config.DateColumn("Closes", format="D MMM YYYY"),
                "channel": "Channel",
                "note": "Note",
                "invited": "Champions asked",
                "champions": "Who was asked",
            },
            hide_index=True,
            width="stretch",
            key="pipeline_consultations_table",
        )
    feedback = detail["feedback"]
    st.markdown(f"**Feedback received** · {len(feedback)}")
    if not feedback.empty:
        st.dataframe(
            feedback.assign(
                channel=feedback["channel"].map(consult.FEEDBACK_CHANNELS),
                lang=feedback["lang"].str.upper(),
            ),
            column_config={
                "feedback_id": None,
                "is_demo": None,
                "received_on": st.column_config.DateColumn("Received", format="D MMM YYYY"),
                "champion": "Champion",
                "lang": "Language",
                "channel": "Channel",
                "summary": "Summary",
            },
            hide_index=True,
            width="stretch",
            key="pipeline_feedback_table",
        )
    chances = load_opportunities(db_key(), (int(row.product_id),))
    if not chances.empty:
        st.markdown("**Engagement opportunities** (upcoming Champion events in or near the window)")
        render_opportunity_table(chances, key="pipeline_product_opportunities")


def render_product_forms(row, detail: dict, champions: pd.DataFrame) -> None:
    st.markdown("**Edit this product**")
    move, langs, details, dates, window, feedback, link = st.tabs(
        ["Move stage", "Languages", "Details", "Stage dates", "Consultation", "Feedback", "Link"],
        key="pipeline_edit_tabs",
    )
    product_id = int(row.product_id)
    with move, st.form("pipeline_move_form"):
        targets = [s for s in pipeline.ALL_STAGES if s != row.stage]
        to_stage = st.selectbox(
            f"Move from {pipeline.STAGE_LABELS[row.stage]} to",
            targets,
            format_func=pipeline.STAGE_LABELS.get,
            key="pipeline_move_stage",
        )
        st.caption("Recorded in the stage history with your name and the time (UTC).")
        if st.form_submit_button("Move", type="primary", key="pipeline_move_submit"):
            attempt(
                lambda: pipeline.move_stage(
                    connection(),
                    actor=user,
                    product_id=product_id,
                    to_stage=to_stage,
                    expected_stage=row.stage,
                ),
                f"Moved to {pipeline.STAGE_LABELS[to_stage]}.",
            )
    with langs, st.form("pipeline_lang_form"):
        cols = st.columns(3)
        chosen = {
            lang: cols[i].selectbox(
                pipeline.LANG_LABELS[lang],
                pipeline.LANG_STATUSES,
                index=pipeline.LANG_STATUSES.index(detail["languages"].get(lang, "not_started")),
                format_func=pipeline.LANG_STATUS_LABELS.get,
                key=f"pipeline_lang_{lang}",
            )
            for i, lang in enumerate(pipeline.LANGS)
        }
        if st.form_submit_button("Save languages", key="pipeline_lang_submit"):
            changed = {f"lang_{k}": v for k, v in chosen.items() if detail["languages"].get(k) != v}
            attempt(
                lambda: pipeline.bulk_update(
                    connection(), actor=user, changes={product_id: changed} if changed else {}
                ),
                "Languages saved.",
            )
    with details:
        render_details_form(row, detail)
    with dates:
        render_dates_form(product_id, detail)
    with window:
        render_consultation_form(product_id, champions)
    with feedback:
        render_feedback_form(row, champions)
    with link, st.form("pipeline_link_form", clear_on_submit=True):
        label = st.text_input("Label", key="pipeline_link_label")
        url = st.text_input("Address (https://...)", key="pipeline_link_url")
        lang = st.selectbox(
            "Language",
            [None, *pipeline.LANGS],
            format_func=lambda v: v or "—",
            key="pipeline_link_lang",
        )
        if st.form_submit_button("Add link", key="pipeline_link_submit"):
            attempt(
                lambda: pipeline.add_link(
                    connection(),
                    actor=user,
                    product_id=product_id,
                    link_in=pipeline.LinkIn(label=label, url=url, lang=lang),
                ),
                "Link added.",
            )


def render_details_form(row, detail: dict) -> None:
    product = detail["product"] or {}
    with st.form("pipeline_details_form"):
        title_en = st.text_input(
            "Title (English)", value=row.title_en, key="pipeline_edit_title_en"
        )
        a, b = st.columns(2)
        title_fr = a.text_input(
            "Title (French)", value=product.get("title_fr") or "", key="pipeline_edit_title_fr"
        )
        title_es = b.text_input(
            "Title (Spanish)", value=product.get("title_es") or "", key="pipeline_edit_title_es"
        )
        c, d, e = st.columns(3)
        kind = c.text_input("Kind", value=row.kind, key="pipeline_edit_kind")
        leads = d.text_input(
            "Lead agencies", value=row.lead_agencies or "", key="pipeline_edit_leads"
        )
        launch = e.date_input(
            "Planned launch", value=row.planned_launch, key="pipeline_edit_launch"
        )
        required = st.multiselect(
            "Required languages (must be ready before launch)",
            pipeline.LANGS,
            default=pipeline.parse_languages(row.required_languages),
            format_func=pipeline.LANG_LABELS.get,
            key="pipeline_edit_langs",
        )
        needs = st.checkbox(
            "Needs Champion consultation",
            value=bool(row.needs_consultation),
            key="pipeline_edit_consult",
        )
        description = st.text_area(
            "Description", value=product.get("description") or "", key="pipeline_edit_description"
        )
        if st.form_submit_button("Save details", key="pipeline_edit_submit"):
            attempt(
                lambda: pipeline.update_product(
                    connection(),
                    actor=user,
                    product_id=int(row.product_id),
                    product_in=pipeline.ProductIn(
                        workstream_id=row.workstream_id,
                        title_en=title_en,
                        title_fr=title_fr or None,
                        title_es=title_es or None,
                        kind=kind,
                        lead_agencies=leads or None,
                        stage=row.stage,
                        needs_consultation=needs,
                        required_languages=required,
                        planned_launch=launch,
                        actual_launch=row.actual_launch,
                        description=description or None,
                    ),
                ),
                "Details saved.",
            )


def render_dates_form(product_id: int, detail: dict) -> None:
    frame = detail["dates"].set_index("stage")
    edited = st.data_editor(
        frame,
        column_config={
            "stage": "Stage",
            "planned_start": st.column_config.DateColumn("Planned start", format="YYYY-MM-DD"),
            "planned_end": st.column_config.DateColumn("Planned end", format="YYYY-MM-DD"),
            "actual_start": st.column_config.DateColumn("Actual start", format="YYYY-MM-DD"),
            "actual_end": st.column_config.DateColumn("Actual end", format="YYYY-MM-DD"),
        },
        width="stretch",
        key="pipeline_dates_editor",
    )
    if st.button("Save stage dates", key="pipeline_dates_submit"):

        def run():
            rows = [
                pipeline.StageDatesIn(
                    stage=stage,
                    **{c: None if pd.isna(v) else v for c, v in values.items()},
                )
                for stage, values in edited.to_dict("index").items()
            ]
            pipeline.set_stage_dates(connection(), actor=user, product_id=product_id, rows=rows)

        attempt(run, "Stage dates saved.")


def render_consultation_form(product_id: int, champions: pd.DataFrame) -> None:
    names = dict(zip(champions["m49"], champions["country"], strict=True))
    opens_default, closes_default = consult.default_window(date.today())
    with st.form("pipeline_consult_form"):
        a, b, c = st.columns(3)
        opens = a.date_input("Opens", value=opens_default, key="pipeline_consult_opens")
        closes = b.date_input("Closes", value=closes_default, key="pipeline_consult_closes")
        channel = c.selectbox(
            "Channel",
            list(consult.FEEDBACK_CHANNELS),
            format_func=consult.FEEDBACK_CHANNELS.get,
            key="pipeline_consult_channel",
        )
        asked = st.multiselect(
            "Champions asked", list(names), format_func=names.get, key="pipeline_consult_m49s"
        )
        note = st.text_input("Note", key="pipeline_consult_note")
        override = st.checkbox(
            "Ask them even if it puts a Champion over the monthly request cap",
            key="pipeline_consult_override",
        )
        if st.form_submit_button("Open consultation window", key="pipeline_consult_submit"):
            warnings = consult.load_warnings(connection(), m49s=asked, month=opens)
            for warning in warnings:
                st.warning(warning)
            if warnings and not override:
                st.info("Nothing saved: tick the box above to ask them anyway, or ask others.")
                return
            attempt(
                lambda: consult.add_consultation(
                    connection(),
                    actor=user,
                    product_id=product_id,
                    consultation_in=consult.ConsultationIn(
                        opens_on=opens,
                        closes_on=closes,
                        channel=channel,
                        note=note or None,
                        m49s=asked,
                    ),
                ),
                f"Consultation window opened; {len(asked)} Champion(s) asked.",
            )


def render_feedback_form(row, champions: pd.DataFrame) -> None:
    names = dict(zip(champions["m49"], champions["country"], strict=True))
    with st.form("pipeline_feedback_form", clear_on_submit=True):
        a, b, c, d = st.columns(4)
        m49 = a.selectbox("Champion", list(names), format_func=names.get, key="pipeline_fb_m49")
        received = b.date_input("Received on", value=date.today(), key="pipeline_fb_date")
        lang = c.selectbox(
            "Language", pipeline.LANGS, format_func=pipeline.LANG_LABELS.get, key="pipeline_fb_lang"
        )
        channel = d.selectbox(
            "Channel",
            list(consult.FEEDBACK_CHANNELS),
            format_func=consult.FEEDBACK_CHANNELS.get,
            key="pipeline_fb_channel",
        )
        summary = st.text_area("Summary", key="pipeline_fb_summary")
        st.caption("Recorded feedback also appears in the Champion engagement log.")
        if st.form_submit_button("Record feedback", key="pipeline_fb_submit"):
            attempt(
                lambda: consult.add_feedback(
                    connection(),
                    actor=user,
                    product_id=int(row.product_id),
                    feedback_in=consult.FeedbackIn(
                        m49=m49,
                        received_on=received,
                        lang=lang,
                        channel=channel,
                        summary=summary or None,
                    ),
                ),
                f"Feedback from {names.get(m49)} recorded.",
            )


def render_opportunity_table(chances: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        chances.assign(
            window=chances["opens_on"].map(fmt_day) + " – " + chances["closes_on"].map(fmt_day),
            kind=chances["kind"].map(EVENT_KINDS),
        ),
        column_order=[
            "title_en",
            "workstream_id",
            "window",
            "basis",
            "event_title",
            "kind",
            "starts_utc",
            "starts_local",
            "where",
        ],
        column_config={
            "title_en": "Product",
            "workstream_id": "Workstream",
            "window": "Consultation window",
            "basis": st.column_config.TextColumn(
                "Window is", help="recorded, or planned stage dates"
            ),
            "event_title": "Event",
            "kind": "Kind",
            "starts_utc": st.column_config.DatetimeColumn(
                "Starts (UTC)", format="D MMM YYYY HH:mm"
            ),
            "starts_local": "Starts (event's zone)",
            "where": "In or near the window",
        },
        hide_index=True,
        width="stretch",
        key=key,
    )


def render_opportunities(df: pd.DataFrame) -> None:
    st.caption(
        "Upcoming Champions meetings, technical meetings and webinars (Champion or open audience) "
        f"inside a product's consultation window or within {consult.NEAR_DAYS} days of it, for "
        "products that need consultation and are not launched, cancelled or on hold. A window is "
        "the recorded consultation, else the planned dates of the consultation stage."
    )
    chances = load_opportunities(db_key(), tuple(int(i) for i in df["product_id"]))
    if chances.empty:
        st.info("No upcoming Champion event falls in or near a consultation window.")
        return
    render_opportunity_table(chances, key="pipeline_opportunities_table")


# Page ---------------------------------------------------------------------------------------

st.title("Working Group product pipeline")
demo_banner()
if message := st.session_state.pop(FLASH, None):
    st.success(message)
today = audit.utcnow().date()
products = load_products(db_key(), today)
workstream_ids, champion_choices = load_choices(db_key())
shown = render_filters(products, workstream_ids)
board, roadmap, listing, detail_tab, opportunities = st.tabs(
    ["Board", "Roadmap", "List", "Product", "Engagement opportunities"], key="pipeline_tabs"
)
with board:
    render_board(shown)
with roadmap:
    render_roadmap(shown, today)
with listing:
    render_list(shown, products, workstream_ids, today)
with detail_tab:
    render_detail(products, champion_choices)
with opportunities:
    render_opportunities(shown)
