"""Attachments: reading their text (`read_attachment`) and downloading them during a crawl
(`pipeline.AttachmentsPipeline`)."""

from govcrawl.attachments.reader import AttachmentText, Limits, read_attachment, sniff

__all__ = ["AttachmentText", "Limits", "read_attachment", "sniff"]
