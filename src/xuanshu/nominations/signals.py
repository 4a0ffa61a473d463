"""Decoupled reactions to nominations (acknowledgements, notifications). Sent after commit only."""
from django.dispatch import Signal

# Sent with nomination= and inbound= once the transaction that created the nomination has committed.
nomination_created = Signal()
