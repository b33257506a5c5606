"""Pages: the ticket machine (kiosk), the calling screen (console), the lobby display, congestion."""
