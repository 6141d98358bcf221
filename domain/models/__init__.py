"""All ORM models; importing this module registers every table on ``Base.metadata``."""

from domain.models.announcements import Announcement, AnnouncementOptOut, AnnouncementRecipient
from domain.models.api_tokens import ApiToken
from domain.models.base import Base
from domain.models.billing import Payment, PaymentRefund, ProviderEvent, Subscription
from domain.models.booking import Booking, CoachAvailability, CoachCalendar
from domain.models.coach_feedback import CoachFeedback
from domain.models.cohorts import CohortGroup, CohortReply
from domain.models.dunning import DunningCase as DunningCase
from domain.models.email import AppSecret, EmailVerification
from domain.models.guides import Guide, GuideRead
from domain.models.inbox import InboxUpdate
from domain.models.messaging import Message, OutboundMessage, Reminder, SmsOptOut, StoredFile
from domain.models.people import ChannelIdentity, Client, Coach, ConsentRecord
from domain.models.policy import PolicyVersion
from domain.models.program_content import (
    CheckInAnswer,
    EnrollmentProgress,
    ProgramResource,
    ProgramStep,
    ProgramVersion,
    StepRelease,
    TaskTick,
)
from domain.models.programs import Enrollment, Program
from domain.models.progress import CheckIn, Feedback, Goal, SystemFeedback
from domain.models.sending import SendSlot
from domain.models.support import SupportMessage, SupportTicket
from domain.models.system import AuditEvent, ConversationState, InsightCache, LlmUsage, ProcessedMessage
from domain.models.threads import CoachThread as CoachThread
from domain.models.web import CoachNote, LoginCode, WebSession

__all__ = [
    "Announcement",
    "AnnouncementOptOut",
    "AnnouncementRecipient",
    "ApiToken",
    "AppSecret",
    "AuditEvent",
    "Base",
    "Booking",
    "ChannelIdentity",
    "CheckIn",
    "CheckInAnswer",
    "Client",
    "Coach",
    "CoachAvailability",
    "CoachCalendar",
    "CoachFeedback",
    "CoachNote",
    "CohortGroup",
    "CohortReply",
    "ConsentRecord",
    "ConversationState",
    "EmailVerification",
    "Enrollment",
    "EnrollmentProgress",
    "Feedback",
    "Goal",
    "Guide",
    "GuideRead",
    "InboxUpdate",
    "InsightCache",
    "LlmUsage",
    "LoginCode",
    "Message",
    "OutboundMessage",
    "Payment",
    "PaymentRefund",
    "PolicyVersion",
    "ProcessedMessage",
    "Program",
    "ProgramResource",
    "ProgramStep",
    "ProgramVersion",
    "ProviderEvent",
    "Reminder",
    "SendSlot",
    "SmsOptOut",
    "StepRelease",
    "StoredFile",
    "Subscription",
    "SupportMessage",
    "SupportTicket",
    "SystemFeedback",
    "TaskTick",
    "WebSession",
]
