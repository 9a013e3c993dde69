"""Make the English catalogue complete: English is the source language, so msgstr = msgid.

Run by ``make translations`` after ``pybabel update``; idempotent.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    """Copy every msgid into its empty English msgstr (both forms for plurals)."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True, omit_header=False)


if __name__ == "__main__":
    main()
