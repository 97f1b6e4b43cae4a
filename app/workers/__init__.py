"""Background work: notifications, digests and partner-site ingestion."""
