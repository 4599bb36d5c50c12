"""The planning brief: a one- or two-page PDF of the Overview for an EC planning meeting.

Built from the same core functions the Overview page calls, for the user passed in (a viewer's
brief holds what a viewer may see: no join details, no participant names, no engagements).
Charts are Altair specs drawn to SVG by vl-convert (no browser); the page is laid out by Typst
(the `typst` package: one wheel with its compiler and fonts, no system libraries). The data
reaches Typst as JSON through `sys.inputs` and is shown as text, never read as markup.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
from pydantic import BaseModel

from core import champions, engagement, geo, objectives, overview, pipeline
from core.permissions import ROLE_LABELS, User
from core.store import Db
from core.store import objectives as objective_store
from core.store import overview as overview_store
from core.timezones import label_pair, zone

NEXT_DAYS = 90
NOT_ENGAGED_DAYS = 90  # as on the Overview page
MAX_EVENTS = 14
MAX_PRODUCTS = 10
# The Overview's headline figures, with the labels the page shows.
KPI_LABELS = {
    "champions": "Active Champions",
    "events_year": "Events this year",
    "events_30": "Upcoming (30 days)",
    "products_open": "Products in progress",
    "products_late": "Products late",
}


class BriefRequest(BaseModel):
    """What a brief is made for: the day it describes, the zone of its times, who reads it."""

    today: date
    zone: str = "Europe/Zurich"
    user: User


def _events(con: Db, req: BriefRequest) -> tuple[list[dict], int]:
    now = datetime.combine(req.today, datetime.min.time())
    df = overview_store.list_next_events(con, now=now, limit=1000)
    df = df[pd.to_datetime(df["starts_utc"]) < now + timedelta(days=NEXT_DAYS)]
    rows = [
        {
            "when": (
                f"{pd.Timestamp(r.starts_utc):%a %d %b} (all day)"
                if r.all_day
                else label_pair(
                    pd.Timestamp(r.starts_utc).to_pydatetime(), r.tz, req.zone, with_date=True
                )
            ),
            "title": r.title,
            "kind": overview.EVENT_KINDS.get(r.kind, r.kind),
        }
        for r in df.itertuples(index=False)
    ]
    return rows[:MAX_EVENTS], max(0, len(rows) - MAX_EVENTS)


def _late_products(con: Db, req: BriefRequest) -> tuple[list[dict], int]:
    df = pipeline.list_products(con, today=req.today)
    late = df[df["overdue"] | df["at_risk"]]
    rows = [
        {
            "product": r.title_en,
            "workstream": r.workstream_id,
            "stage": r.stage_label,
            "launch": "" if r.planned_launch is None else f"{r.planned_launch:%d %b %Y}",
            "why": r.flag_reason or "",
        }
        for r in late.itertuples(index=False)
    ]
    return rows[:MAX_PRODUCTS], max(0, len(rows) - MAX_PRODUCTS)


def _gaps(con: Db) -> list[dict]:
    names = dict(champions.list_groupings(con)[["grouping_id", "name"]].itertuples(index=False))
    return [
        {"grouping": names[g], "sentences": champions.gap_sentences(champions.balance(con, g))}
        for g in ("m49_region", "unds")
        if g in names
    ]


def map_chart(marks: pd.DataFrame):
    """A small world map of the Champions (Altair, equal-earth projection)."""
    countries = alt.Data(
        values=geo.world_topojson(), format=alt.DataFormat(type="topojson", feature="countries")
    )
    base = (
        alt.Chart(countries)
        .mark_geoshape(fill="#e4e4e4", stroke="white", strokeWidth=0.3)
        .transform_filter("datum.id != '010'")
    )
    layer = (
        alt.Chart(countries)
        .mark_geoshape(fill="#1a5fa8", stroke="white", strokeWidth=0.3)
        .transform_lookup(
            lookup="id", from_=alt.LookupData(data=marks, key="id", fields=["country"])
        )
        .transform_filter("isValid(datum.country)")
    )
    return (base + layer).project("equalEarth").properties(width=420, height=210)


def coverage_strip(long: pd.DataFrame):
    """Objectives 1-23 (columns) x measures (rows), counts in the cells: the brief's heatmap."""
    base = alt.Chart(long).encode(
        x=alt.X("objective:O", title="GCM objective", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("measure:N", title=None, sort=list(objectives.COVERAGE_MEASURES.values())),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("count:Q", legend=None, scale=alt.Scale(scheme="blues", domainMin=0))
    )
    dark = max(1, int(long["count"].max() if len(long) else 0)) / 2
    text = base.mark_text(fontSize=9).encode(
        text="count:Q",
        color=alt.condition(alt.datum.count > dark, alt.value("white"), alt.value("#1a1a1a")),
    )
    return (cells + text).properties(width=460, height=22 * long["measure"].nunique())


def svg(chart) -> str:
    """Draw an Altair chart to SVG, server-side."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())


def brief_data(con: Db, req: BriefRequest) -> dict:
    """Everything the brief shows, as plain JSON-ready values (and the two charts as SVG)."""
    zone(req.zone)  # refuses an unknown zone with a plain message
    user = req.user
    with_champions = objectives.shows_champions(user)
    events, more_events = _events(con, req)
    late, more_late = _late_products(con, req)
    marks = geo.map_countries(con)
    marks = marks[marks["status"] == geo.CHAMPION][["id", "country"]]
    rows = objectives.coverage_rows(con, user=user, filters=objectives.CoverageFilters())
    long = objectives.coverage_long(objectives.coverage_table(rows), with_champions=with_champions)
    gaps = objectives.uncovered(con, today=req.today, user=user)
    kpis = overview.overview_kpis(con, today=req.today)
    data = {
        "title": "Champions action plan: planning brief",
        "made": f"{req.today:%d %B %Y}",
        "filters": (
            f"Made for {req.today:%d %B %Y}; times in {req.zone}; all workstreams and regions;"
            f" as seen by the role {ROLE_LABELS[user.role]}"
        ),
        "demo": objective_store.count_demo_rows(con) > 0,
        "kpis": [{"label": KPI_LABELS[k], "value": str(kpis[k])} for k in KPI_LABELS],
        "events_heading": f"Next {NEXT_DAYS} days of events (times in {req.zone})",
        "events": events,
        "more_events": more_events,
        "late": late,
        "more_late": more_late,
        "gaps": _gaps(con),
        "champion_count": str(len(marks)),
        "coverage_sentence": objectives.uncovered_sentence(gaps, with_champions=with_champions),
        "not_engaged": None,
    }
    if with_champions:
        quiet = engagement.not_engaged(con, days=NOT_ENGAGED_DAYS, today=req.today)
        data["not_engaged"] = {
            "heading": f"Champions not engaged in {NOT_ENGAGED_DAYS} days",
            "text": ", ".join(quiet["country"])
            if not quiet.empty
            else f"Every Champion was engaged in the last {NOT_ENGAGED_DAYS} days.",
        }
    data["map_svg"] = svg(map_chart(marks))
    data["coverage_svg"] = svg(coverage_strip(long))
    return data


TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#set document(title: d.title)
#set text(font: "Libertinus Serif", size: 9pt, lang: "en")
#set page(
  paper: "a4",
  margin: (x: 1.5cm, top: 2.3cm, bottom: 1.6cm),
  header: [
    #set text(size: 8pt, fill: rgb("#444444"))
    #strong(d.title) #h(1fr) #d.made \
    #d.filters
    #if d.demo [ \ #text(fill: rgb("#b00020"), strong("Demo data: rows marked (demo) are generated, not real plans")) ]
    #line(length: 100%, stroke: 0.4pt + rgb("#999999"))
  ],
  footer: context [
    #set text(size: 7.5pt, fill: rgb("#666666"))
    UN Network on Migration, Champions action-plan dashboard #h(1fr)
    Page #counter(page).display() of #counter(page).final().first()
  ],
)
#show heading: set text(size: 11pt, fill: rgb("#1a5fa8"))
#show heading: set block(above: 0.9em, below: 0.5em)

#grid(
  columns: (1fr,) * d.kpis.len(),
  gutter: 6pt,
  ..d.kpis.map(k => box(width: 100%, inset: 6pt, stroke: 0.4pt + rgb("#cccccc"), radius: 3pt)[
    #text(size: 7.5pt, fill: rgb("#555555"), k.label) \
    #text(size: 16pt, weight: "bold", k.value)
  ])
)

= #d.events_heading
#if d.events.len() == 0 [No event in the next days.] else [
  #table(
    columns: (auto, 1fr, auto),
    stroke: none,
    inset: (x: 4pt, y: 2.5pt),
    fill: (_, y) => if calc.odd(y) { rgb("#f3f6fa") },
    table.header(strong("When"), strong("Event"), strong("Kind")),
    ..d.events.map(e => (e.when, e.title, e.kind)).flatten()
  )
  #if d.more_events > 0 [#emph[and #str(d.more_events) more in the Calendar.]]
]

= Products late or at risk
#if d.late.len() == 0 [No product is late or at risk.] else [
  #table(
    columns: (2fr, auto, auto, auto, 2fr),
    stroke: none,
    inset: (x: 4pt, y: 2.5pt),
    fill: (_, y) => if calc.odd(y) { rgb("#f3f6fa") },
    table.header(strong("Product"), strong("Workstream"), strong("Stage"), strong("Planned launch"), strong("Why")),
    ..d.late.map(p => (p.product, p.workstream, p.stage, p.launch, p.why)).flatten()
  )
  #if d.more_late > 0 [#emph[and #str(d.more_late) more in the Pipeline.]]
]

= Geographic balance
#grid(
  columns: (1fr, 1fr),
  gutter: 10pt,
  [
    #for g in d.gaps [
      #text(size: 8pt, fill: rgb("#555555"), "By " + g.grouping + ":")
      #list(..g.sentences)
    ]
  ],
  [
    #image(bytes(sys.inputs.map_svg), format: "svg", width: 100%)
    #align(center, text(size: 7.5pt, fill: rgb("#555555"), d.champion_count + " Champions, in blue"))
  ],
)

= GCM objectives coverage
#d.coverage_sentence
#image(bytes(sys.inputs.coverage_svg), format: "svg", width: 100%)

#if d.not_engaged != none [
  = #d.not_engaged.heading
  #d.not_engaged.text
]
"""


def brief_pdf(con: Db, req: BriefRequest) -> bytes:
    """Return the planning brief as PDF bytes."""
    import typst

    data = brief_data(con, req)
    charts = {"map_svg": data.pop("map_svg"), "coverage_svg": data.pop("coverage_svg")}
    return typst.compile(
        TEMPLATE.encode("utf-8"),
        sys_inputs={"data": json.dumps(data, ensure_ascii=False), **charts},
        ignore_system_fonts=True,  # the fonts inside the package: the same PDF on every machine
    )
