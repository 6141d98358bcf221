"""Every sentence the bot says to clients, one class per flow, in English: the source of the
translations in ``conversations/locales/`` (see :mod:`conversations.i18n`).

Placeholders use ``str.format`` names; flows never build user-facing sentences elsewhere. Each class
derives from :class:`Catalogue`, so reading ``CheckIn.ASK_MOOD`` gives the text in the current
client's language. A text with a count in it is a :class:`~conversations.i18n.Plural`. Texts for
the operator's terminal (listed in a class's ``COACH_FACING``) stay English; coaches read theirs in
``coaches.locale``. After adding or changing a text run ``make translations`` and translate the new
entries of every ``messages.po``.
"""

from __future__ import annotations

from typing import Any

from conversations.i18n import Plural, Text, translate


class _Translated:
    """A class constant read through the catalogue: ``Common.MENU`` in the current locale."""

    def __init__(self, key: str, english: str) -> None:
        self.key, self.english = key, english

    def __get__(self, instance: object, owner: type) -> Text:
        return Text(translate(self.key, self.english), self.key, self.english)


class _TranslatedMap:
    """A dict of texts (``Common.FLOW_NAMES``): each value in the current locale, ids ``Class.NAME.key``."""

    def __init__(self, key: str, english: dict[str, str]) -> None:
        self.key, self.english = key, english

    def __get__(self, instance: object, owner: type) -> dict[str, str]:
        return {
            name: Text(translate(f"{self.key}.{name}", text), f"{self.key}.{name}", text)
            for name, text in self.english.items()
        }


class Catalogue:
    """Base of the text classes: upper-case ``str`` and ``dict[str, str]`` constants become translated
    reads, :class:`Plural` constants learn their id; others (tuples of zone buttons) stay as written."""

    # Texts for coaches or the operator: they stay English (coaches keep their own language).
    COACH_FACING: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.isupper() or name in cls.COACH_FACING or name == "COACH_FACING":
                continue
            key = f"{cls.__name__}.{name}"
            if isinstance(value, str):
                setattr(cls, name, _Translated(key, value))
            elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                setattr(cls, name, _TranslatedMap(key, value))
            elif isinstance(value, Plural):
                value.key = key


class Common(Catalogue):
    HELP_INTRO = "Here is what I can do:"
    HELP_LINE = "{command} - {help}"
    HELP_OUTRO = "Anything else you write goes to your coach."
    ALREADY_REGISTERED = "Welcome back, {name}! /menu shows what you can do."
    MENU = "What would you like to do?"
    MENU_CHECKIN = "Check in"
    MENU_GOALS = "Goals"
    MENU_FEEDBACK = "Feedback"
    MENU_PAY = "Pay"
    MENU_HELP = "Help"
    CANCELLED = "Okay, stopped. Nothing from that conversation was saved. /menu shows what you can do."
    CANCELLED_KEPT = (
        "Okay, stopped. What you changed before stays saved ({saved}); nothing else was. "
        "/menu shows what you can do."
    )
    NOTHING_TO_CANCEL = "There is nothing to cancel. /menu shows what you can do."
    UNKNOWN_COMMAND = "I don't know {command}. /help lists what I understand."
    STALE_BUTTON = "That button belongs to a conversation that has ended. /menu shows what you can do."
    RELAYED = "Thanks, I've passed that on to your coach."
    COACH_REPLY = "💬 {coach}: {text}"
    COACH_SENT_FILE = "📎 {coach} sent you a file."
    EXPIRED = "Our earlier conversation ({flow}) timed out, so I've closed it."
    FLOW_CHANGED = "This conversation has been updated since we last spoke, so let's start it again."
    TOO_MANY_ATTEMPTS = (
        "It looks like this step is tricky. Answer as shown above, use the buttons, "
        "or type /cancel to stop (/help for help)."
    )
    ERROR = "Sorry, something went wrong on my side. Please try again in a moment."
    NEEDS_ONBOARDING = "Let's get you set up first."
    FINISH_ONBOARDING_FIRST = "Let's finish setting up first — {steps} left. {command} works once we're done."
    NOTHING_OPEN = "There is no open question right now. /menu shows what you can do."
    NOTHING_OPEN_NEWCOMER = "Hello! Send /start to get set up."
    EMPTY_MESSAGE = "I can only read text here; please type your answer."
    SKIP = "Skip"
    FLOW_NAMES = {
        "onboarding": "getting set up",
        "checkin": "check-in",
        "goals": "goals",
        "feedback": "feedback",
        "forget_me": "deleting your data",
        "settings": "settings",
        "policy": "the updated privacy policy",
        "support": "support request",
        "book": "booking a session",
        "sessions": "your sessions",
        "profile": "your profile",
    }


class Console(Catalogue):
    COACH_FACING = ("CLOSED_STOPPING", "STARTED")  # the operator's terminal
    HELD_WHILE_AWAY = "While you were away:"
    CLOSED_STOPPING = "Console closed (end of input): stopping the service."
    STARTED = (
        "Console chat (no Telegram or Slack configured): type a message, e.g. /start. "
        "Ctrl-D or Ctrl-C stops the service; logs go to {log}."
    )


class Settings(Catalogue):
    MENU = (
        "Your reminders: {cadence} at {time} ({timezone}).\nQuiet hours: {quiet}.{pause}\n"
        "{channel}What would you like to change?"
    )
    CHANNEL_OK = "Reminders come by {channel}. "
    CHANNEL_CANNOT = (
        "Reminders can't reach you by {channel} here, so they wait: choose Channel to change that. "
    )
    CHANNEL_NAMES = {
        "telegram": "Telegram",
        "slack": "Slack",
        "email": "email",
        "sms": "SMS",
        "console": "the console",
    }
    CHANNEL_LABELS = {
        "telegram": "Telegram",
        "slack": "Slack",
        "email": "Email",
        "sms": "SMS",
        "console": "Console",
    }
    PAUSED = " Paused until {until}."
    NO_QUIET = "none"
    MENU_TIME = "Reminder time"
    MENU_CADENCE = "Days"
    MENU_QUIET = "Quiet hours"
    MENU_PAUSE = "Pause"
    MENU_CHANNEL = "Channel"
    MENU_DONE = "Done"
    BACK = "Back"
    ASK_TIME = "What time should I remind you? For example 07:30 or 7pm."
    BAD_TIME = "I did not catch that time. Please send it like 07:30, 19:00 or 7pm."
    ASK_CADENCE = "How often would you like to check in?"
    CADENCE_DAILY = "Daily"
    CADENCE_WEEKDAYS = "Weekdays"
    CADENCE_WEEKLY = "Weekly (Mondays)"
    BAD_CADENCE = "Please choose daily, weekdays or weekly."
    ASK_QUIET = "Send your quiet hours like 22:00-07:00 (no reminders in between), or 'off' to remove them."
    QUIET_OFF = "Off"
    BAD_QUIET = "Please send quiet hours like 22:00-07:00, or 'off'."
    ASK_PAUSE = "Pause reminders for how many days? (1-{max_days}, or 0 to resume now)"
    PAUSE_DAYS = Plural("{n} day", "{n} days")
    PAUSE_RESUME = "Resume"
    BAD_PAUSE = "Please send a number of days between 0 and {max_days}."
    ASK_CHANNEL = "Where should reminders reach you?"
    BAD_CHANNEL = "Please choose one of: {channels}."
    NO_IDENTITY = "You have not talked to me on {channel} yet. Say hello there first, then choose it here."
    ASK_EMAIL = "What email address should reminders go to?"
    BAD_EMAIL = "That doesn't look like an email address. Please type one like sam@example.com, or Back."
    ASK_PHONE = (
        "What mobile number should reminders go to by SMS? Please include the country code, e.g. "
        "+4915112345678. Reply STOP to any SMS to stop them, START to start again."
    )
    BAD_PHONE = (
        "That doesn't look like a mobile number with its country code. Please type one like "
        "+4915112345678, or Back."
    )
    PHONE_TAKEN = "That number is already used by someone else here. Please type another one, or Back."
    SAVED = "Saved."
    MENU_LEADERBOARD = "Leaderboard"
    LEADERBOARD_ON = "Cohort leaderboard: on (your first name and run minutes show in your group)."
    LEADERBOARD_OFF = "Cohort leaderboard: off (nothing of yours is shown in your group)."
    CALENDAR = "Here is your check-in schedule for your calendar."
    # The event in that file, as the client's calendar app shows it.
    CALENDAR_EVENT = "Check-in with your coach"
    CALENDAR_EVENT_NOTE = "Reply to the bot with /checkin. Change the time with /settings."
    DONE = "All set. Send /settings whenever you want to change something."
    BAD_MENU = "Please pick one of the options."
    SAVED_WHAT = {
        "checkin_time": "reminder time",
        "cadence": "days",
        "quiet_hours": "quiet hours",
        "pause": "pause",
        "channel": "channel",
        "email": "email address",
        "announcements": "announcements",
        "phone": "mobile number",
    }
    ANNOUNCEMENTS_ON = "Announcements from your coach: on. "
    ANNOUNCEMENTS_OFF = "Announcements from your coach: off. "
    MENU_ANNOUNCEMENTS_OFF = "Stop announcements"
    MENU_ANNOUNCEMENTS_ON = "Get announcements"


class EmailCode(Catalogue):
    """Proving an email address is yours: a 6-digit code goes to it (``/profile`` and ``/settings``)."""

    NOT_AVAILABLE = "Email isn't set up here yet, so I can't send you email. Your coach can turn it on."
    SENT = "I've sent a 6-digit code to {email}. Type it here to confirm the address (it works for {minutes} minutes)."
    ASK_CODE = "Please type the 6-digit code from the email I sent to {email}."
    RESEND = "Send a new code"
    WRONG = Plural(
        "That code is not right. You have {n} more try.",
        "That code is not right. You have {n} more tries.",
    )
    EXPIRED = "That code has expired. Press “Send a new code” to get another one."
    TOO_MANY = "That was too many wrong codes. Please type the email address again to get a new code."
    WAIT = Plural(
        "I've just sent you a code. Please wait {n} second before asking for another one.",
        "I've just sent you a code. Please wait {n} seconds before asking for another one.",
    )
    NO_MORE_CODES = "I've sent several codes already. Please try again later, or type another address."
    VERIFIED = "Thank you, {email} is confirmed."
    EMAIL_SUBJECT = "Your confirmation code: {code}"
    EMAIL_TEXT = (
        "Your code to confirm this email address for your coaching reminders is {code}.\n"
        "Type it in your chat with me; it works for {minutes} minutes.\n"
        "If you did not ask for this, ignore this email: nothing will be sent to you."
    )


class EmailUnsubscribe(Catalogue):
    """The page behind an email's unsubscribe link."""

    TITLE = "Unsubscribe"
    CONFIRM = "Stop all email from your coaching assistant to {email}?"
    BUTTON = "Unsubscribe"
    DONE = "Done: no more email goes to {email}. Your reminders come in your chat instead. To get email again, confirm an address with /profile."
    ALREADY = "{email} is already unsubscribed. To get email again, confirm an address with /profile."
    INVALID_TITLE = "Link not valid"
    INVALID = "This unsubscribe link is not valid (any more). If you still get email, use the link in the newest one."


