"""Communities, users, roles and sign-in."""
