from threadline.query.queries import (
    Ambiguous,
    NotFound,
    entities,
    errors,
    find_entity,
    links,
    search,
    show,
    summary,
)

__all__ = ["Ambiguous", "NotFound", "entities", "errors", "find_entity", "links", "search", "show", "summary"]
