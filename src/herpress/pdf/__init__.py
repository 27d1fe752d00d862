"""The print side: the interior PDF and its cover, profiles, preflight and what serves only print."""
