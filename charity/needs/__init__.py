"""The needs list (需求清单), matching needs to services, and council meetings (慈善联席会)."""
