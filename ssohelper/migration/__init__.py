"""migrate-profiles: survey static-key profiles, discover targets, plan, apply, back up, roll back."""
