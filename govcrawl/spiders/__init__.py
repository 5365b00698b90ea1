"""Spiders: `PortalSpider` (one per registry row, made by the registry's spider loader),
auto mode, and the rare override class a portal row names."""
