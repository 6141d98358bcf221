"""The program file of the README and issue example, for tests."""

from __future__ import annotations

EXAMPLE = """\
---
name: Couch to 5K
description: Six weeks from walking to a 5 km run.
price: 49.00            # in currency units; 0 = free
currency: usd
billing: one_off        # one_off | monthly
weeks: 6
checkin_cadence: daily  # daily | weekdays | weekly
goals_need_approval: false
assessment:             # asked during onboarding after the standard questions
  - key: longest_run
    ask: What is the longest you have run recently, in minutes?
    type: number        # number | scale | yes_no | choice | text
checkin_questions:      # asked in every check-in after the standard ones
  - key: run_minutes
    ask: How many minutes did you run today?
    type: number
---

## Day 1: Welcome
Why walking first works, in three short paragraphs.

- [ ] Walk 20 minutes at an easy pace
- [ ] Put your shoes by the door

## Day 3: First intervals
[Interval guide](files/intervals.pdf)

- [ ] 8 × (1 min jog, 90 s walk)
"""

INTERVALS_PDF = b"%PDF-1.4 interval guide"


def program_file(*steps: str, settings: str = "name: Test\nweeks: 2\n") -> str:
    """A small program file with these step blocks (each starting with its ``## Day`` heading)."""
    return "---\n" + settings + "---\n\n" + "\n\n".join(steps) + "\n"
