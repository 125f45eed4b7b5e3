"""What keeps work from being lost: atomic files, the home's lock, backups, fault points."""
