"""Article text shared by the flow tests: a page, and an unrelated one."""

ARTICLE = [
    "The river authority opened the new flood gates on Monday after three years of work, and "
    "the towns downstream watched the first spring water pass without trouble.",
    "Engineers had rebuilt the old stone channel, widened the bend below the mill and raised "
    "the banks along the market road where the floods of the last decade did most damage.",
    "The mayor thanked the crews and said the town would hold a small festival on the new "
    "promenade in June, with music, boats and a market on the water meadow.",
]
OTHER = [
    "The regional orchestra announced its autumn season with six concerts in the old grain hall, "
    "including two new pieces written for the hall's unusual echo.",
    "Tickets go on sale next week, and the conductor said students will again pay half price "
    "for every concert of the season.",
]
