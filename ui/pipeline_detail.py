"""Pipeline product tab: one product's languages, stages, documents, consultation and forms."""

import pandas as pd
import streamlit as st

from core import pipeline
from core import pipeline_consult as consult
from core.permissions import User, can
from ui.pipeline_board import badges, fmt_day, render_opportunity_table
from ui.pipeline_edit import render_feedback_form, render_product_forms
from ui.pipeline_forms import may_edit
from ui.safe import md_link, md_text


def render_detail(
    all_df: pd.DataFrame,
    champions: pd.DataFrame,
    user: User,
    *,
    db: str,
    load_detail,
    load_opportunities,
) -> None:
    """Show one chosen product in full, then the forms the user may use on it."""
    titles = dict(zip(all_df["product_id"], all_df["title_en"], strict=True))
    product_id = st.selectbox(
        "Product", list(titles), format_func=titles.get, key="pipeline_product"
    )
    if product_id is None:
        return
    row = next(all_df[all_df["product_id"] == product_id].itertuples())
    detail = load_detail(db, int(product_id))
    product = detail["product"]
    st.subheader(md_text(row.title_en))
    other_titles = [f"French: {md_text(t)}" for t in [row.title_fr] if isinstance(t, str)] + [
        f"Spanish: {md_text(t)}" for t in [row.title_es] if isinstance(t, str)
    ]
    if other_titles:
        st.caption(" · ".join(other_titles))
    st.markdown(
        f"**{pipeline.STAGE_LABELS[row.stage]}** ({md_text(row.workplan_status)}) · "
        f"{md_text(row.workstream_id)} · {md_text(row.kind)} · "
        f"lead: {md_text(row.lead_agencies) or '—'} · planned launch "
        f"{fmt_day(row.planned_launch)} · actual launch {fmt_day(row.actual_launch)} " + badges(row)
    )
    if row.flag_reason:
        st.caption(f"Why flagged: {md_text(row.flag_reason)}.")
    if product and isinstance(product.get("description"), str):
        st.caption(md_text(product["description"], multiline=True))
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
            lang = f" ({pipeline.LANG_LABELS.get(link.lang, md_text(link.lang))})"
            # A link only for an http(s) address; anything else shows as its label's text.
            st.markdown(
                f"- {md_link(link.label, link.url)}" + (lang if isinstance(link.lang, str) else "")
            )
    render_consultation(row, detail, db=db, load_opportunities=load_opportunities)
    if may_edit(user, row.workstream_id):
        render_product_forms(row, detail, champions, user)
    elif can(user, "feedback.add", workstream_id=row.workstream_id):
        render_feedback_form(row, champions, user)


def render_consultation(row, detail: dict, *, db: str, load_opportunities) -> None:
    """Show the product's consultation windows, feedback and nearby Champion events."""
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
    chances = load_opportunities(db, (int(row.product_id),))
    if not chances.empty:
        st.markdown("**Engagement opportunities** (upcoming Champion events in or near the window)")
        render_opportunity_table(chances, key="pipeline_product_opportunities")
