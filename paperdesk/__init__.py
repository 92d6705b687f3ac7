"""paperdesk: check mailed, stamped paper nomination forms against the online submissions.

This package is the glue around the stages (ingest → extract → checks →
reports): the CLI, the options, the batch runner, the store and the review app.
"""

__version__ = "0.1.0"
PIPELINE_VERSION = "8"
"""Bumped when a change to any stage changes what a page reads as (cache key)."""
