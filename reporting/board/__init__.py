"""The completeness board: who has reported, who is missing, reminders."""
