from django.dispatch import Signal

# sender=User; person, group_ids (chosen on the Add a person form), by. groups listens.
person_created = Signal()
