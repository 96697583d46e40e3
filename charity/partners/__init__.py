"""Resource partners (the N), their services (the X), and the printed resource service list."""
