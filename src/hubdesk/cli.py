"""placeholder while the CLI is written"""


def main() -> int:
    return 0
