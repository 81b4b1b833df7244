from django.dispatch import Signal

# sender=User; person, group_ids (chosen on the Add a person form), by. groups listens.
person_created = Signal()

# sender=User; person, by: an admin saved new details (name, email) for the person.
person_changed = Signal()
