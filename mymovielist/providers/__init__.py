"""Provider clients: the only code that speaks HTTP to TMDB, Jikan and Comic Vine. No DB, no Flask."""
