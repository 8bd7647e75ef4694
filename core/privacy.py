"""Personal data shown only in part."""


def mask_id_number(value: str) -> str:
    """An ID number with all but its first and last four characters hidden
    ("3701**********1234"); a short one is hidden whole."""
    value = value or ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
