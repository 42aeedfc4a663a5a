"""The one error a bad city folder raises: it names the file, the feature and the reason."""

from __future__ import annotations


class CityError(ValueError):
    """Bad city data, refused at start-up.

    ``file`` is the file name inside the city folder (``roads.geojson``), ``feature`` the
    feature's id (str) or, before its id is known, its position in the file (int, from 0),
    ``None`` when the fault is not in one feature; ``reason`` says what is wrong.
    """

    def __init__(self, file: str, feature: str | int | None, reason: str) -> None:
        self.file = file
        self.feature = feature
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.feature is None:
            return f"{self.file}: {self.reason}"
        if isinstance(self.feature, int):
            return f"{self.file}: feature #{self.feature}: {self.reason}"
        return f"{self.file}: feature {self.feature!r}: {self.reason}"

    def __reduce__(self) -> tuple[type[CityError], tuple[str, str | int | None, str]]:
        return (CityError, (self.file, self.feature, self.reason))
