"""Pipeline edit tabs for one product: stage, languages, details, dates, consultation, feedback, links."""

from datetime import date

import pandas as pd
import streamlit as st

from core import pipeline
from core import pipeline_consult as consult
from core.permissions import User
from ui.context import connection
from ui.objectives import render_product_objectives
from ui.pipeline_forms import attempt
from ui.safe import md_text
from ui.widgets import lazy_tabs


def render_product_forms(row, detail: dict, champions: pd.DataFrame, user: User) -> None:
    st.markdown("**Edit this product**")
    product_id = int(row.product_id)
    forms = {
        "Move stage": lambda: render_move_form(row, user),
        "Languages": lambda: render_languages_form(row, detail, user),
        "Details": lambda: render_details_form(row, detail, user),
        "Stage dates": lambda: render_dates_form(product_id, detail, user),
        "Consultation": lambda: render_consultation_form(product_id, champions, user),
        "Feedback": lambda: render_feedback_form(row, champions, user),
        "Link": lambda: render_link_form(product_id, user),
        "GCM objectives": lambda: render_product_objectives(user, product_id),
    }
    lazy_tabs(forms, key="pipeline_edit_tabs", in_url=False)  # only the open tab's form runs


def next_stage(stage: str) -> str | None:
    """Return the stage after this one on the main path, or None (last or a side stage)."""
    if stage not in pipeline.STAGES or stage == pipeline.STAGES[-1]:
        return None
    return pipeline.STAGES[pipeline.STAGES.index(stage) + 1]


def render_move_form(row, user: User) -> None:
    """Advance to the next stage in one click; any other move is a separate, explicit choice."""
    product_id = int(row.product_id)
    current = pipeline.STAGE_LABELS[row.stage]

    def move(to_stage: str) -> None:
        attempt(
            lambda: pipeline.move_stage(
                connection(),
                actor=user,
                product_id=product_id,
                to_stage=to_stage,
                expected_stage=row.stage,
            ),
            f"Moved from {current} to {pipeline.STAGE_LABELS[to_stage]}.",
        )

    st.markdown(f"Now in **{current}**.")
    if (ahead := next_stage(row.stage)) is not None and st.button(
        f"Advance to {pipeline.STAGE_LABELS[ahead]}", type="primary", key="pipeline_advance"
    ):
        move(ahead)
    with st.form("pipeline_move_form"):
        # No stage is chosen beforehand: a product goes back (or on hold) only on purpose.
        targets = [s for s in pipeline.ALL_STAGES if s not in (row.stage, ahead)]
        to_stage = st.selectbox(
            "Or move it to another stage (back, further on, on hold, cancelled)",
            targets,
            index=None,
            placeholder="Choose a stage",
            format_func=lambda s: _move_label(row.stage, s),
            key="pipeline_move_stage",
        )
        st.caption("Recorded in the stage history with your name and the time (UTC).")
        if st.form_submit_button("Move to the chosen stage", key="pipeline_move_submit"):
            if to_stage is None:
                st.error("Choose the stage to move it to.")
            else:
                move(to_stage)


def _move_label(current: str, stage: str) -> str:
    label = pipeline.STAGE_LABELS[stage]
    if current in pipeline.STAGES and stage in pipeline.STAGES:
        if pipeline.STAGES.index(stage) < pipeline.STAGES.index(current):
            return f"{label} (back)"
    return label


def render_languages_form(row, detail: dict, user: User) -> None:
    product_id = int(row.product_id)
    with st.form("pipeline_lang_form"):
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


def render_link_form(product_id: int, user: User) -> None:
    with st.form("pipeline_link_form", clear_on_submit=True):
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


def render_details_form(row, detail: dict, user: User) -> None:
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


def render_dates_form(product_id: int, detail: dict, user: User) -> None:
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


def render_consultation_form(product_id: int, champions: pd.DataFrame, user: User) -> None:
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
                st.warning(md_text(warning))
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


def render_feedback_form(row, champions: pd.DataFrame, user: User) -> None:
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
