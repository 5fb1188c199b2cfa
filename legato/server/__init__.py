"""The servers `legato run` drives, adapted so the app takes part in their life cycle."""
