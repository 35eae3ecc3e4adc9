"""What the bureau publishes and sends: findings reports, return packages, summary, export."""
