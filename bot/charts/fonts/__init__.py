"""Noto fonts bundled for charts and PDF reports (SIL Open Font License, see OFL.txt)."""
