"""One build across many machines: shard shares and records, restoring output/ from the site."""
