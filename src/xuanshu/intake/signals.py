"""Decoupled reactions to intake outcomes (acknowledgements). Sent after commit only."""
from django.dispatch import Signal

# Sent with inbound= and tip= once a message that nominated someone outside the nomination stage has been
# kept as a reader tip instead (tip.held_because says whether nominations were closed or not yet open).
nomination_held = Signal()
