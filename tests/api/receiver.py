"""A webhook receiver written from the Standard Webhooks specification text
(https://www.standardwebhooks.com, « Verifying signatures »), independently of CoopESS's own
signing code:

- the signed content is ``msg_id + "." + timestamp + "." + body`` (the raw body);
- the key is the base64-decoded secret, without its ``whsec_`` prefix;
- the signature is base64(HMAC-SHA256(key, signed content)), sent as ``v1,<signature>``; the
  ``webhook-signature`` header may list several, separated by spaces;
- a message whose timestamp is too far from now (5 minutes here) is refused (replay);
- comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


class Refused(Exception):
    pass


def verify(*, secret: str, headers: dict, body: bytes, now: float | None = None) -> None:
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise Refused("missing headers")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise Refused("timestamp outside tolerance")
    prefix = "whsec_"
    key = base64.b64decode(secret[len(prefix) :] if secret.startswith(prefix) else secret)
    to_sign = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise Refused("no matching signature")
