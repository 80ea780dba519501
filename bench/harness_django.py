"""Benchmark harness, part 3 of 3: the Django side of the harness's subprocesses, run as
``python bench/harness_django.py …`` with the benchmark's settings by ``count_queries``,
``integrity`` and ``officer_session`` (``bench/harness_measure.py``). It imports nothing from
``bench`` so that it runs as a plain script:

- ``count-queries PATH…``: SQL queries of each page (second anonymous request, test client);
- ``django integrity CALL_ID WAIT_SECONDS``: what the database holds after a run and every
  broken invariant;
- ``django officers CALL_ID N``: N signed-in officers (second factor passed), their sessions.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _count_queries_main(paths: list[str]) -> None:
    """Subprocess side of ``count_queries``: prints {path: count} as JSON on the last line."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    client = TestClient()
    counts = {}
    for path in paths:
        client.get(path, secure=True)  # first request: caches, connection set-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    print(json.dumps(counts))


def _django_integrity(call_id: int, wait_drained: float) -> dict:
    from collections import Counter

    from django.db.models import Count, Q
    from django_tasks_db.models import DBTaskResult

    from coopess.applications.models import (
        Application,
        ApplicationTransition,
        Attachment,
        ReceiptCounter,
    )
    from coopess.applications.receipts import recipients_of
    from coopess.common.models import DemoEmail, OutgoingEmail

    deadline = time.monotonic() + wait_drained
    while True:
        pending = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        if pending == 0 or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    violations: list[str] = []
    applications = Application.objects.filter(call_id=call_id)
    statuses = dict(applications.values_list("status").annotate(n=Count("id")))
    half = applications.filter(
        (Q(status="draft") & (Q(receipt_number__isnull=False) | Q(submitted_at__isnull=False)))
        | (Q(status="submitted") & (Q(receipt_number__isnull=True) | Q(submitted_at__isnull=True)))
    )
    violations += [f"half-submitted application {a.public_id} ({a.status})" for a in half]
    submitted = list(
        applications.filter(submitted_at__isnull=False).prefetch_related(
            "structures__representatives", "accesses__user"
        )
    )
    transitions = Counter(
        ApplicationTransition.objects.filter(
            application__call_id=call_id, to_status="submitted"
        ).values_list("application_id", flat=True)
    )
    for application in submitted:
        if transitions[application.pk] != 1:
            violations.append(
                f"{application.receipt_number}: {transitions[application.pk]} transitions to "
                "submitted (expected 1)"
            )
    drafts_with_transition = applications.filter(status="draft", pk__in=list(transitions))
    violations += [
        f"draft {a.public_id} has a submission transition" for a in drafts_with_transition
    ]
    numbers = [a.receipt_number for a in submitted]
    if len(set(numbers)) != len(numbers):
        violations.append("a receipt number was given twice")
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    if sequence != list(range(1, len(sequence) + 1)):
        violations.append(f"receipt numbers not consecutive: {sequence[:5]}…{sequence[-5:]}")
    # the counters of this call's prefix (shared by calls with the same prefix)
    from coopess.calls.models import Call

    prefix = Call.objects.values_list("receipt_prefix", flat=True).get(pk=call_id)
    counters = sum(ReceiptCounter.objects.filter(prefix=prefix).values_list("last", flat=True))
    if counters != len(submitted):
        violations.append(f"receipt counter at {counters} for {len(submitted)} submissions")

    # Tasks: one receipt and one screening per submission, each run once.
    tasks = Counter(
        (t.task_path.rsplit(".", 1)[-1], t.status)
        for t in DBTaskResult.objects.only("task_path", "status")
    )
    per_application: dict[str, Counter] = {}
    reruns: Counter = Counter()
    receipt_returns: dict[int, object] = {}
    for t in DBTaskResult.objects.filter(
        task_path__in=[
            "coopess.applications.tasks.send_receipt",
            "coopess.selection.tasks.screen_application",
        ]
    ):
        name = t.task_path.rsplit(".", 1)[-1]
        application_id = (t.args_kwargs.get("args") or [None])[0]
        per_application.setdefault(name, Counter())[application_id] += 1
        if len(t.worker_ids) > 1:
            reruns[name] += 1
        if name == "send_receipt":
            receipt_returns[application_id] = t.return_value
    receipts = Counter(
        Attachment.objects.filter(application__call_id=call_id, is_receipt=True).values_list(
            "application_id", flat=True
        )
    )
    demo_subjects = Counter(DemoEmail.objects.values_list("subject", flat=True))
    outbox_subjects = Counter(OutgoingEmail.objects.values_list("subject", flat=True))
    receipt_emails = {"demo_mailbox": 0, "outbox": 0, "returned": 0, "expected": 0}
    for application in submitted:
        label = application.receipt_number
        for name in ("send_receipt", "screen_application"):
            n = per_application.get(name, Counter())[application.pk]
            if n != 1:
                violations.append(f"{label}: {n} {name} task(s) (expected 1)")
        if receipts[application.pk] != 1:
            violations.append(f"{label}: {receipts[application.pk]} receipt PDF(s) (expected 1)")
        expected = len(recipients_of(application))
        subject = f"[CoopESS] Récépissé de votre candidature {label}"
        receipt_emails["expected"] += expected
        receipt_emails["demo_mailbox"] += demo_subjects[subject]
        receipt_emails["outbox"] += outbox_subjects[subject]
        returned = receipt_returns.get(application.pk)
        receipt_emails["returned"] += returned if isinstance(returned, int) else 0
        # The receipt's emails go through the outbox, one row per recipient (keyed, so a re-run
        # queues nothing twice); the task returns how many it queued; in the demo mailbox, one
        # per recipient.
        if outbox_subjects[subject] != expected:
            violations.append(f"{label}: {outbox_subjects[subject]} receipt emails in the outbox")
        if demo_subjects and demo_subjects[subject] != expected:
            violations.append(
                f"{label}: {demo_subjects[subject]} receipt emails delivered (expected {expected})"
            )
    # Every outbox email delivered once (the demo mailbox keeps what was delivered).
    outbox = dict(OutgoingEmail.objects.values_list("status").annotate(n=Count("id")))
    attempts = Counter(OutgoingEmail.objects.values_list("attempts", flat=True))
    if demo_subjects:
        for subject, n in outbox_subjects.items():
            if demo_subjects[subject] != n:
                violations.append(f"« {subject} »: queued {n}, delivered {demo_subjects[subject]}")
    return {
        "drained": not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
        "statuses": statuses,
        "submitted": [
            {"public_id": str(a.public_id), "receipt_number": a.receipt_number} for a in submitted
        ],
        "tasks": {f"{name} {status}": n for (name, status), n in sorted(tasks.items())},
        "reruns": dict(reruns),
        "receipts": sum(receipts.values()),
        "receipt_emails": receipt_emails,
        "outbox": outbox,
        "outbox_attempts": {str(k): v for k, v in sorted(attempts.items())},
        "demo_emails": sum(demo_subjects.values()),
        "violations": violations,
        "failed_tasks": [
            f"{t.task_path}: {t.exception_class_path} {t.traceback[-300:]}"
            for t in DBTaskResult.objects.filter(status="FAILED")[:5]
        ],
    }


