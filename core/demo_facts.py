"""Public facts used as demo data (from ../shared/docs/DOMAIN.md and the seed e-mails).

Nothing here is invented: join dates are stored only where a source gives them, otherwise
as "by <date>" (the latest date by which a source names the country as a Champion).
"""

from __future__ import annotations

SEED = "Secretariat e-mails to the EC, February 2021 (seed)"
PRINCIPALS = "Statement by the Principals of the Executive Committee, reliefweb.int, 15 Nov 2019"
ACCRA = "Champions named at the Accra cross-regional dialogue, Nov 2023"
JUN_2021 = "Network announcement welcoming Egypt, Iraq and Kenya (23 Champions on 24 Jun 2021)"
FEB_2022 = "Briefing of new Champions Azerbaijan, Luxembourg, Portugal, Feb 2022"

# (agency_id, name, is EC member per the 2019 statement)
AGENCIES = [
    ("IOM", "International Organization for Migration (coordinator)", True),
    ("DESA", "UN Department of Economic and Social Affairs", True),
    ("ILO", "International Labour Organization", True),
    ("OHCHR", "Office of the UN High Commissioner for Human Rights", True),
    ("UNDP", "United Nations Development Programme", True),
    ("UNHCR", "Office of the UN High Commissioner for Refugees", True),
    ("UNICEF", "United Nations Children's Fund", True),
    ("UNODC", "United Nations Office on Drugs and Crime", True),
    (
        "WHO",
        "World Health Organization (listed in later EC compositions; not in the 2019 statement)",
        False,
    ),
]

# (id, title or None when not found, kind, co-lead agencies, source)
WORKSTREAMS = [
    ("CWG-1.2", None, "core_working_group", [], SEED + " (title not found in public sources)"),
    (
        "CWG-2.1",
        "Stronger UN system for GCM implementation",
        "core_working_group",
        ["IOM", "UNDP"],
        "UN Network on Migration workplan",
    ),
    (
        "CWG-2.2",
        "GCM National Implementation Plans",
        "core_working_group",
        ["IOM", "OHCHR", "UNDP"],
        "UN Network on Migration workplan; " + SEED,
    ),
    (
        "TW-ATD",
        "Alternatives to immigration detention",
        "thematic",
        [],
        "UN Network on Migration workplan 2022-2024",
    ),
    (
        "TW-MM",
        "Missing migrants and humanitarian assistance",
        "thematic",
        [],
        "UN Network on Migration workplan 2022-2024",
    ),
]

# (ISO3, joined_on or None, precision, source, capital time zone)
CHAMPIONS = [
    ("BGD", "2020-07-01", "month", "Bangladesh confirmed as Champion, Jul 2020", "Asia/Dhaka"),
    ("THA", "2020-10-01", "month", "Thailand confirmed as Champion, Oct 2020", "Asia/Bangkok"),
    ("KHM", "2021-02-15", "by", SEED + ": Cambodia recently joined", "Asia/Phnom_Penh"),
    ("TCD", "2021-02-15", "by", SEED + ": Chad recently joined", "Africa/Ndjamena"),
    ("COL", "2021-02-15", "by", SEED + ": Colombia recently joined", "America/Bogota"),
    ("EGY", "2021-06-24", "by", JUN_2021, "Africa/Cairo"),
    ("IRQ", "2021-06-24", "by", JUN_2021, "Asia/Baghdad"),
    ("KEN", "2021-06-24", "by", JUN_2021, "Africa/Nairobi"),
    ("AZE", "2022-02-28", "by", FEB_2022, "Asia/Baku"),
    ("LUX", "2022-02-28", "by", FEB_2022, "Europe/Luxembourg"),
    ("PRT", "2022-02-28", "by", FEB_2022, "Europe/Lisbon"),
    ("CAN", "2023-11-30", "by", ACCRA, "America/Toronto"),
    ("CRI", "2023-11-30", "by", ACCRA, "America/Costa_Rica"),
    ("ECU", "2023-11-30", "by", ACCRA, "America/Guayaquil"),
    ("SLV", "2023-11-30", "by", ACCRA, "America/El_Salvador"),
    ("ETH", "2023-11-30", "by", ACCRA, "Africa/Addis_Ababa"),
    ("GHA", "2023-11-30", "by", ACCRA, "Africa/Accra"),
    ("GNB", "2023-11-30", "by", ACCRA, "Africa/Bissau"),
    ("HND", "2023-11-30", "by", ACCRA, "America/Tegucigalpa"),
    ("MWI", "2023-11-30", "by", ACCRA, "Africa/Blantyre"),
    ("MLI", "2023-11-30", "by", ACCRA, "Africa/Bamako"),
    ("MEX", "2023-11-30", "by", ACCRA, "America/Mexico_City"),
    ("MAR", "2023-11-30", "by", ACCRA, "Africa/Casablanca"),
    ("NER", "2023-11-30", "by", ACCRA, "Africa/Niamey"),
    ("NGA", "2023-11-30", "by", ACCRA, "Africa/Lagos"),
    ("PAN", "2023-11-30", "by", ACCRA, "America/Panama"),
    ("PER", "2023-11-30", "by", ACCRA, "America/Lima"),
    ("SEN", "2023-11-30", "by", ACCRA, "Africa/Dakar"),
    ("SLE", "2023-11-30", "by", ACCRA, "Africa/Freetown"),
    ("GMB", "2023-11-30", "by", ACCRA, "Africa/Banjul"),
    ("TUR", "2023-11-30", "by", ACCRA, "Europe/Istanbul"),
]

COCHAIRS = [
    ("MAR", "First co-chair of the Champions (term dates not found)"),
    ("SLV", "First co-chair of the Champions (term dates not found)"),
]

GUIDANCE_TITLE = "Implementing the GCM: Guidance for governments and all relevant stakeholders"
# The French and Spanish editions exist (seed) but their exact titles were not found: left empty.

# The 26 February 2021 technical meeting, 15:00-17:00 CET, as in the invitation.
MEETING_2021 = {
    "uid": "champions-technical-2021-02-26@migrationnetwork.un.org",
    "title": "Technical meeting with Champions: 2021 action plan",
    "kind": "technical_meeting",
    "audience": "champions",
    "tz": "Europe/Zurich",
    "start_local": "2021-02-26 15:00",
    "end_local": "2021-02-26 17:00",
    "location": "Webex (join details sent to participants)",
    "description": (
        "Technical meeting bringing together Champions and colleagues from the Network to "
        "discuss next steps, with a focus on the draft guidance material developed by CWG 2.2. "
        "EC members limited to 1 participant per Champion country; field agencies in listening mode."
    ),
    "agenda": [
        (
            "15:00",
            "15:30",
            "Welcome and Introduction to the 2021 Action Plan; Champions feedback",
            "Jonathan Prentice, Head of the UN Network on Migration Secretariat",
            None,
            False,
        ),
        (
            "15:30",
            "16:30",
            "Technical discussion on the draft guidance material Implementing the GCM",
            "IOM (setting the scene)",
            "QUNO",
            True,
        ),
        (
            "16:30",
            "16:50",
            "Champion countries' discussion space on the Migration Network Hub",
            "IOM",
            "UN Network on Migration Secretariat",
            True,
        ),
        (
            "16:50",
            "17:00",
            "Conclusion and way forward",
            "Jonathan Prentice, Head of the UN Network on Migration Secretariat",
            None,
            False,
        ),
    ],
}
