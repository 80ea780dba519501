"""Pages of the collective support: ``staff`` (officers and consultants: engagement, sessions,
records, deliverables), ``referrals`` (the actors' directory, referrals, an officer's page per
structure) and ``structure`` (a representative's page)."""
