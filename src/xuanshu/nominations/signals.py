"""Decoupled reactions to nominations (acknowledgements, notifications). Sent after commit only."""
from django.dispatch import Signal

# Sent with nomination=, inbound= and source_text= (the free text it was read from, or '') once the
# transaction that created the nomination has committed.
nomination_created = Signal()

# Sent with nomination= and fields= (the names of the changed fields) once an editor's correction has committed, or
# the pipeline's filling of an unreviewed nomination from its follow-up text (extraction.services.absorb_follow_ups):
# both may change what is screened and who the nomination is about.
nomination_edited = Signal()
