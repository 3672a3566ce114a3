"""The C-SSRS Screener that closes a safety task: six yes/no questions and the risk level its
triage gives.

Source: Columbia-Suicide Severity Rating Scale, Screen Version — Since Last Contact / Recent
(The Columbia Lighthouse Project, cssrs.columbia.edu; "C-SSRS-Clinical-Practice-Screener-
since-last-visit-2021" and "C-SSRS-Screener-recent-with-triage-colors-2021", listed by the NIH
NINDS Common Data Elements page for the screener). Questions 1 and 2 are always asked;
questions 3, 4 and 5 only when question 2 is yes; question 6 (suicidal behaviour) is always
asked and, when yes, is followed by "was this within the past 3 months?".

Triage on the screener form (its colours):
- high risk: yes to question 4 or 5, or yes to 6 within the past 3 months;
- moderate risk: yes to question 3, or yes to 6 but not within the past 3 months;
- low risk: yes to question 1 or 2 only;
- otherwise no risk identified by the screen.
The clinic's judgement and its own protocol decide the response; the level is what the
screen says, recorded with the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

SOURCE = (
    "C-SSRS Screener, Screen Version – Since Last Contact (The Columbia Lighthouse Project, "
    "cssrs.columbia.edu, 2021), with its triage levels"
)


class RiskLevel(models.TextChoices):
    NONE = "none", "No risk identified"
    LOW = "low", "Low risk"
    MODERATE = "moderate", "Moderate risk"
    HIGH = "high", "High risk"


# The questions in the screener's order, with the field names used by the form, the API and
# the SafetyTask row. Wording follows the screen version's since-last-contact prompts.
QUESTIONS: list[tuple[str, str]] = [
    (
        "wish_dead",
        (
            "1. Since the last contact, has the patient wished they were dead or wished they "
            "could go to sleep and not wake up?"
        ),
    ),
    (
        "suicidal_thoughts",
        (
            "2. Since the last contact, has the patient had any actual thoughts of killing "
            "themselves?"
        ),
    ),
    (
        "method",
        ("3. Have they been thinking about how they might do this (a method, without a plan)?"),
    ),
    (
        "intent",
        ("4. Have they had these thoughts and had some intention of acting on them?"),
    ),
    (
        "specific_plan",
        (
            "5. Have they started to work out or worked out the details of how to kill "
            "themselves, and do they intend to carry out this plan?"
        ),
    ),
    (
        "behavior",
        (
            "6. Have they ever done anything, started to do anything, or prepared to do "
            "anything to end their life?"
        ),
    ),
    (
        "behavior_recent",
        ("6a. If yes to 6: was this within the past 3 months?"),
    ),
]
ASKED_AFTER_Q2 = ("method", "intent", "specific_plan")


@dataclass(frozen=True)
class Screen:
    """One screener's answers. None: not asked."""

    wish_dead: bool
    suicidal_thoughts: bool
    method: bool | None = None
    intent: bool | None = None
    specific_plan: bool | None = None
    behavior: bool = False
    behavior_recent: bool | None = None

    def check(self) -> None:
        """The skip pattern as the form gives it: field errors for answers that cannot go
        together, so neither the page nor the API stores an inconsistent screen."""
        errors: dict[str, str] = {}
        for name in ASKED_AFTER_Q2:
            value = getattr(self, name)
            if self.suicidal_thoughts and value is None:
                errors[name] = "Question 2 is yes: answer this question."
            if not self.suicidal_thoughts and value is not None:
                errors[name] = "Asked only when question 2 is yes: leave it unanswered."
        if self.behavior and self.behavior_recent is None:
            errors["behavior_recent"] = (
                "Question 6 is yes: say whether it was in the past 3 months."
            )
        if not self.behavior and self.behavior_recent is not None:
            errors["behavior_recent"] = "Asked only when question 6 is yes: leave it unanswered."
        if errors:
            raise ValidationError(errors)

    @property
    def risk(self) -> str:
        """The screener's triage level (see the module's source)."""
        self.check()
        if self.intent or self.specific_plan or (self.behavior and self.behavior_recent):
            return RiskLevel.HIGH
        if self.method or (self.behavior and not self.behavior_recent):
            return RiskLevel.MODERATE
        if self.wish_dead or self.suicidal_thoughts:
            return RiskLevel.LOW
        return RiskLevel.NONE


# The answers kept on the SafetyTask row, as `screen_<name>`.
SCREEN_FIELDS = tuple(name for name, _text in QUESTIONS)
