"""File archival: bundles of small S3 objects in zips, their manifests, restores."""
