"""Card payment screens: the card tender dialog, the queue panel, reader administration.

They talk to the payment services only through the sync worker (``CardActions``) and
listen to ``worker.signals.PaymentSignals``; nothing here waits on the network.
"""

from ireti_till.ui.payments.card_dialog import CardActions, CardTenderDialog
from ireti_till.ui.payments.queue_panel import QueueActions, QueuePanel
from ireti_till.ui.payments.reader_admin import ReaderAdminDialog

__all__ = ["CardActions", "CardTenderDialog", "QueueActions", "QueuePanel",
           "ReaderAdminDialog"]
