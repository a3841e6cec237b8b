"""AWS access: a client factory that honours the settings' endpoint, and repositories."""
