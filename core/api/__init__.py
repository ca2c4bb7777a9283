"""The REST API's plumbing, shared by every app's api/ package: one JSON error shape, keyset
pages, ETags and the orjson renderer. Authentication is the agencies app's (agencies.api.auth):
it reads API keys."""
