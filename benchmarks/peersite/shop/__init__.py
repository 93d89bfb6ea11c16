"""The peer site's shop: the benchmark's uniform surface, over the peer package's views and client."""
