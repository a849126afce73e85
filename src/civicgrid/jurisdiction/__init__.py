"""The jurisdiction: a district's regions, units, taxonomy, routing rules and working calendar.

``pack.py`` loads and checks a district pack (``load_pack``, ``route``); ``calendar.py`` counts
working days and hours over Chinese public holidays (``WorkCalendar``, ``default_calendar``).
"""
