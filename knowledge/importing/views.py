"""Entry views straight from an import bundle, without a database (tests, benchmarks)."""

from __future__ import annotations

from pathlib import Path

from knowledge.importing.metadata import plan_year
from knowledge.importing.yamldoc import ImportBundle, parse_yaml_bundle
from knowledge.model import EntryView


def bundle_entry_views(bundle: ImportBundle) -> list[EntryView]:
    """The entries a bundle would store, as read-only views."""
    document, meta = bundle.document, bundle.meta
    key = meta.key
    if document is None or key is None:
        raise ValueError("the bundle holds no keyed document")
    views: list[EntryView] = []
    for parsed in document.entries:
        entry_id = f"{key}:{parsed.local_id}"
        extra = bundle.enrich.get(entry_id)
        views.append(
            EntryView(
                entry_id=entry_id,
                document_key=key,
                document_title=meta.title or document.title,
                path=tuple(parsed.path),
                number=parsed.number,
                title=(extra.title if extra and extra.title else parsed.title),
                body=parsed.body,
                categories=tuple(extra.categories or ()) if extra else (),
                audiences=tuple(extra.audiences or ()) if extra else (),
                keywords=tuple(extra.keywords or ()) if extra else (),
                alt_questions=tuple(extra.alt_questions or ()) if extra else (),
                guide={**parsed.guide, **((extra.guide or {}) if extra else {})},
                level=meta.level or document.level,
                region=meta.region or document.region,
                source_url=meta.source_url,
                source_name=meta.source_name or document.title,
                effective_date=meta.effective_date or document.effective_date,
                expiry_date=meta.expiry_date or document.expiry_date,
                publish_date=meta.publish_date or document.publish_date,
                doc_number=meta.doc_number or document.doc_number,
                issuer=meta.issuer or document.issuer,
                plan_year=plan_year(meta.title or document.title),
                text_fields=tuple(
                    name
                    for name in parsed.guide
                    if not (extra and extra.guide and name in extra.guide)
                ),
            )
        )
    return views


def read_manifest_views(path: Path) -> list[EntryView]:
    """Entry views of a YAML manifest file (``document.file`` + ``enrich``)."""
    bundle = parse_yaml_bundle(path.read_text(encoding="utf-8"), base_dir=path.parent)
    return bundle_entry_views(bundle)
