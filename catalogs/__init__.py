"""gettext PO/MO catalogs via polib: PO round trips for offline translators and the channels' UI strings.

Not built yet: both come with later issues (team review with Poedit round trips, and the channels).
The web channel keeps its few interface strings in trilingo/channels/web.py until then.
"""
