"""Masks shown on screen and in exports when a value is not revealed."""


def mask_id_number(value: str) -> str:
    """520330199001011236 -> 520330********1236"""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812348000 -> 138****8000"""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
