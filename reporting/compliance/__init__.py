"""Compliance: each pairing judged against its programme's rules per semester
(the engine), the compliance list and the pairing page's part (views)."""
