"""Scheduled work: leadership digests and follow-ups, claimed, posted and marked posted once."""
