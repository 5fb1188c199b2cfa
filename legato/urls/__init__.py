"""URL patterns, converters, the compiled resolver and reverse()."""
