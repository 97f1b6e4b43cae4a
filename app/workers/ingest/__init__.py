"""Partner-site ingestion: turning what partner sites publish into activities."""
