"""Replay: the loopback server that serves replicas to the real engine, and the bundled
replicas (pages the project wrote on each platform's template, one portal per platform)."""

from pathlib import Path

REPLICAS = Path(__file__).resolve().parent / "replicas"
