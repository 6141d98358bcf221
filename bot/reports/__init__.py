"""Reports as files: PDF pages (ReportLab + matplotlib charts) and tables (CSV, XLSX)."""
