"""Catalog sync: provider records onto the domain model (mapping, upsert, service, CLI)."""
