"""Work done by the worker for the diagnostic (others may add their tasks here)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_interview_reminder(interview_id: int, sequence: int) -> int:
    """The reminder two days before an interview, sent once, only if the interview is still
    booked at that version (see ``services.interviews.reminder_send``)."""
    from coopess.diagnostic.services.interviews import reminder_send

    return reminder_send(interview_id=interview_id, sequence=sequence)


@task()
def send_workshop_reminder(workshop_id: int, sequence: int) -> int:
    """The reminder two days before the collective workshop, sent once, only if the workshop
    is still planned at that version (see ``services.workshop.reminder_send``)."""
    from coopess.diagnostic.services.workshop import reminder_send

    return reminder_send(workshop_id=workshop_id, sequence=sequence)
