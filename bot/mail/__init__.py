"""Email (issue 32): the customer update as an RFC 5322 message (`message.py`) and its
sending by SMTP with STARTTLS (`smtp.py`, the transport the outbox's `email` rows use)."""
