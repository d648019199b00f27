from threadline.query.queries import (
    Ambiguous,
    NotFound,
    QueryTooLong,
    entities,
    errors,
    find_entity,
    link_independent_counts,
    links,
    search,
    show,
    summary,
)

__all__ = [
    "Ambiguous",
    "NotFound",
    "QueryTooLong",
    "entities",
    "errors",
    "find_entity",
    "link_independent_counts",
    "links",
    "search",
    "show",
    "summary",
]
