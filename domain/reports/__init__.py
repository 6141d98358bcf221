"""What reports are made of, gathered from the database (rendering to PDF, CSV or XLSX is in bot.reports)."""