def officer_session_key(user) -> str:
    """A stored session of ``user`` signed in with the second factor passed, as allauth records
    it (a TOTP device is activated if the account has none); its key, for the session cookie."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.sessions.backends.db import SessionStore

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    store["account_authentication_methods_user"] = str(user.pk)
    store.create()
    return store.session_key


def _django_officers(call_id: int, n: float) -> dict:
    from coopess.accounts.models import Role, RoleAssignment, User
    from coopess.calls.models import Call

    call = Call.objects.select_related("operator").get(pk=call_id)
    sessions = []
    for i in range(int(n)):
        email = f"bench-officer-{call_id}-{i}@example.org"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, first_name="Chargée", last_name=f"Banc {i}"
        )
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.OFFICER, organisation=call.operator
        )
        sessions.append(officer_session_key(user))
    return {"sessions": sessions}


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "count-queries":
        _count_queries_main(sys.argv[2:])
    elif sys.argv[1:2] == ["django"] and len(sys.argv) == 5:
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        action = {"officers": _django_officers, "integrity": _django_integrity}[sys.argv[2]]
        print(json.dumps(action(int(sys.argv[3]), float(sys.argv[4]))))
    else:
        raise SystemExit(
            "usage: harness_django.py count-queries PATH... | django officers CALL_ID N | "
            "django integrity CALL_ID WAIT_SECONDS"
        )
