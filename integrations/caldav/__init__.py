"""A coach's own CalDAV calendar, read with the ``caldav`` library for the busy times slots avoid."""
