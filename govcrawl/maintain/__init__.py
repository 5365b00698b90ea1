"""Maintainer tools: building the registry, recording fixtures, detection."""
