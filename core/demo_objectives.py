"""Demo GCM objective tags: public facts where a public source says so, generated rows plausibly.

Public: the CWG 2.2 guidance "Implementing the GCM" covers all 23 objectives; the
alternatives-to-detention workstream serves objective 13 and the missing-migrants workstream
objective 8 (their titles are those objectives). Generated rows (is_demo) of other
workstreams get one or two objectives drawn with a fixed seed, so the demo is the same on
every load; they are demo rows already and say so.
"""

from __future__ import annotations

import random

from core import demo_facts as facts
from core.store import objectives as store

WORKSTREAM_OBJECTIVES = {"TW-ATD": [13], "TW-MM": [8]}
# Objectives a generated row of the national-implementation and UN-system workstreams may serve.
_PLAUSIBLE = [1, 3, 5, 7, 15, 16, 17, 19, 23]


def seed_objectives_demo(cur) -> None:
    """Tag the demo products, events and engagements, inside the seeding transaction."""
    rng = random.Random(73195)
    products, events, engagements = [], [], []
    for product_id, title, workstream_id, is_demo in store.list_seed_products(cur):
        if title == facts.GUIDANCE_TITLE:
            products += [(product_id, n) for n in range(1, 24)]
        elif workstream_id in WORKSTREAM_OBJECTIVES:
            products += [(product_id, n) for n in WORKSTREAM_OBJECTIVES[workstream_id]]
        elif is_demo:
            products += [(product_id, n) for n in rng.sample(_PLAUSIBLE, rng.randint(1, 2))]
    for event_id, workstream_id, is_demo in store.list_seed_events(cur):
        if workstream_id in WORKSTREAM_OBJECTIVES:
            events += [(event_id, n) for n in WORKSTREAM_OBJECTIVES[workstream_id]]
        elif is_demo and rng.random() < 0.5:
            events += [(event_id, rng.choice(_PLAUSIBLE))]
    for engagement_id, workstream_id in store.list_seed_engagements(cur):
        if workstream_id in WORKSTREAM_OBJECTIVES:
            engagements += [(engagement_id, n) for n in WORKSTREAM_OBJECTIVES[workstream_id]]
        elif rng.random() < 0.4:
            engagements += [(engagement_id, rng.choice(_PLAUSIBLE))]
    store.insert_tags(cur, kind="product", pairs=products)
    store.insert_tags(cur, kind="event", pairs=events)
    store.insert_tags(cur, kind="engagement", pairs=engagements)
