"""Where a portal sits in China's administrative divisions."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Region:
    """A county-level (or higher) division: 6-digit code and names as the NBS lists them."""

    code: str
    province: str
    prefecture: str | None
    county: str | None

    def __post_init__(self) -> None:
        if not (len(self.code) == 6 and self.code.isdigit()):
            raise ValueError(f"region code must be 6 digits, got {self.code!r}")

    def as_record(self) -> dict[str, str | None]:
        """The `region` object of a record."""
        return asdict(self)
