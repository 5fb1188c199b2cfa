"""A module without urlpatterns, to test the error message."""
