"""The read-only web app (``threadline serve``)."""

from threadline.web.app import create_app

__all__ = ["create_app"]
