"""Demo data (placeholder; filled in below)."""


def load_demo(if_empty: bool = False) -> bool:
    return False


def print_logins() -> None:
    pass
