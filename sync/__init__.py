"""Parts shared by the kiosk and the community server: catalog, wire protocol, outbox, client."""
