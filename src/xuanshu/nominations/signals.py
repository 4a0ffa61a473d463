"""Decoupled reactions to nominations (acknowledgements, notifications). Sent after commit only."""
from django.dispatch import Signal

# Sent with nomination=, inbound= and source_text= (the free text it was read from, or '') once the
# transaction that created the nomination has committed.
nomination_created = Signal()

# Sent with nomination= and fields= (the names of the changed fields) once an editor's correction has committed.
nomination_edited = Signal()
