"""Pipeline list forms: bulk edit, new product, CSV import, and the write helper they share."""

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import objectives, pipeline
from core import pipeline_io as pio
from core.permissions import PermissionDenied, User, can
from core.store import WriteConflict
from ui.context import after_write, connection
from ui.objectives import objective_picker
from ui.safe import md_text
from ui.widgets import field_errors

FLASH = "pipeline_flash"
TAB_KEY = "pipeline_tab"  # the view tabs, also the URL parameter (?pipeline_tab=Roadmap)
PRODUCT_KEY = "pipeline_product"
# Product fields as the forms name them, for validation messages.
FIELD_LABELS = {
    "workstream_id": "Workstream",
    "title_en": "Title (English)",
    "title_fr": "Title (French)",
    "title_es": "Title (Spanish)",
    "kind": "Kind",
    "lead_agencies": "Lead agencies",
    "planned_launch": "Planned launch",
    "url": "Address",
    "label": "Label",
}


def open_product(product_id: int) -> None:
    """Show one product in the Product view (a board card's title was clicked)."""
    st.session_state[PRODUCT_KEY] = product_id
    st.session_state[TAB_KEY] = "Product"


def may_edit(user: User, workstream_id: str) -> bool:
    """Say whether the user may edit products of this workstream."""
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
        st.error("Nothing was imported:\n\n" + "\n".join(f"- {md_text(e)}" for e in exc.errors))
    except pipeline.BulkEditError as exc:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {md_text(e)}" for e in exc.errors))
    except ValidationError as exc:
        st.error(field_errors(exc, FIELD_LABELS))
    except (
        ValueError,
        LookupError,
        PermissionDenied,
        pipeline.PipelineConflict,
        WriteConflict,
    ) as exc:
        st.error(md_text(str(exc)))
    else:
        saved(result if isinstance(result, str) else success)


def render_bulk_edit(df: pd.DataFrame, user: User) -> None:
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


def render_new_product(workstreams: list[str], user: User) -> None:
    with st.expander("Add a product", key="pipeline_add_open", on_change="rerun") as box:
        if not box.open:
            return
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
            tags = objective_picker("GCM objectives (optional)", key="pipeline_new_objectives")
            if st.form_submit_button("Add product", key="pipeline_new_submit"):
                attempt(
                    lambda: _tagged(
                        user,
                        tags,
                        pipeline.create_product(
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
                    ),
                    f"Added “{title_en}”.",
                )


def _tagged(user: User, tags: list[int], product_id: int) -> int:
    """Tag a product just added (the same right as adding it, checked again in core)."""
    if tags:
        objectives.set_objectives(
            connection(), actor=user, kind="product", row_id=product_id, objectives=tags
        )
    return product_id


def render_import(user: User) -> None:
    with st.expander("Import from CSV", key="pipeline_import_open", on_change="rerun") as box:
        if not box.open:
            return
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
