"""Pobratim: a Telegram bot for twin-city delegations, events and telebridges."""
