"""The servers `legato run` drives, adapted so that the app takes part in their life cycle
and its limits hold: a uvicorn server that tells the app when shut-down begins, and an
HTTP protocol that bounds the request head."""
