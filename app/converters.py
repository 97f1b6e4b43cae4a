"""URL converters shared by every blueprint."""

from werkzeug.routing import IntegerConverter


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` limited to the ids a database column can hold.

    A larger number in an address is a record that does not exist (404),
    not a query that PostgreSQL refuses (500).
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
