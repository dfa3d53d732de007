class UserIdConverter:
    """1 to 20 ASCII digits; leading zeros allowed (/users/007 is user 7)."""

    # [0-9], not \d: \d would also match Arabic-Indic and fullwidth digits.
    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
