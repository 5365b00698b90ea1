"""Base spiders, one per CMS platform: listing, pagination and detail parsing live here once."""
