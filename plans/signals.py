"""What the plans app tells the floors above it without knowing them (the portal e-mails the patient a notice).

`plan_revised` is sent, inside the transaction that made it, with each revision a physiotherapist made of a plan:
issued (the first time or again), an automatic change undone, running resumed after a hold. Automatic changes after
a logged session are not sent: the patient saw them as they logged it, or staff typed the log in while talking to
them.
"""

from django.dispatch import Signal

plan_revised = Signal()  # sender: PlanRevision; revision: the new PlanRevision
