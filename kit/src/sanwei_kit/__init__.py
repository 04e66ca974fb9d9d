"""sanwei's shared runtime kit: the plumbing every service uses, and no domain logic."""
