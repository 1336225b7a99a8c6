"""Fictional wording for demo data, written the way the practice asks: what happened to a young
person, never blaming them."""

from __future__ import annotations

#: Given names with accents, to make sure every screen and export copes with them.
ACCENTED_GIVEN = ("Zoë", "Chloé", "Siân", "Renée", "Dáire", "Aoife", "Joël", "Anaïs", "Seán")

#: Family names with apostrophes, for the same reason.
APOSTROPHE_FAMILY = ("O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "O'Reilly", "D'Souza")

#: (kind of contact, what was written): the words fit the kind of contact.
NOTE_TEMPLATES = (
    (
        "home_visit",
        "Visited {name} at home with their carer. {name} talked about feeling watched near "
        "{place} after dark and agreed we would think together about other routes home.",
    ),
    (
        "phone",
        "Phone call with {name}. They said older young people at {place} keep asking them to "
        "carry things; they are worried about saying no. Agreed to meet on Thursday.",
    ),
    (
        "school",
        "Met {name} at school with the designated safeguarding lead. Attendance has improved "
        "this half term; {name} is proud of their art work.",
    ),
    (
        "home_visit",
        "Home visit. {name} was tired and quiet. Carer reported new trainers and a second phone "
        "that nobody can account for. We talked about who {name} can call if they feel unsafe.",
    ),
    (
        "other",
        "Walked with {name} to the youth centre. They said {place} feels safer in the daytime "
        "when the detached youth workers are around.",
    ),
    (
        "office",
        "Office visit. {name} shared that a group online has been sending messages late at "
        "night. We looked at privacy settings together and agreed what to do if it happens again.",
    ),
    (
        "home_visit",
        "Joint visit with the youth justice worker. {name} described being driven to another "
        "town and told they owed money. Strategy discussion requested today.",
    ),
    (
        "online",
        "Video call with {name}. They did not want to talk for long today, which is OK. Shared "
        "my number and the code word card again; will try again on Monday.",
    ),
)

ADDENDA = (
    "Correction: the visit was on the Wednesday, not the Tuesday.",
    "Added after speaking with the school: the DSL confirms the timetable change.",
    "Carer's name spelt wrongly in the original note; corrected here.",
)

WHAT_I_WANT = (
    "To get my GCSEs and go to college to do mechanics.",
    "To feel safe walking home and to see my little sister more.",
    "To stop getting messages from people I don't know.",
    "To go back to boxing club and have my own money from a proper job.",
)

WORRIES = (
    "People I owe money to finding me.",
    "Being asked to go to other towns again.",
    "My mum finding out and being upset.",
    "Photos being shared at school.",
)

PLACES = {
    "home": ("My bedroom, when my aunt is in.", "When the older lads come round."),
    "school": ("The art room and Ms Patel's office.", "The back gate at home time."),
    "travel": ("The 47 bus with my friend.", "The underpass by the station."),
    "online": ("Group chats with my cousins.", "New accounts that message me late."),
    "day": ("Boxing club on Saturdays.", ""),
    "night": ("", "The retail park after 9pm."),
}

ACTIONS = (
    ("Walk to school together on Mondays and Wednesdays", "Aunt", "Family"),
    ("Weekly 1:1 sessions at the youth centre", "Youth worker", "Youth service"),
    ("Check in with the designated safeguarding lead every morning", "DSL", "School"),
    (
        "Ask the police to patrol the underpass after school",
        "Contextual safeguarding lead",
        "Police",
    ),
    ("Arrange a place at the boxing club", "Social worker", "Children's social care"),
    ("Help report the online accounts", "Social worker", "Children's social care"),
)

CONTEXTS = (
    ("place", "Station underpass", "public_place"),
    ("place", "Retail park car park", "public_place"),
    ("place", "Kebab shop on the high street", "shop_or_takeaway"),
    ("place", "Bus station", "transport_hub"),
    ("place", "Budget hotel by the ring road", "hotel"),
    ("place", "Flat above the bookmaker's", "private_address"),
    ("place", "Skate park", "public_place"),
    ("peer_group", "Friends from the estate", None),
    ("peer_group", "Older group who meet at the park", None),
    ("school", "Northfield Academy", None),
    ("school", "Pupil referral unit", None),
    ("online_space", "Gaming group chat", "online"),
    ("online_space", "Anonymous messaging app", "online"),
)

LINK_WHY = (
    "Seen there late at night by the outreach team.",
    "Talks about spending most evenings there.",
    "Named in the return home interview.",
    "Police intelligence links this place to county lines activity.",
    "The young person says they feel unsafe there.",
)

#: Why a screening is happening (the tool's first, required question).
SCREENING_REASONS = (
    "Reported missing twice this month and found a long way from home.",
    "School noticed new expensive clothes and a second phone.",
    "Seen by police with older young people at the station late at night.",
    "A carer found messages from adults the young person met online.",
    "Stopped going to college and is out until the early hours.",
)
