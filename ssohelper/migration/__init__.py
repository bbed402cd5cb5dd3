"""migrate-profiles and populate: plan the rewrite of static-key profiles to SSO, and write it."""
