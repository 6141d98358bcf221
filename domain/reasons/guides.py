"""Why a guide could not be published or opened."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class GuideProblems(Reasons):
    BAD_SLUG = Sentence(
        "the guide's slug '{slug}' must be lowercase letters, digits and dashes (at most {limit})"
    )
    NO_TITLE = Sentence("the guide needs a title ('title:' in the front matter, or a '# heading')")
    TITLE_TOO_LONG = Sentence("the title may be at most {limit} characters")
    NO_GUIDE = Sentence("no guide '{guide}'")
    NO_COACH = Sentence("no coach with id {coach}")
