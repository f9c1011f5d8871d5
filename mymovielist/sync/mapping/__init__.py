"""Provider responses (decoded JSON) to provider-neutral `TitleRecord`s.

Pure functions, one module per provider: no HTTP, no database. Each reads its input through
`providers.payload.Payload`, so a response of the wrong shape raises a `ProviderError` that names
the field. The provider clients, the sync jobs and the demo-catalog builder all map through here.
"""
