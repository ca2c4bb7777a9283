"""The time zones a person may read the portal in: those of the United States and its
territories, and UTC (the default, and the time of every log and partner system)."""

TIME_ZONES = [
    ("UTC", "UTC"),
    ("America/New_York", "Eastern (New York, Miami, Atlanta)"),
    ("America/Chicago", "Central (Chicago, Houston, New Orleans)"),
    ("America/Denver", "Mountain (Denver, Salt Lake City)"),
    ("America/Phoenix", "Arizona (Phoenix, no daylight saving)"),
    ("America/Los_Angeles", "Pacific (Los Angeles, Seattle)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico, U.S. Virgin Islands)"),
    ("Pacific/Guam", "Chamorro (Guam, Northern Mariana Islands)"),
    ("Pacific/Pago_Pago", "Samoa (American Samoa)"),
]
TIME_ZONE_NAMES = dict(TIME_ZONES)
