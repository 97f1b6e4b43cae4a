"""The data model. Importing this package registers every table."""

from app.models.accounts import (
    Account,
    AccountSession,
    AccountToken,
    Availability,
    LoadLimit,
    NotificationPreference,
    Participant,
    RecoveryCode,
    Staff,
    participant_interest,
)
from app.models.activities import (
    Activity,
    ActivityImage,
    ActivityLoad,
    ActivitySession,
    activity_category,
)
from app.models.applications import (
    Application,
    Attendance,
    Favourite,
    FollowUp,
    InterviewSlot,
)
from app.models.audit import AuditEntry
from app.models.content import ContentPage, Inquiry, InquiryReply
from app.models.crawling import CrawledItem, Source
from app.models.messages import Message, MessageThread
from app.models.notifications import Campaign, Delivery, Notification, PushSubscription
from app.models.organisations import Organisation, OrganisationMember
from app.models.posts import Introduction, Story
from app.models.reference import Category, LoadAttribute, LoadLevel, Municipality
from app.models.review import Revision

__all__ = [
    "Account",
    "AccountSession",
    "AccountToken",
    "Activity",
    "ActivityImage",
    "ActivityLoad",
    "ActivitySession",
    "Application",
    "Attendance",
    "AuditEntry",
    "Availability",
    "Campaign",
    "Category",
    "ContentPage",
    "CrawledItem",
    "Delivery",
    "Favourite",
    "FollowUp",
    "Inquiry",
    "InquiryReply",
    "InterviewSlot",
    "Introduction",
    "LoadAttribute",
    "LoadLevel",
    "LoadLimit",
    "Message",
    "MessageThread",
    "Municipality",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "OrganisationMember",
    "Participant",
    "PushSubscription",
    "RecoveryCode",
    "Revision",
    "Source",
    "Staff",
    "Story",
    "activity_category",
    "participant_interest",
]
