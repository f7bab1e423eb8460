"""Helpers that know no models. Nothing here imports a gridgov app."""
