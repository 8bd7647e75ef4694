"""Export jobs: asked for on a page, built by the worker, downloaded."""
