"""The month's work: the assessment figures (绩效考核) and their workbook, and the archive."""
