"""How the fairness audit is computed, written out once for the page, the HTML report and the reader.

:func:`method` returns the steps of the audit in order, each a title, its explanation in plain sentences
(no markup, so the Fairness audit page and :mod:`scoring.reports.fairness_document` show the same words)
and the keys of its sources in :data:`SOURCES`, each cited in full once. The numbers the text states (the
four-fifths line, the minimum group size, the interval's level) are the ones the code uses, read from
where they are declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.domain.self_identification import MIN_GROUP_SHARE, MIN_GROUP_SIZE
from scoring.stats.impact import FOUR_FIFTHS

__all__ = ["CONFIDENCE", "METHOD_TITLE", "MethodStep", "SOURCES", "Source", "cited", "method", "method_markdown",
           "sources_line"]

#: The heading the method goes under, on the page and in the report.
METHOD_TITLE = "How this audit is computed"
#: Level of the impact ratio's interval (:func:`scoring.agency.fairness.impact_table`'s default).
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Source:
    """A work the audit follows: ``short`` is how a step names it, ``full`` the whole citation."""

    short: str
    full: str


#: Every source the method cites, by the key its steps name it with.
SOURCES: dict[str, Source] = {
    "eeo1": Source("EEOC, EEO-1 instructions",
                   "U.S. Equal Employment Opportunity Commission. EEO-1 Component 1 Instruction Booklet: "
                   "\"Race and Ethnic Identification\" and \"Sex\" (the categories candidates choose from)."),
    "ugesp": Source("Uniform Guidelines, 29 CFR 1607.4(D)",
                    "Uniform Guidelines on Employee Selection Procedures (1978), 29 CFR 1607.4(D), and the "
                    "agencies' Questions and Answers on them, question 12 (the four-fifths rule)."),
    "ll144": Source("NYC rules on automated employment decision tools, 6 RCNY 5-300",
                    "New York City Department of Consumer and Worker Protection (2023). Rules on Automated "
                    "Employment Decision Tools, 6 RCNY 5-300, under Local Law 144 of 2021 (definitions of "
                    "selection rate, scoring rate and impact ratio; intersectional categories)."),
    "fisher": Source("Fisher (1935)",
                     "Fisher, R. A. (1935). The logic of inductive inference. Journal of the Royal Statistical "
                     "Society 98(1), 39-82 (the exact test of a 2 x 2 table)."),
    "katz": Source("Katz et al. (1978)",
                   "Katz, D., Baptista, J., Azen, S. P., & Pike, M. C. (1978). Obtaining confidence intervals for "
                   "the risk ratio in cohort studies. Biometrics 34(3), 469-474."),
    "linacre_mfrm": Source("Linacre (1989)",
                           "Linacre, J. M. (1989). Many-Facet Rasch Measurement. Chicago: MESA Press."),
    "linacre_facets": Source("Linacre, FACETS manual",
                             "Linacre, J. M. (2024). A User's Guide to FACETS: Rasch-Model Computer Programs. "
                             "Winsteps.com. Table 13, the bias/interaction report (bias in logits, its model "
                             "standard error, t with count - 1 degrees of freedom, observed less expected average)."),
    "myford_wolfe": Source("Myford & Wolfe (2003)",
                           "Myford, C. M., & Wolfe, E. W. (2003). Detecting and measuring rater effects using "
                           "many-facet Rasch measurement: Part I. Journal of Applied Measurement 4(4), 386-422."),
    "bh": Source("Benjamini & Hochberg (1995)",
                 "Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and "
                 "powerful approach to multiple testing. Journal of the Royal Statistical Society B 57(1), 289-300."),
}


@dataclass(frozen=True)
class MethodStep:
    """One step of the audit: its ``title``, ``text`` (plain sentences) and ``sources`` (keys of :data:`SOURCES`)."""

    title: str
    text: str
    sources: tuple[str, ...] = ()


def method(min_size: int = MIN_GROUP_SIZE) -> tuple[MethodStep, ...]:
    """The steps of the audit, in the order a reader needs them, for a report judging groups of ``min_size``.

    Examples
    --------
    >>> [step.title for step in method()][:3]
    ['Who is compared', 'Selection rate at a stage', 'Scoring rate of the weighted score']
    >>> "fewer than 12 decisions" in method(12)[6].text
    True
    """
    return (
        MethodStep(
            "Who is compared",
            "Candidates may answer two voluntary questions, sex and race/ethnicity, in the categories of the EEO-1 "
            "report, each with \"prefer not to say\". Groups are formed by sex, by race/ethnicity, or by both "
            "crossed (the intersectional categories New York City's rules ask for). Candidates who preferred not "
            "to say, or gave no answer, are counted and shown but never compared: they are not a group. The "
            "answers are kept apart from everything else, read only on behalf of auditors and admins, only as "
            "counts per group, and no score, ranking or other figure uses them.",
            ("eeo1", "ll144")),
        MethodStep(
            "Selection rate at a stage",
            "As of the audit date (a decision, scorecard or answer recorded after the end of that day is not "
            "used), and over the decisions taken in the period, a group's selection rate at a stage is the "
            "applications that passed out of those decided. Open decisions and skipped stages count neither way. "
            "Applications are counted, as the pipeline's pass rate counts them, so a candidate who applied twice "
            "counts twice.",
            ("ugesp",)),
        MethodStep(
            "Scoring rate of the weighted score",
            "At the two scored stages (the incident interview and the take-home, never pooled), each "
            "application's weighted score is the scorecard's: on each dimension the mean of the reviewers' "
            "ratings, weighted by the weights in force when the application entered the stage. A scorecard with "
            "a dimension no one rated has no score and is left out. A group's scoring rate is the share of its "
            "scores above the median of every score at that stage in the period, as the rules under Local Law "
            "144 define it for tools that score candidates; a score equal to the median is not above it.",
            ("ll144",)),
        MethodStep(
            "Impact ratio and the four-fifths rule",
            "A group's impact ratio is its rate divided by the highest rate at that stage among the groups large "
            "enough to judge (the reference, whose ratio is 1). A ratio below "
            f"{FOUR_FIFTHS:.2f} (four-fifths) is read as evidence of adverse impact and marked \"Below "
            "four-fifths\". The rule is a rule of thumb about the size of a gap, not a test of chance: a small "
            "group can fall below it by chance, and a large one show a real gap above it, so each ratio is read "
            "with its interval and its test.",
            ("ugesp", "ll144")),
        MethodStep(
            "Fisher's exact test",
            "For each group compared with the reference, the 2 x 2 table of selected and not selected in both "
            "groups is tested with Fisher's exact test, two-sided: the p-value is the chance, if both groups were "
            "selected at the same rate, of a table as far from equal as the one seen or further, given how many "
            "were in each group and how many were selected. Each ratio is tested on its own, so among many groups "
            "and stages a few small p-values are expected by chance alone. The test treats applications as "
            "independent, which makes it a little too confident where candidates apply often.",
            ("fisher",)),
        MethodStep(
            "Interval of the impact ratio",
            f"The {CONFIDENCE:.0%} interval of the ratio is the Katz log interval: the logarithm of the ratio is "
            "taken as normal, with standard error the square root of 1/a - 1/n1 + 1/c - 1/n2, where a of the "
            "group's n1 applications were selected and c of the reference's n2; the bounds are the ratio divided "
            "and multiplied by exp(1.96 standard errors). When a group selected no one the logarithm is "
            "undefined, so half a count is added to each cell of the table for the interval only. An interval "
            f"that reaches above {FOUR_FIFTHS:.2f} means the data cannot tell the gap apart from one the rule accepts.",
            ("katz",)),
        MethodStep(
            "Minimum group size",
            f"A group with fewer than {min_size} decisions (or scores) at a stage, or under "
            f"{MIN_GROUP_SHARE:.0%} of the stage's decisions of candidates who stated a group, shows its counts "
            "but no ratio, interval or test, and is never the reference: it reads \"Too few to judge\". Below "
            "that size the interval spans most of the range a ratio can take, and one decision more or less "
            "moves the ratio across the four-fifths line; a group that small could otherwise hold the highest "
            "rate by chance and, as the reference, put most other groups below four-fifths. The rules under "
            "Local Law 144 let an auditor leave a category under 2% of the data out of the impact ratios; the "
            f"minimum of {min_size} is the agency's choice, stated with every report.",
            ("ll144",)),
        MethodStep(
            "Reviewers who score one group differently",
            "Every rating is modelled by a many-facet Rasch model: the application's skill, the dimension's "
            "difficulty and the reviewer's severity add up on the log-odds scale of moving one step up the 1-5 "
            "rubric. With every one of those measures held at its estimate, one more term is estimated for each "
            "reviewer and group (and for each dimension): how much harsher or more lenient the reviewer is with "
            "that group than their own overall severity predicts, with its standard error and a t-test, and the "
            "same gap in rating points (the reviewer's mean rating of the group less the mean the model expects). "
            "Since many reviewer and group pairs are tested at once, a pair is flagged only when it stays "
            "significant after the Benjamini-Hochberg correction for the number of pairs tested, which keeps the "
            "expected share of false flags among those flagged at the stated level; pairs with too few ratings "
            "are too few to judge.",
            ("linacre_mfrm", "linacre_facets", "myford_wolfe", "bh")),
    )


def sources_line(step: MethodStep) -> str:
    """The short names of the sources ``step`` cites, as a sentence (empty when it cites none).

    Examples
    --------
    >>> sources_line(MethodStep("t", "x", ("fisher",))), sources_line(MethodStep("t", "x"))
    ('Source: Fisher (1935).', '')
    """
    if not step.sources:
        return ""
    word = "Source" if len(step.sources) == 1 else "Sources"
    return f"{word}: " + "; ".join(SOURCES[key].short for key in step.sources) + "."


def cited(steps: tuple[MethodStep, ...]) -> list[Source]:
    """The sources ``steps`` cite, each once, in the order first cited.

    Examples
    --------
    >>> [source.short for source in cited(method())][:2]
    ['EEOC, EEO-1 instructions', 'NYC rules on automated employment decision tools, 6 RCNY 5-300']
    """
    keys = dict.fromkeys(key for step in steps for key in step.sources)
    return [SOURCES[key] for key in keys]


def method_markdown(min_size: int = MIN_GROUP_SIZE) -> str:
    """The method as Markdown for the page: a bold title per step, its text, its sources, then every source
    in full.

    Examples
    --------
    >>> text = method_markdown()
    >>> text.startswith("**Who is compared.** Candidates may answer"), "- Katz, D., Baptista" in text
    (True, True)
    """
    steps = method(min_size)
    paragraphs = []
    for step in steps:
        paragraphs.append(f"**{step.title}.** {step.text} {sources_line(step)}".rstrip())
    paragraphs.append("**Sources**\n\n" + "\n".join(f"- {source.full}" for source in cited(steps)))
    return "\n\n".join(paragraphs)
