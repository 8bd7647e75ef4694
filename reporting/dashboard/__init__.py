"""The dashboard users land on after login."""
