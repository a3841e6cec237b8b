"""The embedded platform: the whole of Archive-IO on one machine, no AWS account, no Docker."""
