"""Semester reports: a school's filing, the review workflow (services),
attachments and reporting periods."""
