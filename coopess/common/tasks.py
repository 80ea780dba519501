"""Background tasks shared by every app."""

from django_tasks import task

from coopess.common.mail import payload_to_message


@task()
def send_email(payload: dict) -> int:
    """Send one email built by ``queue_email_message``."""
    return payload_to_message(payload).send()
