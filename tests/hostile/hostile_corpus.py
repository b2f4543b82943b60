"""Page builders shared by the hostile tests."""

PARAGRAPHS = (
    "The northern rivers freeze for five months of the year, and the towns along their banks"
    " have learned to live with the silence that the ice brings every winter.",
    "Ferry captains spend the cold season repairing hulls and teaching apprentices to read the"
    " currents, which change a little every spring when the thaw arrives.",
    "When the ice finally breaks, the sound carries for miles, and children run down to the"
    " water to watch the first slabs drift towards the sea.",
)


def article(*extra: str, title: str = "Rivers of the North") -> str:
    """An HTML page the real cleaners keep as a record; `extra` paragraphs are added."""
    body = "".join(f"<p>{text}</p>" for text in (*extra, *PARAGRAPHS))
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{body}</article></body></html>"
    )
