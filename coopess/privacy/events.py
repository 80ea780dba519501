"""What the privacy app records when another app announces something
(``coopess.common.events``): every export of personal data by a member of staff goes to the
export log (``PersonalDataExportLog``), written at once, inside the announcing request, so that
no export leaves without its line."""

from __future__ import annotations

from coopess.common import events as E
from coopess.privacy.services import personal_data_export_log


@E.subscribe(E.PERSONAL_DATA_EXPORTED, during_transaction=True)
def log_personal_data_export(*, by, what: str, fmt: str, rows: int, call=None, filters="") -> None:
    personal_data_export_log(by=by, what=what, fmt=fmt, rows=rows, call=call, filters=filters)
