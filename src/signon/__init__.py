"""signon: a self-hosted implementation of Google Sign-In."""

__version__ = "0.1.0"
