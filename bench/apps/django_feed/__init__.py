"""The feed page as a Django project writes it: models, an async view, a template.

Configured and served by `bench.apps.django_feed_app`; the database it reads is built by
`python -m bench.feed_build`. Its tables are Django's own (`auth_user`, `django_session`,
`django_feed_post`, `django_feed_follow`), beside Legato's in the same SQLite file.
"""
