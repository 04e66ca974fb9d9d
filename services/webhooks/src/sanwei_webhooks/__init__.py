"""sanwei webhooks: signed, retried deliveries of events to subscribed systems."""