class Profile(Catalogue):
    """``/profile``: a client changes their name, time zone, email address and language."""

    MENU = (
        "Your profile:\nName: {name}\nTime zone: {timezone}\nEmail: {email}\nLanguage: {language}\n"
        "What would you like to change?"
    )
    NO_EMAIL = "none"
    EMAIL_PENDING = "{email} (waiting for the code)"
    EMAIL_UNSUBSCRIBED = "{email} (unsubscribed)"
    MENU_NAME = "Name"
    MENU_TIMEZONE = "Time zone"
    MENU_EMAIL = "Email"
    MENU_LANGUAGE = "Language"
    MENU_DONE = "Done"
    BACK = "Back"
    BAD_MENU = "Please pick one of the options."
    ASK_NAME = "What should I call you?"
    NAME_SAVED = "Okay, I'll call you {name}."
    ASK_TIMEZONE = (
        "Which time zone are you in? Pick one, or type a city, a UTC offset (UTC+2) or a zone name."
    )
    TIMEZONE_SAVED = "Saved: {timezone}. Your reminders follow the new time zone."
    ASK_EMAIL = "What is your email address? I'll send a code to it to check it's yours."
    BAD_EMAIL = "That doesn't look like an email address. Please type one like sam@example.com, or Back."
    ASK_LANGUAGE = "Which language should I speak?"
    DONE = "All set. Send /profile whenever you want to change something."


class Commands(Catalogue):
    """What /help says of each command."""

    START = "start or restart"
    HELP = "what I can do"
    MENU = "the main menu"
    CANCEL = "stop what we are doing"
    REPEAT = "ask the open question again"
    CHECKIN = "log how you are doing today"
    TODAY = "today's step of your program"
    PROGRAM = "your progress through your program"
    GOALS = "see and update your goals"
    FEEDBACK = "tell us how coaching is going"
    PAY = "pay for your program"
    SETTINGS = "reminder time, days, quiet hours, pause, channel, announcements"
    BILLING = "your subscription: status, cancel, resume, card"
    INVOICES = "your invoices and receipts"
    FORGET_ME = "delete everything about you"
    COACH_LINK = "coaches: link this Telegram account to receive sign-in links"
    LANGUAGE = "choose the language I speak"
    PROGRESS = "your chart and a summary of your last two weeks"
    MYDATA = "a copy of your data as a file"
    BOOK = "book a live session with your coach"
    SESSIONS = "your booked sessions: reschedule or cancel"
    PROFILE = "your name, time zone, email and language"


class CoachLink:  # for coaches: stays English (not a Catalogue)
    """``/coach_link CODE``: a coach links their Telegram account (the code is on their Account page)."""

    ASK_CODE = "Send /coach_link followed by the code from the Account page of the coaching workspace."
    ONLY_TELEGRAM = "Coaches link their Telegram account here; on this channel there is nothing to link."
    LINKED = "Linked, {name}: sign-in links for the coaching workspace can now reach you here."
    REFUSED = "That code did not work (codes work once, for 15 minutes). Make a new one on the Account page."


