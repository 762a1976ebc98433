"""Translation memory: approved vi→lo/zh pairs, exact and fuzzy lookup, TMX exchange."""
