"""Background tasks looked up by name, so that services never import the ``tasks.py`` that calls
them back.

The dependency runs one way: a ``tasks.py`` module imports the services it runs (``@task``
functions are thin wrappers), and a service that must queue work names the task by its dotted
path (``task_named("coopess.common.tasks.deliver_email").enqueue(email_id)``). Emails go through
the outbox (``coopess.common.mail.queue_email_message``), which does the same.
"""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_tasks.base import Task


def task_named(path: str) -> Task:
    """The django-tasks ``Task`` at ``path`` (``"<module>.<function>"``)."""
    task = import_string(path)
    if not isinstance(task, Task):
        raise TypeError(f"{path} is not a task.")
    return task
