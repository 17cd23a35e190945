"""The competency library that ships with the product.

Each competency lists behaviours an observer can see or hear in a group exercise and a
1-5 scale whose anchors say what a candidate at that score actually did. Facilitators
start from a copy of this library and edit it for their own roles.
"""

from __future__ import annotations

from facilitator.domain.models import Competency, Indicator, Polarity


def _competency(
    competency_id: str,
    name: str,
    description: str,
    positive: list[str],
    negative: list[str],
    anchors: list[str],
) -> Competency:
    """A competency whose indicator ids are numbered `<id>-p1...` and `<id>-n1...`."""
    indicators = [
        Indicator(id=f"{competency_id}-p{n}", text=text, polarity=Polarity.POSITIVE)
        for n, text in enumerate(positive, start=1)
    ] + [
        Indicator(id=f"{competency_id}-n{n}", text=text, polarity=Polarity.NEGATIVE)
        for n, text in enumerate(negative, start=1)
    ]
    return Competency(
        id=competency_id, name=name, description=description, indicators=indicators, anchors=anchors
    )


DEFAULT_COMPETENCIES: tuple[Competency, ...] = (
    _competency(
        "teamwork",
        "Teamwork",
        "Works with others towards a shared result, making room for every member to contribute.",
        positive=[
            "Builds on others' ideas by name",
            "Invites a quieter member to give their view",
            "Offers to take on a task the group needs done",
            "Credits the group rather than themselves for progress",
            "Checks that everyone agrees before the group moves on",
        ],
        negative=[
            "Interrupts others before they finish",
            "Dismisses a suggestion without discussing it",
            "Works alone on their own part and ignores the group",
            "Talks over or repeats a point to win it rather than to clarify it",
            "Takes credit for an idea someone else raised",
        ],
        anchors=[
            "Worked against the group: ignored or talked over others, or pursued their own "
            "agenda when the group had agreed another.",
            "Took part but mostly for their own ideas; rarely listened to or built on what others said.",
            "Cooperated readily: listened, built on others' ideas and did their share of "
            "the work the group agreed.",
            "Actively drew others in and helped the group combine its ideas; took on "
            "unglamorous tasks without being asked.",
            "Made the whole group work better: brought in every member, turned disagreement "
            "into a shared plan and was visibly relied on by others.",
        ],
    ),
    _competency(
        "communication",
        "Communication",
        "Puts points across clearly and concisely, and listens to make sure they are understood.",
        positive=[
            "States a point in one or two clear sentences",
            "Summarises the discussion so far before adding to it",
            "Asks a question to check they have understood someone",
            "Adjusts their explanation when a listener looks unsure",
            "Supports a point with a specific fact from the brief",
        ],
        negative=[
            "Speaks at length without reaching a point",
            "Uses jargon that others in the group do not follow",
            "Misstates what another member has just said",
            "Mumbles or speaks too quietly for the group to hear",
            "Fails to respond when asked a direct question",
        ],
        anchors=[
            "Was often unclear or misunderstood others; the group had to ask them to repeat "
            "or explain themselves, or they barely spoke.",
            "Got some points across but rambled or was vague; listened only some of the time.",
            "Spoke clearly and to the point, listened to others and responded to what they actually said.",
            "Explained complex points simply, summarised well and checked understanding "
            "without being prompted.",
            "Communicated with notable clarity and economy; their summaries shaped the "
            "discussion and others adopted their wording.",
        ],
    ),
    _competency(
        "leadership",
        "Leadership and influence",
        "Gives the group direction and brings others round to a course of action by reason, not pressure.",
        positive=[
            "Proposes a way for the group to structure its time",
            "Brings the group back to the task when it drifts",
            "Persuades others with a reason rather than repetition",
            "Hands a task to a member and checks back on it",
            "Steps back to let another member lead an area they know",
        ],
        negative=[
            "Imposes a decision without asking for views",
            "Raises their voice or pushes to get their way",
            "Lets the group drift without raising it",
            "Backs down from a sound point as soon as someone objects",
            "Claims the chair's role and then does not use it",
        ],
        anchors=[
            "Tried to dominate or coerce the group, or stayed passive while it lost its way; "
            "no one followed their lead.",
            "Made occasional attempts to steer the group but they were not taken up, or they "
            "steered by insistence rather than argument.",
            "Gave direction at useful moments and persuaded others with reasons; the group "
            "accepted at least one of their proposals.",
            "Shaped how the group worked and what it decided; won others over fairly and "
            "shared the lead where others knew more.",
            "Provided clear, widely accepted direction throughout; changed minds by argument, "
            "developed others and kept the whole group committed.",
        ],
    ),
    _competency(
        "problem-solving",
        "Problem solving",
        "Makes sense of information, weighs options and reaches sound, reasoned conclusions.",
        positive=[
            "Picks out the key facts from the brief",
            "Asks what the real problem is before suggesting answers",
            "Compares two or more options against clear criteria",
            "Spots a flaw or gap in a proposed solution",
            "Uses figures from the brief to test an idea",
        ],
        negative=[
            "Jumps to a solution before the problem is understood",
            "Misreads or ignores important information in the brief",
            "Gives an opinion with no reasoning behind it",
            "Sticks to a first idea after it has been shown not to work",
            "Gets lost in a minor detail at the expense of the main issue",
        ],
        anchors=[
            "Misunderstood the problem or relied on guesswork; their suggestions were "
            "unworkable or contradicted the brief.",
            "Grasped the basics but missed important information or offered ideas without reasons.",
            "Identified the main issues, weighed sensible options and supported their view "
            "with evidence from the brief.",
            "Analysed the problem thoroughly, spotted risks others missed and proposed "
            "practical, well-reasoned solutions.",
            "Reframed the problem in a way that unlocked progress; their analysis was "
            "rigorous, insightful and adopted by the group.",
        ],
    ),
    _competency(
        "adaptability",
        "Adaptability",
        "Responds constructively to new information, changing plans and views unlike their own.",
        positive=[
            "Changes their position when given a good reason",
            "Takes new information mid-exercise in their stride",
            "Tries an approach suggested by someone else",
            "Proposes a workable alternative when a plan falls through",
        ],
        negative=[
            "Keeps arguing for a plan after the facts have changed",
            "Shows visible frustration when the task changes",
            "Refuses to consider an approach they did not suggest",
            "Stops contributing after their idea is rejected",
        ],
        anchors=[
            "Resisted change openly; kept to their own plan or disengaged when new "
            "information or other views arrived.",
            "Adjusted only slowly or reluctantly, and needed others to persuade them to accept a change.",
            "Accepted changes and new views calmly and adjusted their own contribution to suit.",
            "Adapted quickly and positively, helping the group rework its plan when circumstances changed.",
            "Treated change as an opportunity: led the group's response to new information "
            "and found better options because of it.",
        ],
    ),
    _competency(
        "planning",
        "Planning and organising",
        "Uses time and resources well so that the group finishes the task to the standard asked.",
        positive=[
            "Suggests a timetable for the exercise at the start",
            "Keeps track of time and tells the group how much is left",
            "Breaks the task into parts and matches them to people",
            "Makes sure the group's output is written down",
            "Sets priorities when there is not time to do everything",
        ],
        negative=[
            "Spends too long on one item without noticing the time",
            "Starts work without agreeing what the output should be",
            "Loses track of what the group has already decided",
            "Leaves the group's output until the last minute",
        ],
        anchors=[
            "Showed no sense of time or order; contributed to the group running out of time "
            "or losing track of decisions.",
            "Noticed time or structure only occasionally, usually once a problem had already arisen.",
            "Helped the group plan its time, keep to priorities and produce the required output.",
            "Organised the work early and well, kept the group on schedule and adjusted the "
            "plan sensibly when needed.",
            "Set up a clear, efficient plan that the group followed throughout, so the task "
            "was completed thoroughly with time to review.",
        ],
    ),
    _competency(
        "commercial-awareness",
        "Commercial awareness",
        "Considers customers, costs and the wider business when weighing up decisions.",
        positive=[
            "Asks how an option would affect customers",
            "Raises the cost or budget of a proposal",
            "Weighs a risk against the likely return",
            "Refers to competitors or the market in the brief",
            "Suggests a measure for judging whether a plan has worked",
        ],
        negative=[
            "Proposes a plan without considering what it costs",
            "Ignores the customer impact of a decision",
            "Overlooks a commercial constraint stated in the brief",
            "Treats every option as equally valuable to the business",
        ],
        anchors=[
            "Ignored or misunderstood the business context; backed options that would harm "
            "customers or were clearly unaffordable.",
            "Mentioned cost or customers occasionally but did not let them shape their view.",
            "Considered customers, costs and risks when judging options, and used the "
            "commercial facts in the brief.",
            "Weighed commercial factors consistently and helped the group balance customer "
            "value against cost and risk.",
            "Showed a sharp grasp of the business, steering the group to the option with the "
            "best overall return and explaining why.",
        ],
    ),
    _competency(
        "resilience",
        "Resilience",
        "Stays composed and effective under pressure, setbacks and challenge.",
        positive=[
            "Stays calm when their idea is challenged",
            "Keeps contributing after a setback",
            "Responds to criticism by addressing its substance",
            "Keeps working steadily as the deadline approaches",
        ],
        negative=[
            "Becomes defensive when their view is questioned",
            "Withdraws from the discussion after a disagreement",
            "Shows visible stress that disrupts the group",
            "Gives up on the task before time is called",
        ],
        anchors=[
            "Was thrown by pressure or challenge: withdrew, became defensive or gave up on the task.",
            "Coped with minor pressure but lost composure or momentum after a setback.",
            "Remained composed under pressure and kept contributing after challenges or setbacks.",
            "Stayed calm and constructive throughout, responding to criticism on its merits "
            "and keeping up their effort.",
            "Was a steadying influence on others: kept the group focused and positive when "
            "it was under the most pressure.",
        ],
    ),
)


def default_library() -> list[Competency]:
    """A fresh, editable copy of the shipped competencies; changing it never alters the library."""
    return [competency.model_copy(deep=True) for competency in DEFAULT_COMPETENCIES]
