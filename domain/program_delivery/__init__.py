"""Drip delivery of program steps, beside the reminders: each step on its day at the client's reminder
time, through the outbox, exactly once."""

from domain.program_delivery.dispatch import DeliveryOutcome, deliver_due_steps
from domain.program_delivery.preview import StepDelivery, deliveries_at

__all__ = ["DeliveryOutcome", "StepDelivery", "deliver_due_steps", "deliveries_at"]
