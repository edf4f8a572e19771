"""Readers that turn policy files (text, Markdown, YAML) into domain objects."""

from knowledge.importing.errors import ImportFailed
from knowledge.importing.textdoc import decode_bytes, parse_text_document

__all__ = ["ImportFailed", "decode_bytes", "parse_text_document"]
