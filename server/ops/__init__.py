"""Operations: backup and restore, health, offline update bundles (issue 16)."""