class Onboarding(Catalogue):
    WELCOME = (
        "Welcome to coaching{coach}! Before we start: we store what you tell me here (your answers, "
        "check-ins and goals) so your coach can help you. You can ask for a copy or deletion at any time. "
        "Do you accept?"
    )
    WITH_COACH = " with {name}"
    BAD_INVITE = "I don't recognise the invite code {code!r}."
    COACHES_FULL = (
        "Thank you for your interest! All our coaches are fully booked right now, so I can't start your "
        "coaching yet. We've let the team know; please try /start again in a few days, or use an invite "
        "code if a coach gave you one."
    )
    ASK_INVITE = "Please type the invite code your coach gave you (as in /start CODE), or /cancel to stop."
    ASK_INVITE_OR_DEFAULT = (
        "Please type the invite code your coach gave you (as in /start CODE), or continue with {coach}."
    )
    CONTINUE_WITH = "Continue with {coach}"
    STEPS = Plural("{n} step", "{n} steps")
    ACCEPT = "Accept"
    DECLINE = "Decline"
    CONSENT_HINT = "Please press Accept or Decline."
    DECLINED = "Understood, nothing about you has been stored. If you change your mind, send /start."
    ASK_NAME = "Great! What should I call you?"
    NAME_HINT = "Please type your name (up to 200 characters)."
    ASK_TIMEZONE = "Which timezone are you in? Pick one, or type a city, a UTC offset (UTC+2) or a zone name."
    TIMEZONE_HINT = (
        "I didn't recognise that timezone. Try a city (Berlin), an offset (UTC-5) or Europe/Paris."
    )
    TIMEZONE_WHICH = (
        "There is more than one {place}. I've taken {choice}, where it is {time} now. "
        "Is that right? If not, tap the right one or type the city with its country."
    )
    TIMEZONE_PLACE = "{place} ({country})"
    TIMEZONE_BUTTONS = (
        ("London", "Europe/London"),
        ("Berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("Chicago", "America/Chicago"),
        ("Los Angeles", "America/Los_Angeles"),
        ("UTC", "UTC"),
    )
    SCALE_HINT = "Please answer with a number from {low} to {high}."
    CHOICE_HINT = "Please pick one of the options."
    TEXT_HINT = "Please type a short answer."
    ASK_GOAL = "What is the first goal you want to work on? For example: run 5 km by March 1."
    IDEAS_WITH_COACH = (
        "Your coach will also look at a few more goal ideas for you and send you the ones that fit."
    )
    SUGGESTIONS = "Or pick one of these ideas:"
    SUGGESTIONS_AI = "Or pick one of these ideas (suggested by AI):"
    GOAL_HINT = "Please describe your goal in a few words, e.g. 'lose 4 kg by June'."
    ASK_TARGET = "How will you know you've made it? Give a number, e.g. '5 km' or '10 push-ups'."
    TARGET_HINT = "Please give a number with a unit, e.g. '5 km', '3 times a week', '70 kg'."
    ASK_DUE = "By when? A date like 2027-03-01, 'in 6 weeks' or 'end of March'."
    DUE_IN_THE_PAST = (
        "That date has passed. Please give a date in the future, e.g. 2027-03-01 or 'in 6 weeks'."
    )
    DUE_UNREADABLE = "I couldn't read that date. Try 2027-03-01, 'in 6 weeks' or 'end of March'."
    ASK_CADENCE = "How often do you want to check in?"
    CADENCE_DAILY = "Daily"
    CADENCE_WEEKDAYS = "Weekdays"
    CADENCE_WEEKLY = "Weekly"
    CADENCE_HINT = "Please choose daily, weekdays or weekly."
    ASK_TIME = "At what time of day? (e.g. 08:00, 8am, 20:30)"
    TIME_HINT = "Please give a time like 08:00, 8am or 20:30."
    ASK_PROGRAM = "Last step: choose your program."
    PROGRAM_LABEL_FREE = "{name} (free)"
    PROGRAM_LABEL_PAID = "{name} ({price})"
    PROGRAM_HINT = "Please pick one of the programs with the buttons."
    SUMMARY = (
        "You're all set, {name}!\n"
        "Timezone: {timezone}\n"
        "First goal: {goal}\n"
        "Check-ins: {cadence} at {time}\n"
        "{program}"
        "Send /checkin any time, or /help to see everything I can do."
    )
    SUMMARY_PROGRAM_ACTIVE = "Program: {name}\n"
    SUMMARY_PROGRAM_PENDING = "Program: {name} (starts once paid)\n"


class CheckIn(Catalogue):
    ASK_MOOD = "How is your mood today, from 1 (low) to 10 (great)?"
    ASK_ENERGY = "And your energy, from 1 to 10?"
    ASK_SLEEP = "How many hours did you sleep? (e.g. 7, 7.5 or 7h30)"
    SLEEP_HINT = "Please give hours of sleep between 0 and 24, e.g. 7, 7.5 or 7h30."
    ASK_ADHERENCE = "Did you stick to your plan?"
    ADHERENCE_YES = "Yes"
    ADHERENCE_PARTLY = "Partly"
    ADHERENCE_NO = "No"
    ADHERENCE_HINT = "Please answer yes, partly or no."
    ASK_PROGRESS = "How far along is your goal '{goal}'? (0-100 %)"
    PROGRESS_HINT = "Please give a percentage from 0 to 100, e.g. 40 or 40%."
    ASK_NOTE = "Anything to add for your coach? Type a note, send a photo, or /skip."
    NOTE_TOO_LONG = "That note is {length} characters; please shorten it to {limit} or fewer."
    SCALE_HINT = "Please answer with a number from {low} to {high}."
    SAVED = Plural(
        "Check-in saved. Streak: {streak} day in a row.",
        "Check-in saved. Streak: {streak} days in a row.",
        count="streak",
    )
    COMPARISON = "Compared with your last 7 days: mood {mood}, energy {energy}, sleep {sleep}."
    FIRST_WEEK = "This is your first check-in this week; keep going!"
    LOW_MOOD_ACK = "Thanks for being honest. I've let your coach know you're having a hard day."
    OFFER_FEEDBACK = "You've done {count} check-ins. Would you tell us how coaching is going?"
    OFFER_YES = "Give feedback"
    OFFER_NO = "Not now"
    ANSWER_YES = "Yes"
    ANSWER_NO = "No"


class Sms(Catalogue):
    """Answers to SMS keywords (integrations/sms, bot/sms)."""

    HELP = (
        "Coaching reminders and check-ins by SMS. Reply to answer the question asked; HELP for this "
        "message, STOP to stop all SMS, START to get them again. Message and data rates may apply."
    )
    BUTTONS = "Reply with a number:"
    CHOICES = "Reply with one of: {choices}"
    LINK = "{label}: {url}"


class Voice(Catalogue):
    """Voice notes a transcription model cannot take (bot/voice.py)."""

    TOO_LONG = (
        "That voice note is too long for me to transcribe (up to {mb} MB). Could you send a shorter "
        "one, or type it?"
    )


class CoachFeedback(Catalogue):
    """What a client reads when their coach reacts to or comments on one of their check-ins."""

    REACTED = "{reaction} {coach} reacted to your check-in of {date} ({values})."
    COMMENTED = "💬 {coach} commented on your check-in of {date} ({values}):\n{comment}"
    VALUES = "mood {mood}/10, energy {energy}/10, sleep {sleep} h"


class Cohorts(Catalogue):
    """A program's group chat: the weekly post, the group check-in, linking the group."""

    WEEK = "📅 Week {week} of {weeks} in {program}"
    WEEK_OPEN = "📅 Week {week} in {program}"
    STEP = "• Day {day}: {title}"
    NO_STEPS = "No new steps this week: keep going with the last ones."
    LEADERBOARD = "🏆 Week {week}, run minutes of those who joined the leaderboard:"
    LEADERBOARD_LINE = "{rank}. {name}: {minutes} min"
    LEADERBOARD_EMPTY = (
        "🏆 Nobody has joined the leaderboard yet. To join, send me /settings in a private chat."
    )
    CHECKIN = (
        "🏃 Group check-in: {question}\nReply here with your run minutes for this week (a number, e.g. 45)."
    )
    DEFAULT_QUESTION = "How many minutes did you run this week?"
    LINKED = (
        "This group is now the cohort of {program}. Every week I'll post the steps and a group "
        "check-in here. The leaderboard only shows those who join it in /settings."
    )
    BAD_CODE = "That code doesn't match a cohort waiting to be linked. Ask your coach for a new one."
    USAGE = "Send /cohort CODE (the code from your coach) to link this group to a program."
    HELLO = "Hi! Your coach can link this group to a program with /cohort CODE."


class Goals(Catalogue):
    NONE = "You have no open goals yet."
    LIST_HEADER = "Your goals:"
    LINE = "{n}. {text} - {progress}%{due}"
    DUE = " (by {date})"
    ASK_ACTION = "What would you like to do?"
    ACTION_PROGRESS = "Update progress"
    ACTION_DONE = "Mark done"
    ACTION_ADD = "Add goal"
    ACTION_ARCHIVE = "Archive"
    ACTION_SUGGEST = "Suggest goals"
    ACTION_HINT = "Please choose one of the buttons."
    ASK_WHICH = "Which goal?"
    WHICH_HINT = "Please pick a goal by its number."
    ASK_PROGRESS = "How far along is '{goal}'? (0-100 %)"
    PROGRESS_HINT = "Please give a percentage from 0 to 100."
    ASK_NEW = "Describe your new goal, e.g. 'read 12 books by December'."
    NEW_HINT = "Please describe your goal in a few words."
    PROGRESS_SAVED = "Updated: '{goal}' is at {progress}%."
    DONE_SAVED = "Well done! '{goal}' is marked done."
    ARCHIVED = "'{goal}' is archived."
    ADDED = "Added your goal: '{goal}'."
    SUGGESTIONS = "Here are some goals that could suit you. Tap one to add it:"
    SUGGESTIONS_AI = "Here are some goals that could suit you (suggested by AI). Tap one to add it:"
    NO_SUGGESTIONS = "I have no suggestions right now."
    SUGGESTIONS_WITH_COACH = (
        "I've put together a few goal ideas for you. Your coach will look at them first and send you"
        " the ones that fit."
    )
    SUGGESTIONS_ALREADY_WITH_COACH = (
        "Your coach is still looking at the goal ideas from last time; they'll send you the ones that fit."
    )
    SUGGESTION_ACCEPTED = "Added your goal: '{goal}'."
    SUGGESTION_GONE = "That suggestion is no longer available."
    # A goal idea the coach approved, sent to the client (domain.insights.approval).
    OFFER = "Your coach suggests a goal for you: '{goal}'. Want to take it on?"
    TAKE_IT = "Add this goal"


class Feedback(Catalogue):
    ASK_SCORE = "How happy are you with your coaching so far, from 1 (not at all) to 5 (very)?"
    SCORE_HINT = "Please answer with a number from 1 to 5."
    ASK_COMMENT = "Anything you'd like to add? Type a comment or /skip."
    COMMENT_TOO_LONG = "Please keep the comment under {limit} characters."
    THANKS = "Thank you for your feedback!"
    ABOUT_BOT = "About the bot itself"
    ASK_ABOUT_BOT = (
        "What should we know about the bot: something that went wrong, or something you would change? "
        "This goes to the team that runs the bot, not to your coach."
    )
    ABOUT_BOT_EMPTY = "Please write a few words about the bot, or send /cancel."
    ABOUT_BOT_THANKS = "Thank you! I've passed it on to the team that runs the bot."


class Booking(Catalogue):
    """``/book`` and ``/sessions``: live sessions with the coach, shown in the client's own time."""

    NO_COACH = "You don't have a coach yet, so there is nobody to book a session with."
    NOT_BOOKABLE = "Your coach doesn't take bookings here yet. You can write to them right here instead."
    NO_SLOTS = "Your coach has no free times in the coming weeks. Please try /book again later."
    NONE_LEFT = (
        "You have used all the sessions your program includes. Write to your coach here "
        "if you would like another one."
    )
    BUY_ONE = (
        "You have used all the sessions your program includes. You can buy one more ({price}): "
        "once it is paid, send /book again to pick a time."
    )
    BUY = "Buy a session"
    NOT_NOW = "Not now"
    ANSWER_BUY = "Please answer with the buttons: buy a session, or not now."
    NOT_NOW_OK = "Okay. You can write to your coach here any time."
    LEFT = Plural(
        "Your program includes {count} more session.",
        "Your program includes {count} more sessions.",
        count="count",
    )
    ASK_SLOT = "Pick a time for your {minutes}-minute session (times in your timezone, {zone}):"
    PICK_A_BUTTON = "Please pick one of the times with the buttons (or /cancel)."
    CONFIRM = "Book {when} ({minutes} minutes, your time)?"
    BOOK_IT = "Book it"
    OTHER_TIME = "Another time"
    ANSWER_YES_OR_OTHER = "Please answer with the buttons: book this time, or choose another."
    TAKEN = "Sorry, someone has just taken that time. Here are the free times now:"
    BOOKED = (
        "Booked: {when} ({minutes} minutes, your time). Join here: {link}\n"
        "I'll remind you an hour before. The calendar invite is attached; /sessions to change it."
    )
    REMINDER = "Your session with your coach starts in an hour, at {when} (your time). Join here: {link}"
    INVITE_SUMMARY = "Coaching session with {coach}"
    INVITE_DESCRIPTION = "Your session with {coach}. Join with the link below; /sessions to change it."
    EMAIL_SUBJECT = "Your coaching session"
    NO_SESSIONS = "You have no upcoming sessions. Send /book to book one."
    YOUR_SESSIONS = "Your upcoming sessions (your time). Pick one to reschedule or cancel it:"
    PICK_A_SESSION = "Please pick one of your sessions with the buttons (or /cancel)."
    WHAT_TO_DO = "{when} (your time). What would you like to do?"
    RESCHEDULE = "Reschedule"
    CANCEL_SESSION = "Cancel it"
    KEEP = "Keep it"
    ANSWER_WHAT_TO_DO = "Please answer with the buttons: reschedule, cancel, or keep the session."
    TOO_LATE = (
        "This session starts in less than {hours} hours, so it can no longer be changed here. "
        "Please write to your coach."
    )
    KEPT = "Okay, your session stays as it is."
    CONFIRM_CANCEL = "Cancel your session on {when} (your time)?"
    YES_CANCEL = "Yes, cancel it"
    ANSWER_YES_OR_KEEP = "Please answer with the buttons: cancel the session, or keep it."
    CANCELLED = "Your session on {when} is cancelled. The attached file removes it from your calendar."
    ASK_NEW_SLOT = "Pick a new time (your timezone, {zone}):"
    CONFIRM_MOVE = "Move your session to {when} (your time)?"
    MOVE_IT = "Move it"
    MOVED = (
        "Moved: your session is now on {when} (your time). Join here: {link}\n"
        "The attached invite updates your calendar."
    )
    GONE = (
        "That session can no longer be changed (it was cancelled or moved meanwhile). /sessions shows them."
    )


class Payment(Catalogue):
    NOT_SET_UP = "Payments are not set up yet. I've let your coach know; they will get back to you."
    NOTHING_DUE = "You have nothing to pay right now."
    PAY_HERE = "To start {program}, complete the payment here:"
    UNAVAILABLE = "Payments are unavailable right now. Please try /pay again a bit later."


class SelfService(Catalogue):
    """``/progress`` and ``/mydata``: what clients look up about themselves."""

    PROGRESS_TITLE = "Your progress, {start} – {end}:"
    NO_CHECK_INS_YET = (
        "There is nothing to show yet: you haven't checked in during the last two weeks. "
        "Send /checkin to log how you are doing, and /progress will have your numbers."
    )
    MY_DATA = (
        "Here is a copy of everything we hold about you, as a JSON file. "
        "Send /forget_me if you want it deleted."
    )


class Channel(Catalogue):
    """What a chat channel answers by itself, before any conversation: files it cannot keep, a button
    that expired, a message kind it cannot read, its own failure."""

    FILE_TOO_LARGE = (
        "That file is too large for me: I can take files up to {mb} MB. Could you send a smaller one?"
    )
    FILE_UNSUPPORTED = "I can't read that kind of file. Photos, PDFs, text files and voice notes work."
    FILE_UNSUPPORTED_NO_VOICE = "I can't read that kind of file. Photos, PDFs and text files work."
    FILE_DOWNLOAD_FAILED = (
        "I couldn't fetch your file from {platform} just now. Please send it again in a moment."
    )
    UNSUPPORTED_MESSAGE = "I can read text, button presses, photos, PDFs and voice notes, but not that."
    EXPIRED_BUTTON = "That button has expired. Send /menu to see what you can do."
    SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."


class ForgetMe(Catalogue):
    # The word that confirms the erasure, in capitals: the English DELETE is always accepted too.
    CONFIRM_WORD = "DELETE"
    EXPLAIN = (
        "You can ask me to forget you. This deletes, for good: your profile and settings, check-ins, "
        "goals, feedback, messages with your coach, files you sent and your reminders.\n"
        "Kept: the records of your payments (amounts, dates, receipts), because accounting law requires "
        "it; they will no longer carry your name. Your coach is told, by your first name only.\n"
        "To go ahead, type {word} or press the button. Anything else cancels."
    )
    YES = "Yes, delete everything"
    NO = "No, keep my data"
    KEPT = "Okay, I haven't deleted anything. Your data stays as it is; /forget_me asks again any time."
    NOTHING_HELD = "I don't have a profile for you, so there is nothing to delete."
    RENEWING = (
        "You still have a subscription that renews. Cancel it first with /billing (you won't be "
        "charged again), then send /forget_me."
    )
    DONE = (
        "Done: everything about you has been deleted, except payment records kept for accounting "
        "without your name. Thank you for coaching with us. If you ever come back, send /start."
    )


class Programs(Catalogue):
    """Program steps delivered in chat (/today, drip messages), progress (/program) and completion."""

    STEP_HEADER = "{program} · Day {day}: {title} (step {position} of {total})"
    TASKS_HEADER = "Tasks (press one, or type done 1, when it's done):"
    TASK_OPEN = "{number}. ☐ {task}"
    TASK_DONE = "{number}. ✅ {task}"
    TASK_BUTTON = "✓ {number}. {task}"
    ATTACHED = "{label} (attached)"
    NO_PROGRAM = "You are not in a program with daily steps yet."
    PICK_PROGRAM = "Would you like to start one of these programs?"
    CANNOT_JOIN = "I couldn't start that program: {reason}."
    JOINED_FREE = "You're in {program}! Your first step: /today."
    JOINED_PAID = "Great choice: {program} starts once it is paid."
    NOT_STARTED = "Your first step of {program} arrives on day {day}."
    LOCKED_UNPAID = (
        "Step {position} of {program} opens once your payment is through; here is your payment link."
    )
    LOCKED_PAUSED = "{program} is paused, so step {position} is on hold; /billing shows how to resume."
    TICKED = "✅ {task} ({done} of {total} done today)."
    ALREADY_TICKED = "You already ticked “{task}”."
    ALL_TICKED = "✅ {task}: every task of today's step is done. Well done!"
    NO_SUCH_TASK = "I couldn't tick that: {reason}. /today shows your tasks."
    PROGRESS = (
        "{program} (version {version})\n"
        "Day {day} of {days} · {days_left}\n"
        "Steps: {steps_done} of {steps_total} done ({released} delivered)\n"
        "Tasks: {tasks_done} of {tasks_total} done"
    )
    PROGRESS_PENDING = "\nSteps after day 1 open once your payment is through (/pay)."
    PROGRESS_PAUSED = "\nYour enrollment is paused; /billing shows how to resume."
    TODAY_BUTTON = "Today's step"
    COMPLETED = (
        "🎉 You completed {program}! In {days} you checked in {check_ins} and did "
        "{tasks_done} of {tasks_total} tasks.{goal} Thank you for the work you put in. /program shows "
        "other programs you can start."
    )
    DAYS_LEFT = Plural("{n} day left", "{n} days left")
    DAYS = Plural("{n} day", "{n} days")
    TIMES = Plural("{n} time", "{n} times")
    COMPLETED_GOAL = " Your goal “{goal}” is at {progress} %."
    UPDATED = "Your program {program} has been updated (version {number}).{note}"
    UPDATED_NOTE = " What changed: {note}"
    UPDATE_BUTTON_PROGRESS = "My progress"


class ProgressReport(Catalogue):
    """The PDF a coach hands to a client (``coach report progress``)."""

    TITLE = "Progress report"
    PERIOD = "{name} · {start} – {end}"
    PREPARED_BY = "Prepared with your coach {coach} on {date}"
    PREPARED = "Prepared on {date}"
    PROFILE = "Your profile"
    COACH = "Coach"
    PROGRAM = "Program"
    NO_PROGRAM = "None at the moment"
    CLIENT_SINCE = "With us since"
    CADENCE = "Check-ins"
    CADENCES = {"daily": "Daily", "weekdays": "Weekdays", "weekly": "Weekly"}
    TIMEZONE = "Time zone"
    SUMMARY = "Summary"
    CHECK_INS = "You checked in {check_ins} times, on {days} of the {total} days of these {weeks} weeks."
    CHECK_IN_ONCE = "You checked in once, on 1 of the {total} days of these {weeks} weeks."
    NO_CHECK_INS = "There were no check-ins in these {weeks} weeks."
    MISSED = "{missed} days that asked for a check-in passed without one."
    FEELING = "Your latest week against your first: {trends}."
    FEELING_ONE_WEEK = "Your weekly average: {trends}."
    PLAN = "You followed your plan on {percent} of your check-in days (partly counts half)."
    GOALS_DONE = "Goals reached: {done} of {total}."
    CHART = "Your last {weeks} weeks"
    NO_CHART = "The chart appears once you have checked in at least {n} times in these weeks."
    GOALS = "Your goals"
    NO_GOALS = "No goals yet: your coach can help you choose one."
    GOAL = "Goal"
    TARGET = "Target"
    DUE = "Due"
    PROGRESS = "Progress"
    OUTLOOK = "Outlook"
    DONE = "Done"
    NO_OUTLOOK = "Not enough data yet"
    NO_DUE_DATE = "Set a due date to see where you are heading"
    OUTLOOKS = {
        "on track": "On track",
        "at risk": "At risk",
        "off track": "Off track",
        "not enough data": "Not enough data yet",
    }
    PROJECTION = "about {projected}% by the due date (likely {low}–{high}%), {pace} points a week"
    ENOUGH_DATA_NEEDS = "needs your progress in {n} check-ins on different days"
    PAST_DUE = "the due date has passed"
    FOOTNOTE = (
        "Every number here is computed from your own check-ins and goals; nothing was written by AI. "
        "Outlook: where your progress is heading by the goal's due date at your pace so far."
    )
    PAGE = "Page {page}"


class Chart(Catalogue):
    """The progress chart's labels and alt text, in its reader's language: the client's when /progress
    sends it, the coach's in Slack and the web workspace, English in reports."""

    TITLE = "{name}: {weeks}, {dates}"
    WEEKS = Plural("the last {n} week", "the last {n} weeks")
    CLIENT = "Client"
    SCORE_AXIS = "Score (1–10)"
    PLAN = "Plan"
    MOOD = "Mood"
    ENERGY = "Energy"
    PLAN_FOLLOWED = "Plan followed (full bar = yes, half = partly)"
    MISSED = "Missed check-in"
    NO_CHECK_INS = "No check-ins yet"
    FOOTNOTE = "Day ({timezone} time) · gaps are days without a check-in"
    # The chart in words, for screen readers (alt text).
    ALT_INTRO = (
        "Chart of {name}'s daily mood and energy (1–10) and plan adherence, {dates} ({timezone} time)."
    )
    ALT_CHECK_INS = "{check_ins} on {days} of {total}."
    CHECK_INS = Plural("{n} check-in", "{n} check-ins")
    OF_DAYS = Plural("{n} day", "{n} days")  # "of 28 days"
    ALT_MISSED = Plural("{n} missed check-in day shows as a gap.", "{n} missed check-in days show as gaps.")
    ALT_COMPARED = "Latest week's average against the first week's: {trends}."
    ALT_WEEKLY = "Weekly average: {trends}."
    ALT_PLAN = "Plan followed {percent} over the check-in days."


class Metrics(Catalogue):
    """Each analytics metric's name and definition as coaches and admins read them: ``/coach stats``,
    the weekly business summary and the web Analytics page. The English is the domain's
    (``domain.analytics.metrics``: each metric's docstring, also the README's table);
    ``tests/conversations/test_coach_stats.py`` keeps the definitions equal to it, so a changed
    definition is translated again."""

    LABELS = {
        "active_clients": "Active clients",
        "new_clients": "New clients",
        "churned_clients": "Churned clients",
        "reactivated_clients": "Reactivated clients",
        "checkin_adherence": "Check-in adherence",
        "response_time_median": "Response time, median",
        "response_time_p90": "Response time, 90th percentile",
        "coach_feedback_rate": "Check-ins with coach feedback",
        "satisfaction_average": "Satisfaction, average",
        "satisfaction_count": "Feedback scores",
        "satisfaction_distribution": "Scores given",
        "satisfaction_top_share": "Share of 5/5 scores",
        "goal_completion_rate": "Goal completion",
        "program_completion_rate": "Program completion",
        "mood_change": "Mood change, first to last week",
        "energy_change": "Energy change, first to last week",
        "revenue_gross": "Gross revenue",
        "revenue_refunds": "Refunds",
        "revenue_net": "Net revenue",
        "mrr": "Monthly recurring revenue",
        "arpu": "Net revenue per active client",
        "failed_payment_rate": "Failed payments",
        "client_load": "Active clients per coach",
        "capacity_used": "Capacity used",
        "llm_calls": "Language model calls",
        "llm_tokens": "Language model tokens",
    }
    DEFINITIONS = {
        "active_clients": (
            "Clients who checked in at least once in the 14 days up to the end of the period (or up to now)."
        ),
        "new_clients": ("Clients who joined during the period."),
        "churned_clients": (
            "Clients who churned during the period: a program enrollment cancelled (not an extra session bought), or more than 14 days passed without a check-in (after one, or after joining)."
        ),
        "reactivated_clients": (
            "Clients who checked in during the period more than 14 days after their previous check-in (or after joining)."
        ),
        "checkin_adherence": (
            "Check-ins done as a share (%) of those expected by each active client's cadence (daily, weekdays, weekly) on their local days in the period since they joined, at most one per expected."
        ),
        "response_time_median": (
            "Median minutes, within the coach's business hours (Mon-Fri 09:00-18:00 in their timezone), from a client's first unanswered message to the coach's reply, over replies sent in the period."
        ),
        "response_time_p90": (
            "90th-percentile (nearest rank) minutes, within the coach's business hours, from a client's first unanswered message to the coach's reply, over replies sent in the period."
        ),
        "coach_feedback_rate": (
            "Check-ins in the period that got a coach's reaction or comment (at any time since) as a share (%) of all check-ins in the period; null without check-ins."
        ),
        "satisfaction_average": ("Mean feedback score (1-5) clients gave during the period."),
        "satisfaction_count": ("Feedback scores clients gave during the period."),
        "satisfaction_distribution": (
            "Feedback scores given during the period, counted per score (keys 1 to 5)."
        ),
        "satisfaction_top_share": ("Share (%) of the period's feedback scores that are 5 out of 5."),
        "goal_completion_rate": (
            "Of the clients' goals (active or done) due within the period, the share (%) that are done."
        ),
        "program_completion_rate": (
            "Of the program enrollments that ended during the period (completed or cancelled), the share (%) completed; extra sessions bought are not programs."
        ),
        "mood_change": (
            "Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average mood."
        ),
        "energy_change": (
            "Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average energy."
        ),
        "revenue_gross": (
            "Per currency, minor units paid in payments made during the period (before refunds)."
        ),
        "revenue_refunds": (
            "Per currency, minor units refunded during the period, whenever the payment was made."
        ),
        "revenue_net": (
            "Per currency, gross minus refunds of the period (negative when refunds exceed what came in)."
        ),
        "mrr": (
            "Per currency, the monthly amounts of subscriptions running now (active, trialing or past due) that started before the period's end."
        ),
        "arpu": (
            "Per currency, the period's net revenue divided by its active clients (minor units; null without active clients)."
        ),
        "failed_payment_rate": (
            "Payments made during the period that failed, as a share (%) of those that succeeded or failed (checkouts left unpaid not counted)."
        ),
        "client_load": ("Per coach (key coach:ID), the clients with status active assigned to them now."),
        "capacity_used": (
            "Per coach (key coach:ID), active clients now as a share (%) of the coach's capacity; null when the coach has no limit."
        ),
        "llm_calls": ("Calls to the language model during the period (a program counts its coach's)."),
        "llm_tokens": (
            "Prompt plus completion tokens used by the language model during the period (a program counts its coach's)."
        ),
    }


class CoachStats(Catalogue):
    """``/coach stats`` and the Monday business summary in Slack, in the coach's language (rendered by
    :mod:`conversations.coach_stats`; figures from ``domain.analytics.weekly``)."""

    TITLE = "Your week: {start} to {end}"
    CONTEXT = "{coach} · clients {load} (active / capacity) · UTC days"
    # The week's own shorter names where the Analytics page's (Metrics.LABELS) are long.
    SHORT_LABELS = {
        "churned_clients": "Churned",
        "reactivated_clients": "Reactivated",
        "response_time_median": "Median response",
        "satisfaction_average": "Satisfaction",
    }
    COMPARED = "{change} · before {last}"
    ATTENTION = "Goals needing attention"
    GOAL = "{client}, goal due {due}: {outlook} ({reason})"
    OUTLOOKS = {
        "on track": "on track",
        "at risk": "at risk",
        "off track": "off track",
        "not enough data": "not enough data",
    }
    # Units after a number ("41 %", "12 min"); a change of a percentage is in points.
    PERCENT = "{number} %"
    MINUTES = "{number} min"
    POINTS = "{number} pts"
    CHART_TITLE = "{coach}: {weeks}"  # weeks: Chart.WEEKS
    COACH = "Coach"
    # The chart's panels, and the chart in words (alt text) for screen readers.
    ADHERENCE_PANEL = "Check-in adherence (percent of expected check-ins done)"
    RESPONSE_PANEL = "Median response time to client messages (minutes, business hours)"
    SATISFACTION_PANEL = "Client satisfaction (average feedback, 1–5)"
    NOTHING_TO_MEASURE = "Nothing to measure in these weeks"
    ALT = "{coach}, weeks from {start}. {series}."
    ALT_SERIES = "{label}: {values}"
    ALT_ADHERENCE = "check-in adherence"
    ALT_RESPONSE = "median response"
    ALT_SATISFACTION = "satisfaction"


class Billing(Catalogue):
    """/billing and /invoices: the client's subscription and receipts."""

    NOT_SET_UP = "Payments are not set up yet, so there is no billing to show."
    NO_SUBSCRIPTION = (
        "You have no active subscription. Send /pay to pay for a program, or /invoices for receipts."
    )
    STATUS = "{program}: {amount} per month, {status}."
    NEXT_PAYMENT = "Next payment: {amount} on {date}."
    ENDS = "Cancelled: it ends on {date} and you won't be charged again."
    CANCEL = "Cancel at period end"
    RESUME = "Resume"
    CARD = "Update card"
    CONFIRM_CANCEL = (
        "Cancel your subscription at the end of the current period? You keep everything until then "
        "and won't be charged again."
    )
    YES_CANCEL = "Yes, cancel"
    NO_KEEP = "No, keep it"
    CANCELLED = "Done: {program} ends on {date}. You can resume any time before then with /billing."
    KEPT = "Okay, nothing changed."
    RESUMED = "Welcome back: {program} continues and renews on {date}."
    ANSWER_YES_NO = "Please answer with the buttons: yes to cancel, no to keep your subscription."
    PORTAL = "Update your card or billing details here (the link is valid for a short while):"
    OPEN_PORTAL = "Open billing portal"
    NO_INVOICES = "You have no invoices yet."
    INVOICES = "Your invoices:"
    INVOICE_LINE = "{number}  {date}  {amount}  {status}"
    INVOICE_BUTTON = "Invoice {number}"
    UNKNOWN_ACTION = "I didn't get that. Send /billing to see your subscription."
    PERIOD_END = "the end of the period"


class Parsing(Catalogue):
    """What the answer parsers say when they cannot read an answer (the re-prompt)."""

    NUMBER = "Please send a number, like 7 or 7.5."
    SCALE = "Please send a whole number from {low} to {high}, like {example}."
    SCALE_OUT_OF = "Please score from {low} to {high}, like {example}/{high}."
    SCALE_WHOLE = "Please send a whole number from {low} to {high} (no halves), like {example}."
    SLEEP = "Please send how many hours you slept (0 to 24), like 7, 7.5 or 7h30."
    PERCENT = "Please send a percentage from 0 to 100, like 40 or 40%."
    YES_NO = "Please answer yes or no."
    ADHERENCE = "Please answer yes, partly or no: did you stick to your plan?"
    TIME = "Please send a time of day like 08:00, 8am or 20:30."
    DATE = 'Please send a date like {example}, {dotted} or "in 3 weeks".'
    DATE_AMBIGUOUS = "Is that {first} or {second}? Please send the date as YYYY-MM-DD, like {example}."
    DATE_MISSING = "That date does not exist. {hint}"
    DATE_PAST = "That date has already passed. Please send a date from today on, like {example}."
    TIMEZONE = "Please send a city (like Berlin), a UTC offset (like UTC+2) or a time zone name (like Europe/Berlin)."
    TIMEZONE_GUESS = "I don't know that place. Did you mean {place} ({zone})? {hint}"
    GOAL_EMPTY = "Please describe your goal in a few words, like “run 5 km by March”."
    GOAL_TOO_LONG = "Please keep your goal under {limit} characters; a short sentence is enough."


class Language(Catalogue):
    """Choosing the language the bot speaks (/language, and the button in onboarding)."""

    ASK = "Which language should I speak?"
    SET = "Okay, from now on I'll speak English."
    HINT = "Please pick one of the languages with the buttons."
    BUTTON = "🌐 Language"


class PaymentUpdates(Catalogue):
    """What the payments integration tells clients when money moves (webhooks, refunds, dunning)."""

    THANK_YOU = (
        "Thank you! Your payment for {program} went through and your program is now active. "
        "Let's get going: send /checkin whenever you're ready."
    )
    FAILED = "Your payment didn't go through ({reason}). You can try again with /pay."
    DUNNING_FIRST = "Your monthly payment didn't go through."
    DUNNING_AGAIN = "Reminder {step} of {total}: your monthly payment is still open."
    DUNNING_LAST = " This is the last reminder: after it your program will be paused."
    DUNNING = "{lead} Please update your card or pay {amount}.{last} Send /billing to manage payments."
    PAY_BUTTON = "Pay {amount}"
    PAY_MONTHLY_BUTTON = "Pay {amount} / month"
    PAUSED = (
        "Your {program} program is paused because the monthly payment is still open. "
        "Send /billing to update your card; it resumes as soon as the payment goes through."
    )
    REFUNDED = "You've been refunded {amount}. It usually shows on your statement in 5-10 days."
    ENDED = "Your {program} subscription has ended. Thank you for training with us!"


class PaymentPages(Catalogue):
    """The pages Stripe Checkout returns the client's browser to, in the browser's language."""

    SUCCESS = "Thank you, your payment went through. You can close this page and go back to the chat."
    CANCELLED = "No payment was taken. You can close this page and go back to the chat."


class FromCoach(Catalogue):
    """What a coach sends a client from Slack (``/coach paylink``, ``/coach remind``): queued in the
    client's language, whatever the coach's."""

    PAYMENT_LINK = "Your coach sent you a payment link for {program} ({amount})."
    PAY_NOW = "Pay now"
    REMINDER = "⏰ Reminder from {coach}: {text}"


class ClientHome(Catalogue):
    """The App Home tab on Slack of anyone who is not a coach (a client, or someone not yet one)."""

    TITLE = "Your coaching assistant"
    INTRO = "Send me a message in the *Messages* tab to check in, see your goals or reach your coach."
    TRY = "Try `/checkin`, `/goals` or `/help` there."


class SlackAccess(Catalogue):
    """What someone who is not a coach (a client, or anyone in the workspace) is told on trying a coach
    feature in Slack (``/coach``, a coach's button), in their language."""

    REFUSAL = (
        "Sorry, this is only for coaches linked to this workspace. "
        "If you are a coach, ask your admin to run `coach coaches add --slack-user-id <your Slack id>`."
    )


class Reminders(Catalogue):
    """Check-in reminders (the reminders scheduler queues them in the client's language)."""

    CHECKIN = "Time for your check-in. It takes about a minute."
    # A session reminder without its ready message (one queued before messages were stored with it).
    SESSION = "Your session with your coach starts in an hour."
    FOLLOWUP = "A gentle nudge: today's check-in is still open whenever you are ready."
    REENGAGE = (
        "We have not heard from you for a few check-ins, and that is okay. Want to pick up again? "
        "A quick check-in is enough, or change or pause your reminders in /settings."
    )
    CHECK_IN_NOW = "Check in now"
    CHECK_IN = "Check in"
    SETTINGS = "Settings"


class Email(Catalogue):
    """The frame of a message sent by email (reminders to clients who chose email)."""

    FOOTER = "Sent by your coaching assistant. Reply in chat with /settings to change reminders."
    SEND_IN_CHAT = "{label}: send {command} in chat"
    DEFAULT_SUBJECT = "Message from your coach"
    UNSUBSCRIBE = "No more email: {link}"
    UNSUBSCRIBE_LINK = "Unsubscribe from these emails"


class Policy(Catalogue):
    """A new version of the privacy policy and terms: asked before anything else goes on."""

    ASK = (
        "We have updated our privacy policy and terms (version {version}).\n"
        "What changed: {summary}\n"
        "Read the full text: {link}\n"
        "Do you accept? I'll keep what you just sent and carry on once you have answered."
    )
    ACCEPT = "Accept"
    DECLINE = "Decline"
    HINT = "Please press Accept or Decline."
    ANSWER_FIRST = "Please answer this first: do you accept the updated privacy policy and terms?"
    ACCEPTED = "Thank you, you accepted version {version}."
    DECLINED = (
        "Understood: you declined version {version}, so I can't go on coaching you here. Your data is "
        "yours: /mydata sends you a copy of everything we hold, and /forget_me deletes it for good. If "
        "you change your mind, press Accept."
    )
    MY_DATA = "Get my data"
    FORGET_ME = "Delete my data"
    READ = "Our privacy policy and terms (version {version}): {link}"


class PolicyPage(Catalogue):
    """The public page the policy links point to, in the browser's language (the policy's own text
    is shown as the admin wrote it)."""

    TITLE = "Privacy policy and terms, version {version}"
    META = "Version {version}, published {published}. What changed: {summary}"
    NONE_YET = "No privacy policy has been published yet."
    NO_SUCH_VERSION = "There is no such policy version."


class Support(Catalogue):
    """``/support``: a client asks the team that runs the service (not their coach)."""

    HELP = "ask the team that runs this service for help (not your coach)"
    ASK = (
        "What do you need help with? Your message goes to the team that runs this service, not to your "
        "coach. Please describe the problem in a few sentences."
    )
    EMPTY = "Please type your question as text (or /cancel)."
    TOO_LONG = "Please keep it under {limit} characters."
    OPENED = "Thanks! Your support request #{ticket} is open. The team will answer you here."
    YOUR_TICKETS = "Your support requests:"
    TICKET_LINE = "#{ticket} – {status}, last message {when}"
    STATUS = {"open": "waiting for the team", "answered": "answered, your turn", "closed": "closed"}
    NEW = "New request"
    REPLY = "Reply to #{ticket}"
    CLOSE = "Close #{ticket}"
    ASK_REPLY = "Your reply to support request #{ticket}:"
    REPLIED = "Thanks, your reply to request #{ticket} went to the team."
    CLOSED_REFUSED = (
        "Support request #{ticket} is closed, so it can't take replies any more. Send /support to open a new "
        "one."
    )
    NOT_FOUND = "I can't find support request #{ticket} of yours. /support lists your requests."
    CLOSED_NOW = "Support request #{ticket} is closed. Thank you! /support opens a new one any time."
    ALREADY_CLOSED = "Support request #{ticket} was already closed."
    ANSWER = "🛟 Support, request #{ticket}:\n{text}"
    CLOSED_BY_TEAM = "🛟 The team closed your support request #{ticket}. /support opens a new one any time."


class Announcements(Catalogue):
    """A coach's announcement as the client reads it (domain.services.announcements): the coach's own
    words in a frame; the frame stays within domain.services.announcements.FRAME_RESERVE characters."""

    FRAME = "📣 {coach}:\n\n{text}\n\n(An announcement to your coach's clients. /settings to stop them.)"


class ExtraSessionPayments(Catalogue):
    """The thank-you for one more session bought through Checkout (a coach's extra-session program):
    the client books it next, so it points at /book, not at /checkin as a program's thank-you does."""

    THANK_YOU = (
        "Thank you! Your payment for {program} went through. Send /book to pick a time for your session."
    )


class CoachSummary(Catalogue):
    """The computed (not AI) weekly summary a coach reads, in the coach's language (``coaches.locale``;
    rendered by :mod:`conversations.coach_summary`). English reads as domain.insights.summary writes."""

    NO_CHECK_INS = "{name} did not check in this week"
    NO_CHECK_INS_MISSED = "{name} did not check in this week (missed {missed} of {expected})"
    # Counts are Plurals of their own ({n} alone) inside plain sentences.
    LAST_CHECK_IN = "{text}; last check-in {days} ago"
    DAYS = Plural("{n} day", "{n} days")
    CHECKED_IN_OF = "{name} checked in {check_ins} of {times}: {trends}"
    TIMES_OF = Plural("{n} time", "{n} times")
    CHECKED_IN = "{name} checked in {times}: {trends}"
    TIMES = Plural("{n} time", "{n} times")
    STREAK = "{text}; streak {streak}"
    SENTENCE = "{text}."
    METRICS = {
        "mood": "mood",
        "energy": "energy",
        "sleep_hours": "sleep",
        "adherence_pct": "plan kept",
        "goal_progress": "goal",
    }
    TREND = "{metric} {value}"
    TREND_STEADY = "{trend} (steady)"
    TREND_UP = "{trend} (up {change} from {last})"
    TREND_DOWN = "{trend} (down {change} from {last})"
    HOURS = "{value}h"
    NO_NOTES = "No notes this week"
    NOTES_NOT_RATED = "Notes are not in English, so their tone is not rated"
    NOTES_TONE = "Notes read {tone}"
    TONES = {"positive": "positive", "negative": "negative", "neutral": "neutral", "none": "none"}
    HIGHLIGHTS = "{text}: {highlights}"
    QUOTED = "“{note}”"
    FLAGS = "{text}. Flags: {flags}"
    FELL = "{metric} fell from {last} to {value} week over week"
    MISSED_WEEKLY = "missed this week's check-in"
    MISSED = "missed {missed} of {expected} expected check-ins"
    LOW_ADHERENCE = "kept to the plan {percent} of the time this week"
    NEGATIVE_NOTES = "{negative} of {notes} read negative"
    NOTES_OF = Plural("{n} note", "{n} notes")
    QUESTIONS = {
        "missed_check_ins": (
            "Ask what got in the way of checking in and whether another time of day would suit better."
        ),
        "falling_mood": "Ask what has been weighing on them this week and what would help.",
        "falling_energy": "Ask about rest, workload and food this week: what is draining their energy?",
        "low_adherence": "Ask which part of the plan was hardest to keep and whether to make it smaller.",
        "negative_notes": "Ask about what they wrote in their notes and how they are feeling about it now.",
    }
    ASK_WHAT_HELPED = "Ask what helped this week so they can keep doing it."
    ASK_NEXT_FOCUS = "Ask what they want to focus on next week and what would make it easier."


class CoachDigest(Catalogue):
    """The coach digest (title, overview, one line per client, flag reasons) and the summary labels, in
    the coach's language (``coaches.locale``; rendered by :mod:`conversations.coach_digest`). English
    reads as domain.insights.digest writes."""

    TITLE_DAY = "Daily digest for {day}"
    TITLE_WEEK = "Weekly digest for the week ending {day}"
    NO_CLIENTS = "No clients yet."
    CLIENTS = Plural("{n} client", "{n} clients")
    OVERVIEW_WEEK = (
        "{clients}: {checked_in} checked in this week, {flagged} flagged ({need_action} need action); "
        "mood up for {mood_up}, down for {mood_down}."
    )
    OVERVIEW_DAY = (
        "{checked_in} of {clients} checked in {window}; {flagged} flagged ({need_action} need action, "
        "{newly_flagged} newly flagged); over the week mood up for {mood_up}, down for {mood_down}."
    )
    WINDOW_ON = "on {day}"
    WINDOW_FROM_TO = "from {first} to {last}"
    WINDOW_SINCE_YESTERDAY = {
        "morning": "since yesterday morning",
        "afternoon": "since yesterday afternoon",
        "evening": "since yesterday evening",
    }
    WINDOW_SINCE_DAY = {
        "morning": "since {weekday} morning",
        "afternoon": "since {weekday} afternoon",
        "evening": "since {weekday} evening",
    }
    CHECK_INS_OF = "{check_ins}/{expected} check-ins"
    CHECK_INS = Plural("{n} check-in", "{n} check-ins")
    MOOD = "mood {value}"
    MOOD_CHANGE = "mood {value} {arrow}{change}"
    ENERGY = "energy {value}"
    PLAN_PERCENT = "plan {percent}"
    PLAN = {"yes": "plan kept", "partly": "plan partly kept", "no": "plan not kept"}
    NEVER_CHECKED_IN = "never checked in"
    LAST_TODAY = "last check-in today"
    LAST_YESTERDAY = "last check-in yesterday"
    LAST_DAYS_AGO = Plural("last check-in {n} day ago", "last check-in {n} days ago")
    NO_CHECK_IN = "no check-in ({ago})"
    CHECKED_IN_ONCE = "checked in"
    CHECKED_IN_TIMES = Plural("checked in {n} time", "checked in {n} times")
    DAY_LINE = "{said}: {parts}"
    STATUS_DAY = "{name}: {day} · week: {week}"
    NEW_FLAG = "new: {reason}"
    COMPUTED_LABEL = "Computed summary (not AI-generated)"
    AI_LABEL = "AI-generated from computed check-in numbers; review before sharing (model {model})"


class CoachNotices(Catalogue):
    """Slack notices to a coach (title of each kind, the low-mood text, alert buttons), in the coach's
    language (``coaches.locale``); the client's name and words in them are shown as written."""

    KINDS = {
        "low_mood": "Low mood",
        "missed_checkins": "Missed checkins",
        "payment_failed": "Payment failed",
        "payment_received": "Payment received",
        "paused_unpaid": "Paused unpaid",
        "new_client": "New client",
        "goal_approval": "Goal approval",
        "program_completed": "Program completed",
        "announcement_report": "Announcement report",
        "subscription_ended": "Subscription ended",
        "payment_for_cancelled": "Payment for cancelled",
        "payments_not_configured": "Payments not configured",
        "session_booked": "Session booked",
        "session_moved": "Session moved",
        "session_cancelled": "Session cancelled",
        "delivery_failed": "Delivery failed",
        "client_erased": "Client erased",
        "cohort_removed": "Cohort removed",
        "support_reply": "Support reply",
        "support_ticket": "Support ticket",
        "coaches_full": "Coaches full",
        "system_feedback": "System feedback",
    }
    LOW_MOOD = "{name} reported a low mood ({mood}/10) in today's check-in."
    MESSAGE_CLIENT = "Message client"
    SNOOZE = "Snooze 1 day"
    OPEN_CLIENT = "Open client"
    APPROVE = "Approve"
    EDIT = "Edit"
    DISMISS = "Dismiss"
    COMMENT = "Comment"
    # A client's check-in posted in their thread for the coach.
    CHECK_IN = "Check-in — {name}"
    CHECK_IN_FROM = "Check-in from {name} ({day})"
    MOOD = "mood {value}/10"
    ENERGY = "energy {value}/10"
    SLEEP = "sleep {hours} h"
    PLAN = "plan {adherence}"
    ADHERENCE = {"yes": "yes", "partly": "partly", "no": "no"}
    GOAL = "goal"
    NEW_CLIENT = "New client: {name}"
    PAYMENT_RECEIVED = "Payment received: {amount} for {program}."
    # Rendered on delivery from the notice's stored values (conversations.coach_notices).
    PAYMENT_FAILED = "A client's monthly payment failed; reminders are scheduled."
    SUBSCRIPTION_ENDED = "A client's {program} subscription ended."
    PAUSED_UNPAID = "A client's {program} program is paused: the monthly payment is still unpaid."
    PAYMENT_FOR_CANCELLED = (
        "A payment arrived for a cancelled {program} enrollment (payment {payment}): consider `coach refund`."
    )
    NOT_SET_UP = "{name} tried to pay for {program}, but payments are not configured."
    MISSED_CHECK_INS = "{name} has missed {missed} in a row."
    MISSED = Plural("{n} check-in", "{n} check-ins")  # as MISSED_CHECK_INS's object
    PROGRAM_COMPLETED = "{name} completed {program}: {done} of {tasks}, {check_ins}."
    TASKS_OF = Plural("{n} task", "{n} tasks")  # after "{done} of"
    CHECK_INS = Plural("{n} check-in", "{n} check-ins")
    # The announcement report: its first words, then the counts (the waiting and on-their-way
    # ones only when there are any).
    ANNOUNCEMENT_REPORT = "Your announcement “{preview}” has gone out: {counts}."
    SENT = Plural("{n} sent", "{n} sent")
    FAILED = Plural("{n} failed", "{n} failed")
    OPTED_OUT = Plural("{n} opted out", "{n} opted out")
    BLOCKED = Plural("{n} blocked", "{n} blocked")
    HELD = Plural("{n} waiting for their console chat", "{n} waiting for their console chat")
    PENDING = Plural("{n} on their way", "{n} on their way")
    # Sessions booked with the coach, at the coach's own time.
    BOOKED = "📅 {name} booked a session: {when} (your time)."
    MOVED = "📅 {name} moved their session to {when} (your time)."
    CANCELLED = "📅 {name} cancelled their session on {when} (your time)."
    DELIVERY_FAILED = "A message to {name} could not be delivered on {platform}."
    CLIENT_ERASED = (
        "{first_name}'s personal data has been erased at their request: profile, check-ins, goals, messages "
        "and files. Their payment records are kept for accounting, without their name."
    )
    CLIENT_ERASED_RETENTION = (
        "{first_name}'s personal data has been erased: nothing had happened on their account for {days} "
        "since it closed (COACH_RETENTION_CLOSED_CLIENTS_DAYS). Their payment records are kept for "
        "accounting, without their name."
    )
    DAYS = Plural("{n} day", "{n} days")  # CLIENT_ERASED_RETENTION's "{days}"
    COHORT_REMOVED = (
        "The bot was removed from the cohort group of {program}; nothing more is posted there. "
        "Add the bot again and send /cohort with a new code (coach cohort code) to resume."
    )
    COHORT_REMOVED_TITLED = (
        "The bot was removed from the cohort group of {program} ({title}); nothing more is posted there. "
        "Add the bot again and send /cohort with a new code (coach cohort code) to resume."
    )
    SUPPORT_REPLIED = "Support replied on your request #{ticket}:\n{reply}"
    SUPPORT_CLOSED = "Your support request #{ticket} was closed."
    # To the admins: a coach's or client's support request (their words as written), everyone full.
    SUPPORT_NEW = "New support request #{ticket} from {requester}:\n{text}"
    SUPPORT_FOLLOW_UP = "Reply on support request #{ticket} from {requester}:\n{text}"
    FROM_CLIENT = "client {id} ({name})"
    FROM_COACH = "coach {id} ({name})"
    EVERYONE_FULL = (
        "A new client could not start: every coach is at capacity ({coaches}). "
        "Raise a capacity with `coach coaches set-capacity` or add a coach."
    )
    # A goal idea for the coach to approve; the goal's words as the model or template wrote them.
    GOAL_AI = "AI-suggested goal for {name}: {goal}"
    GOAL_COMPUTED = "Suggested goal (computed, not AI) for {name}: {goal}"
    GOAL_TARGET = "{goal} (target {target})"
    GOAL_DUE = "{goal}, due {due}"
    # The details line under a notice: what each stored value is.
    DETAILS = {
        "enrollment_id": "enrollment id",
        "program_id": "program id",
        "booking_id": "booking id",
        "check_in_id": "check in id",
        "amount_minor": "amount minor",
        "currency": "currency",
        "missed": "missed",
        "since": "since",
        "announcement": "announcement",
        "sent": "sent",
        "failed": "failed",
        "opted_out": "opted out",
        "blocked": "blocked",
        "held": "held",
        "pending": "pending",
        "mood": "mood",
        "platform": "platform",
        "ticket": "ticket",
        "answer": "answer",
        "cohort_id": "cohort id",
        "status": "status",
        "reply": "reply",
    }
    # Values of the details line (and of a notice's sentence) that are codes, by name.
    PLATFORMS = {
        "telegram": "Telegram",
        "slack": "Slack",
        "sms": "SMS",
        "email": "email",
        "console": "console",
    }
    TICKET_STATUSES = {"open": "open", "answered": "answered", "closed": "closed"}


class CoachThreads(Catalogue):
    """A client's thread in the coach's Slack (its first message, what is relayed into it, the notes
    on the coach's replies there), in the coach's language; client names and words as written."""

    THREAD = "Thread: {name}"
    INTRO = "Messages from {name} ({channels}) appear in this thread. Reply here to answer them."
    NO_CHANNEL = "no channel"
    VOICE_NOTE = "Voice note (transcribed):"
    FILE = "file"
    VIA = "via {channel}"
    UNREACHABLE = "I couldn't reach this client on any channel, so that wasn't delivered."
    EMPTY = "There was nothing to send: add a few words or a file."
    # A coach's file that does not go to the client ({name}: the file's name as Slack has it).
    FORWARD_TOO_LARGE = "“{name}” wasn't sent: files up to {mb} MB reach the client."
    FORWARD_UNSUPPORTED = "“{name}” wasn't sent: photos, PDFs and text files reach the client."
    FORWARD_FAILED = "“{name}” wasn't sent: I couldn't fetch it from Slack. Please try again."
    FORWARD_FAILED_UNNAMED = "A file wasn't sent: I couldn't fetch it from Slack. Please try again."


class PaymentProblems(Catalogue):
    """Why a payment page, link or billing action can't be offered (integrations.stripe raises them as
    PaymentsUnavailable inside the client's effect, so they read in the client's language)."""

    ALREADY_PAID = "{program} is already paid for: you're all set."
    NOT_OPEN = "This enrollment is no longer open for payment. Send /programs to pick one."
    FREE = "{program} is free: there is nothing to pay."
    PAGE_UNAVAILABLE = "The payment page isn't available right now. Please try again shortly."
    CONFIRMING = "Your payment is being confirmed: you'll get a message in a moment."
    NOTHING_DUE = "{program} has nothing to pay right now."
    NO_PAYMENTS = "You have no payments with us yet, so there is nothing to manage."
    NO_SUBSCRIPTION = "I can't find that subscription. Send /billing to see yours."
    CARD_DECLINED = "Your card was declined: {reason}. Please try another card."
    DECLINED = "your card was declined"
    # Stripe's decline_code / code (https://docs.stripe.com/declines/codes), said in the client's
    # language; any other code (lost_card, stolen_card, fraudulent, do_not_honor ... on purpose: Stripe
    # asks not to tell the cardholder) reads as DECLINED.
    DECLINE_REASONS = {
        "insufficient_funds": "your card has insufficient funds",
        "expired_card": "your card has expired",
        "incorrect_cvc": "your card's security code is incorrect",
        "invalid_cvc": "your card's security code is invalid",
        "incorrect_number": "your card number is incorrect",
        "invalid_number": "your card number is invalid",
        "invalid_expiry_month": "your card's expiration month is invalid",
        "invalid_expiry_year": "your card's expiration year is invalid",
        "incorrect_zip": "your card's postal code is incorrect",
        "processing_error": "an error occurred while processing your card",
        "authentication_required": "your bank needs you to confirm this payment",
        "payment_intent_authentication_failure": "the confirmation with your bank did not succeed",
        "card_velocity_exceeded": "your card has reached its limit",
        "withdrawal_count_limit_exceeded": "your card has reached its limit",
        "currency_not_supported": "your card does not support this currency",
        "card_not_supported": "your card does not support this kind of purchase",
        "try_again_later": "your bank could not approve it right now",
    }
    BUSY = "Payments are busy right now. Please try again in a minute."
    UNREACHABLE = "The payment service can't be reached right now. Please try again in a few minutes."
    NOT_SET_UP = "Payments aren't set up correctly yet. Your coach has been told."
    FAILED = "Something went wrong with the payment service. Please try again in a few minutes."


class CoachCommands(Catalogue):
    """Answers of the Slack ``/coach`` command family, in the coach's language (``coaches.locale``).
    The command words (``/coach client``) are the interface and stay as they are in every language."""

    HELP_TITLE = "Coach commands"
    # What each command does, after its literal usage (bot.slack.blocks.HELP_COMMANDS).
    HELP = {
        "clients": "your clients with last check-in, streak and flags",
        "client": "profile, goals, last 7 check-ins and the latest summary",
        "goals": "goal ideas for a client, for you to approve, edit or dismiss",
        "digest": "your digest now",
        "programs": "your programs with enrollments, completion and revenue",
        "stats": "your numbers this week against the week before, with their definitions",
        "paylink": "send a client a payment link",
        "remind": "send a client a reminder",
        "refund": "refund a payment, fully or partly",
        "announce": "a message to all your clients, a program's or a segment, after a preview",
        "settings": "your digest time, cadence and timezone (or `/coach settings digest 08:00 weekly Europe/Berlin`)",
        "support": "ask the admins for help (`/coach support` lists your requests)",
        "guides": "guides from the admins (🆕 new to you); `/coach guides <name>` reads one",
        "availability": (
            "your bookable hours, free slots and booked sessions; "
            "`/coach availability set <YAML>` changes the hours"
        ),
        "help": "this list",
    }
    HELP_THREADS = "Reply in a client's thread to message them on their own channel."
    UNKNOWN_TITLE = "Unknown command"
    UNKNOWN = "I don't know `{command}`. Here is what I can do:"
    DM_HINT = "Hi coach! Reply inside a client's thread to message them, or use:"
    DM_HINT_TEXT = "Use /coach for your commands"
    NOT_YOUR_CLIENT = "Sorry, that client isn't one of yours."
    WHICH_CLIENT = "Which client? Try `/coach client Ann`."
    WHOSE_GOALS = "Whose goals? Try `/coach goals Ann`."
    NO_SUCH_CLIENT = "None of your clients is called “{name}”. `/coach clients` lists them."
    SEVERAL_MATCH = "Several clients match “{name}”"
    SEVERAL_MATCH_WHICH = "Several clients match “{name}”. Which one?"
    YOUR_CLIENTS = "Your clients ({count})"
    # /coach programs
    YOUR_PROGRAMS = "Your programs ({count})"
    YOUR_PROGRAMS_TITLE = "Your programs"
    NO_PROGRAMS = "No programs yet: `coach programs new --template running-start`."
    PUBLISHED = "published"
    NOT_PUBLISHED = "not published"
    VERSION = "{status} · version {number} ({version_status})"
    VERSION_STATUSES = {"draft": "draft", "published": "published"}
    ENROLLED = "{n} enrolled"
    ACTIVE = "{n} active"
    COMPLETED = "{n} completed"
    COMPLETION = "completion {value} %"
    ADHERENCE = "check-in adherence {value} %"
    MIGRATE_BUTTON = "Move {behind} to version {version}"
    NOTHING_MOVED = "Nothing moved: {reason}"
    MIGRATED = "{clients} of {program} moved to version {version}; {notified} told what changed."
    # English keeps its "client(s)"; the other languages have real plural forms.
    MIGRATED_CLIENTS = Plural("{n} client(s)", "{n} client(s)")
    # /coach goals
    GOALS_UNAVAILABLE = "Goal ideas are not available here."
    GOALS_WAITING = "Goal ideas for {name} are still waiting for your review."
    NO_GOAL_IDEAS = "I have no goal ideas for {name} right now."
    GOAL_IDEAS_SENT = (
        "{ideas} for {name} are on their way, each with Approve / Edit / Dismiss. "
        "Only those you approve are offered to {name}."
    )
    GOAL_IDEAS = Plural("{n} goal ideas", "{n} goal ideas")
    # /coach digest without the insights feature, computed from the roster
    DIGEST_TITLE = "Your digest"
    DIGEST_FOR = "Digest for {day}"
    DIGEST_OVERVIEW = "{clients} · {checked_today} checked in today · {flagged} need attention"
    CLIENTS = Plural("{n} client", "{n} clients")
    DIGEST_LINE = "last check-in {when}, streak {streak}"
    NOTHING_TO_REPORT = "Nothing to report."
    SOURCE = "source: {source}"
    SOURCES = {"computed": "computed", "ai": "AI-generated"}
    # /coach paylink
    PAYLINK_USAGE = 'Try `/coach paylink Ann "Strength 8 weeks"` (client, then program).'
    WHICH_CLIENT_AND_PROGRAM = "Which client and which program? {usage}"
    NO_SUCH_PROGRAM = "I couldn't find that program. Your programs: {names}. {usage}"
    NONE_YET = "none yet"
    NO_PAYMENTS_FOR_LINK = "Payments aren't set up yet, so I can't create a payment link."
    FREE_PROGRAM = "{program} is free: there is nothing to pay."
    CANT_SEND_LINK = "Can't send a payment link: {reason}."
    ALREADY_ENROLLED = "{name} is already enrolled in {program} ({status})."
    ENROLLMENT_STATUSES = {
        "pending_payment": "pending payment",
        "active": "active",
        "paused": "paused",
        "completed": "completed",
        "cancelled": "cancelled",
    }
    LINK_UNAVAILABLE = "Can't create the payment link right now: {reason}"
    LINK_UNREACHABLE = "{name} has no chat I can reach, so the link wasn't sent. Link: {url}"
    LINK_SENT = "Payment link for {program} sent to {name} ({amount})."
    # /coach remind
    WHOM_TO_REMIND = "Whom should I remind, and of what? Try `/coach remind Ann Log your sleep tonight`."
    REMINDER_EMPTY = "What should the reminder say? Try `/coach remind Ann Log your sleep tonight`."
    REMINDER_TOO_LONG = "That reminder is too long: keep it under {limit} characters."
    REMINDER_UNREACHABLE = "{name} has no chat I can reach, so the reminder wasn't sent."
    REMINDER_SENT = "Reminder sent to {name}."
    # /coach refund
    REFUND_USAGE = "Try `/coach refund 12` or `/coach refund 12 10.50` (payment ids are in `/coach client`)."
    WHICH_PAYMENT = "Which payment? {usage}"
    NO_PAYMENTS_FOR_REFUND = "Payments aren't set up yet, so I can't refund."
    NOT_YOUR_PAYMENT = "Payment {payment} isn't one of your clients' payments."
    NOT_AN_AMOUNT = "“{text}” isn't an amount. {usage}"
    NO_REFUND = "No refund: {reason}."
    REFUNDED = "Refunded {amount} to {name} (total refunded {total}). They have been told."
    # /coach settings
    NOT_SAVED = "Not saved: {reason}. {usage}"
    SAVED = "Saved. {settings}."
    # `coach insights digest` (the CLI): where the digest's summaries came from
    DIGEST_SOURCE_AI = "source: AI-generated by model {models}"
    DIGEST_SOURCE_AI_SOME = "source: AI-generated by model {models} (computed fallback for some clients)"
    DIGEST_SOURCE_COMPUTED = "source: computed fallback, not AI ({reasons})"
    FALLBACK_REASONS = {
        "no model configured": "no model configured",
        "model unavailable": "model unavailable",
        "model answer failed checks": "model answer failed checks",
        "no model": "no model",
        "no clients": "no clients",
    }
    # The client card's progress chart (bot.slack.charts); its file is titled "{name}: {weeks}" with
    # Chart.WEEKS.
    CHART_NOT_ENOUGH = "📈 Not enough check-ins for a chart yet (it needs {needed} {weeks})."
    CHART_IN_WEEKS = Plural("in the last {n} week", "in the last {n} weeks")  # CHART_NOT_ENOUGH's {weeks}
    CHART_POSTED = "📈 The chart {weeks} is in your direct messages with me."
    CHART_OF_WEEKS = Plural("of the last {n} week", "of the last {n} weeks")  # CHART_POSTED's {weeks}
    CHART_FAILED = "📈 I couldn't post the chart just now. Please try again in a moment."
    CHART_FILE_TITLE = "{name}: {weeks}"
    # When a /coach command fails unexpectedly (the error is logged).
    SOMETHING_WRONG = "Sorry, something went wrong. Please try again."


class CoachHome(Catalogue):
    """A coach's clients at a glance (App Home, ``/coach clients``) and one client's card
    (``/coach client``), in the coach's language; client names, goals and notes are shown as written."""

    HOME_TITLE = "{name}'s clients"
    HOME_COUNTS = "{clients} · {flagged} with open flags · updated {when} UTC"
    CLIENTS = Plural("{n} client", "{n} clients")
    NO_CLIENTS = "No clients yet."
    NO_CLIENTS_INVITE = "No clients yet. Share your invite link to get started."
    YOUR_CLIENTS = "Your clients"
    YOUR_CLIENTS_COUNT = "Your clients ({count})"
    AND_MORE = "…and {n} more"
    OPEN = "Open"
    # One client's line
    LAST_CHECK_IN = "last check-in {when}"
    STREAK = "streak {streak}"
    MOOD = "mood {mood}/10"
    PAYMENT = "payment {status}"
    TODAY = "today"
    YESTERDAY = "yesterday"
    NEVER = "never"
    DAYS_AGO = Plural("{n} day ago", "{n} days ago")
    PAYMENT_FAILED = "payment failed"
    PAYMENT_STATUSES = {
        "pending": "pending",
        "succeeded": "succeeded",
        "failed": "failed",
        "refunded": "refunded",
        "partially_refunded": "partially refunded",
    }
    # The client card
    TIMEZONE = "*Timezone* {zone}"
    CHANNELS = "*Channels* {channels}"
    NO_CHANNEL = "none"
    PROGRAMS = "*Programs* {programs}"
    GOALS = "*Goals*"
    NO_GOALS = "No goals yet."
    # How the card marks goals that are not yet the client's own (domain GoalStatus values).
    GOAL_MARKS = {"suggested": "offered to the client", "proposed": "AI idea, waiting for your review"}
    LAST_CHECK_INS = Plural("*Last {n} check-in*", "*Last {n} check-ins*")
    CHECK_IN_LINE = "{day}: mood {mood}, energy {energy}, sleep {sleep}h, plan {plan}"
    ADHERENCE = {"yes": "yes", "partly": "partly", "no": "no"}
    TREND_TITLE = "*Trend* (last {days} days, {mark} = no check-in; week over week)"
    NO_CHECK_INS_THIS_WEEK = "no check-ins this week"
    CHECK_INS = "*Check-ins*"
    NO_CHECK_INS = "No check-ins yet."
    LATEST_SUMMARY = "*Latest summary*"
    PAYMENTS = "*Payments*"


class CoachTools(Catalogue):
    """The rest of the ``/coach`` family, in the coach's language: ``settings``, ``availability``,
    ``guides``, ``support`` and ``announce`` (preview, Send and Cancel). Command words and flags stay
    as typed; what clients, admins and guides wrote is shown as written."""

    # /coach settings
    SETTINGS_TITLE = "Your digest settings"
    SETTINGS_LINES = "*Digest time:* {time}\n*Cadence:* {cadence}\n*Timezone:* {zone}"
    SETTINGS_TEXT = "Digest at {time}, {cadence}, {zone}"
    SETTINGS_ONE_LINE = "Or in one line: `/coach settings digest 08:00 weekly Europe/Berlin`"
    SETTINGS_USAGE = (
        "Try `/coach settings digest 08:00 weekly Europe/Berlin` (time, then cadence, then timezone or city)."
    )
    CADENCE_HINT = "Pick daily, weekdays or weekly."
    CADENCES = {"daily": "daily", "weekdays": "weekdays", "weekly": "weekly"}
    EDIT = "Edit"
    MODAL_TITLE = "Digest settings"
    SAVE = "Save"
    CANCEL = "Cancel"
    DIGEST_TIME = "Digest time"
    DIGEST_TIME_HINT = "08:00, 8am or 20:30"
    CADENCE = "Cadence"
    TIMEZONE = "Timezone"
    TIMEZONE_HINT = "A city (Berlin) or a zone (Europe/Berlin)"
    # /coach availability
    AVAILABILITY_USAGE = (
        "Set your hours with `/coach availability set` followed by YAML, e.g. "
        "`/coach availability set {example}` (see the README for exceptions, notice and video link)."
    )
    AVAILABILITY_UNKNOWN = "I don't know `availability {action}`. {usage}"
    HOURS_MISSING = "The hours are missing. {usage}"
    NOT_SAVED = "Not saved: {reason}. {usage}"
    SAVED = "Saved. {text}"
    NO_HOURS = "You have no bookable hours yet, so clients cannot /book. {usage}"
    BOOKABLE_HOURS = "Your bookable hours ({zone})"
    NEXT_FREE = "*Next free slots* (your time, {zone}): {slots}"
    NO_FREE_SLOTS = "none in your horizon"
    UPCOMING = "*Upcoming sessions*"
    UPCOMING_NONE = "*Upcoming sessions*: none yet"
    # /coach guides
    GUIDES = "Guides"
    GUIDES_NEW = "Guides ({new} new)"
    NO_GUIDES = "No guides have been published yet."
    REVISION = "revision {number}"
    NO_GUIDE = "There is no guide “{name}”. `/coach guides` lists them."
    GUIDE_TOO_LONG = "This guide is longer than Slack shows: read all of it in the web workspace."
    # /coach support
    SUPPORT_USAGE = (
        "`/coach support <what you need>` opens a request to the admins · `/coach support reply <n> <text>` "
        "answers on it · `/coach support close <n>` closes it"
    )
    WHICH_REQUEST = "Which request? {usage}"
    REASON_USAGE = "{reason}. {usage}"
    REASON = "{reason}."
    REQUEST_OPENED = "Support request #{number} is open: the admins have it and will answer you here."
    OPEN_REQUESTS = "Open support requests"
    YOUR_REQUESTS = "Your support requests"
    NO_REQUESTS = "None. {usage}"
    REQUEST_LINE = "*#{number}* {status} · {requester} · {messages}"
    # English keeps its "message(s)"; the other languages have real plural forms.
    MESSAGES = Plural("{n} message(s)", "{n} message(s)")
    REQUEST_STATUSES = {"open": "open", "answered": "answered", "closed": "closed"}
    WHAT_REPLY = "What is your reply? `/coach support reply {number} <text>`"
    REPLY_SENT = "Your reply on support request #{number} went to the admins."
    REQUEST_CLOSED_NO_REPLIES = (
        "Support request #{number} is closed, so it takes no more replies. "
        "Open a new one with `/coach support <text>`."
    )
    NO_SUCH_REQUEST = "There is no support request #{number} of yours."
    ANSWER_SENT = "Your answer on support request #{number} is on its way to the requester."
    REQUEST_CLOSED = "Support request #{number} closed."
    ALREADY_CLOSED = "Support request #{number} was already closed."
    # /coach announce
    ANNOUNCE_USAGE = (
        "Try `/coach announce Gym closed on Friday`, or with options before the text: "
        "`/coach announce --program 3 --segment missed --at 2026-12-07T09:00Z See you Monday!` "
        "(segments: {segments})."
    )
    UNKNOWN_FLAG = "I don't know `{flag}`."
    FLAG_NEEDS_VALUE = "`{flag}` needs a value."
    NOT_A_TIME = "`{value}` is not a time like 2026-12-07T09:00Z."
    NEEDS_OFFSET = "Give the time with its offset, like 2026-12-07T09:00Z."
    PROGRAM_ID = "`--program` takes a program id (a number), not `{value}`."
    USAGE_AFTER = "{problem} {usage}"
    NOT_SENT = "Not sent: {reason}. {usage}"
    NOT_SENT_AGAIN = "Not sent: {reason}. Run `/coach announce` again."
    PREVIEW_TITLE = "Announcement preview"
    PREVIEW_TEXT = "Announcement preview: {text}"
    AT = "at {moment} UTC"
    ON_SEND = "as soon as you press Send"
    PEOPLE = Plural("{n} client", "{n} clients")
    UP_TO = "up to {people} (the segment is taken when it goes out)"
    TO = "To {audience}: {who}, {when}."
    SHORTENED = "The preview is shortened; clients get the whole text."
    OPTED_OUT = "Clients who turned announcements off in /settings are left out."
    SEND = "Send"
    NOW = "now"
    GOES_OUT = (
        "📣 Announcement {id} to {audience} goes out {when}: “{preview}”. "
        "You'll get its delivery report here once it is delivered."
    )
    NOT_SENT_CANCELLED = "Announcement not sent."


class CoachButtons(Catalogue):
    """What a coach's buttons answer in Slack (goal approval, check-in feedback, alert buttons, name
    choices) and their modals, in the coach's language; goals, names and comments as written."""

    NOT_YOUR_CLIENT = "Sorry, that client isn't one of yours."
    # Goal approval
    GOAL_GONE = "That goal is no longer waiting for approval."
    APPROVED = "✅ Approved and offered to the client: {goal}"
    APPROVED_EDITED = "✅ Edited, approved and offered to the client: {goal}"
    DISMISSED = "🗑 Dismissed; the client won't see it: {goal}"
    TARGET_HINT = "Enter a number above zero, e.g. 3 or 2.5."
    DUE_HINT = "Pick a due date."
    EDIT_GOAL = "Edit goal"
    SAVE_AND_OFFER = "Save & offer"
    CANCEL = "Cancel"
    GOAL = "Goal"
    TARGET = "Target"
    UNIT = "Unit"
    DUE_DATE = "Due date"
    # Check-in feedback
    SENT_REACTION = "{emoji} sent to {name}."
    ALREADY_REACTED = "You already sent {emoji} for this check-in; it was not sent again."
    UNREACHABLE = "{name} can't be reached on any channel right now; nothing was sent."
    CHECK_IN_GONE = "That check-in no longer exists."
    COMMENT_TITLE = "Comment on check-in"
    SEND = "Send"
    COMMENT = "Comment"
    COMMENT_NOTE = "{name} gets it in their chat, quoting the check-in."
    # Alert buttons and name choices
    MIGRATE_EXPIRED = "That button has expired; run `/coach programs` again."
    CHOICE_EXPIRED = "That choice has expired; please run the command again."
    REPLY_IN_THREAD = "✏️ Reply in this thread to message {name}."
    SNOOZED = "😴 Alerts for {name} snoozed until {when} UTC"
