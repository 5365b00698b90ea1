"""The portal registry (`portals`), its division table and Scrapy spider loader."""


class RegistryError(ValueError):
    """A registry file or row that cannot be used, named by file and line.

    Here, not in `portals`, so that the CLI can catch it without loading the registry.
    """
