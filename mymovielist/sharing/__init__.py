"""Sharing: link-preview meta tags, an RSS feed of a user's activity, an ICS calendar of releases."""
