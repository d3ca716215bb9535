"""Everything that speaks Slack: the one Web API seam, Block Kit builders, ids."""
