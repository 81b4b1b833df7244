"""What the long lists read a page at a time share (the Audit log, the provisioning log):
keyset paging on (created_at, id), the cursor's time as text, and their CSV downloads.

A page is cut by keyset, not by offset: the next page starts below the last row's
(created_at, id), so the 1st page and the 20,000th are each one index range read."""

import csv
from datetime import UTC, datetime, timedelta

from django.db.models import Q

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def micros_of(at):
    """A cursor's time: microseconds since 1970."""
    return (at - EPOCH) // timedelta(microseconds=1)


def time_of(micros):
    """The time of a cursor's microseconds (OverflowError when out of range)."""
    return EPOCH + timedelta(microseconds=micros)


def older_than(found, at, pk):
    """The rows below (at, pk) in (created_at, id) order. created_at <= at is the index
    range; the OR keeps the rows of the same instant that come after the cursor's."""
    return found.filter(created_at__lte=at).filter(
        Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)
    )


def newer_than(found, at, pk):
    """The rows above (at, pk) in (created_at, id) order."""
    return found.filter(created_at__gte=at).filter(
        Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)
    )


class Echo:
    """csv.writer's file: hands back each line instead of keeping it."""

    def write(self, value):
        return value


def csv_lines(rows):
    """The rows as lines of CSV, one at a time (for a StreamingHttpResponse)."""
    writer = csv.writer(Echo())
    return (writer.writerow(row) for row in rows)


def spreadsheet_safe(cell):
    """A text cell that a spreadsheet would run as a formula, quoted with a leading
    apostrophe (typed names and emails reach it); any other cell as it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
