"""Templates: YAML with source marks, the validated model, loading with extends, lint."""
