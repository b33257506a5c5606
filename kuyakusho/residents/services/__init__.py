"""Every write to the register: one transaction per notification, an event (異動) and audit records.

Each service is keyword-only, takes the acting member of staff (``actor``) and, for people already
on the register, the ``version`` of each record the clerk saw (``Mover``): a stale version raises
``ApplicationError(CONFLICT, extra={"changed": {field: [seen, now]}})``.
"""

from .corrections import cancel_event, correct_record, effective_entries
from .households import change_head, merge_households, split_household
from .inputs import Address, Mover, NewPerson, Notifier, TransferCertificate
from .moves import file_abroad_in, file_abroad_out, file_move_in, file_move_out, file_move_within
from .vital import file_birth, file_death

__all__ = [
    "Address", "Mover", "NewPerson", "Notifier", "TransferCertificate",
    "cancel_event", "change_head", "correct_record", "effective_entries", "file_abroad_in", "file_abroad_out",
    "file_birth", "file_death", "file_move_in", "file_move_out", "file_move_within", "merge_households",
    "split_household",
]
